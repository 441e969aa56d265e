from __future__ import annotations

import pytest

from tavusctl.core import secrets
from tavusctl.kinds import PERSONA, TOOL


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/layers/llm/api_key", True),
        ("/layers/tts/api_key", True),
        ("/layers/llm/tools/0/function/api_key", True),
        ("/layers/llm/headers/Authorization", True),
        ("/layers/llm/headers", False),
        ("/layers/llm/base_url", False),
        ("/system_prompt", False),
    ],
)
def test_secret_paths_follow_the_rules(path: str, secret: bool) -> None:
    assert PERSONA.secrets(path) is secret


def test_hash_is_salted_and_recognisable() -> None:
    one = secrets.hash_secret("sk-live-1", "salt-a")
    assert secrets.is_hash(one)
    assert one != secrets.hash_secret("sk-live-1", "salt-b")
    assert "sk-live-1" not in one


def test_scrub_hides_remembered_values_longest_first() -> None:
    read = secrets.Scrubber()
    read.add("tok-abcdef")
    read.add("tok-abcdef-longer")
    read.add("ab")  # short: hidden as a whole token only, not inside words
    text = read.scrub("a=tok-abcdef-longer b=tok-abcdef c=ab cab")
    assert text == "a=(sensitive value) b=(sensitive value) c=(sensitive value) cab"


@pytest.mark.parametrize(
    ("live", "verdict"),
    [
        ("sk-live-Qm2xZp9vRw4z", "same"),
        ("****Rw4z", "unknown"),
        ("sk-live...Rw4z", "unknown"),
        ("sk-…Rw4z", "unknown"),
        ("•••••Rw4z", "unknown"),
        ("****", "unknown"),
        ("****9999", "different"),
        ("pk-test...Rw4z", "different"),
        ("xxxxxxxxRw4z", "different"),
        ("**Rw4z", "different"),
        ("sk-live-other", "different"),
        ("", "unknown"),
        (None, "unknown"),
        (12345, "unknown"),
    ],
)
def test_a_live_secret_is_compared_in_clear_by_its_mask_or_not_at_all(
    live: object, verdict: str
) -> None:
    assert secrets.compare_live(live, "sk-live-Qm2xZp9vRw4z", "salt") == verdict


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/delivery/api/auth/token", True),
        ("/delivery/api/auth/client_secret", True),
        ("/delivery/api/auth/value", True),
        ("/delivery/api/headers/X-Clinic-Key", True),
        ("/delivery/api/auth/type", False),
        ("/delivery/api/auth/username", False),
        ("/parameters/properties/token", False),  # a parameter named token is no credential
        ("/parameters/properties/value/description", False),
    ],
)
def test_a_tools_secrets_are_secret_by_their_exact_place(path: str, secret: bool) -> None:
    assert TOOL.secrets(path) is secret


def test_the_read_back_placeholder_of_a_tool_secret_tells_nothing() -> None:
    assert secrets.compare_live("********", "booking-token-1234", "salt") == "unknown"
