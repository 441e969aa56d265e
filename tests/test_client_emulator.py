"""The API client and live-state fetching against the real emulator over HTTP, per switch."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import LiveState, fetch_live
from tavusctl.api.retry import RetryPolicy
from tavusctl.core.errors import AuthError, OutcomeUnknown, PreconditionFailed
from tests.support.emulator import Emulator
from tests.support.inproc import API_KEY, InProcess, no_sleep

T = TypeVar("T")
PERSONA = {
    "persona_name": "Interviewer",
    "system_prompt": "Ask one question at a time.",
    "layers": {"llm": {"model": "my-model", "api_key": "sk-secret-value-1234"}},
}


def call(
    emulator: Emulator, work: Callable[[TavusClient], Awaitable[T]], key: str | None = None
) -> T:
    """Run ``work(client)`` with a client on the emulator whose retries do not sleep."""

    async def go() -> T:
        policy = RetryPolicy(sleep=no_sleep)
        async with TavusClient(
            emulator.url, emulator.api_key if key is None else key, retry=policy
        ) as client:
            return await work(client)

    return asyncio.run(go())


def seed(emulator: Emulator, count: int) -> list[str]:
    bodies = [{"persona_name": f"P{i}", "system_prompt": "x"} for i in range(count)]
    answer = emulator.admin.post(
        f"{emulator.url}/_emulator/seed", json={"api_key": emulator.api_key, "personas": bodies}
    )
    return list(answer.json()["persona_ids"])


def list_requests(emulator: Emulator) -> list[dict[str, Any]]:
    return [r for r in emulator.requests() if r["path"] == "/v2/personas"]


@pytest.mark.parametrize("shape", ["flat", "wrapped"])
def test_get_persona_reads_both_shapes(emulator: Emulator, shape: str) -> None:
    pid = emulator.create_persona(PERSONA)
    emulator.configure(get_shape=shape)
    doc = call(emulator, lambda c: c.get_persona(pid))
    assert doc is not None
    assert doc["persona_id"] == pid and doc["system_prompt"] == PERSONA["system_prompt"]


@pytest.mark.parametrize("status", [400, 404])
def test_a_missing_persona_is_none_and_deleting_it_is_false(
    emulator: Emulator, status: int
) -> None:
    emulator.configure(missing_status=status)
    assert call(emulator, lambda c: c.get_persona("p00000000000")) is None
    assert call(emulator, lambda c: c.delete_persona("p00000000000")) is False


@pytest.mark.parametrize("response", ["full", "message", "empty"])
def test_patch_reports_a_change_and_304_as_no_change(emulator: Emulator, response: str) -> None:
    pid = emulator.create_persona(PERSONA)
    emulator.configure(patch_response=response)
    ops = [{"op": "replace", "path": "/persona_name", "value": "Renamed"}]
    assert call(emulator, lambda c: c.patch_persona(pid, ops)) is True
    assert call(emulator, lambda c: c.patch_persona(pid, ops)) is False
    assert emulator.list_personas()[0]["persona_name"] == "Renamed"


@pytest.mark.parametrize("status", [422, 400])
def test_a_failed_test_operation_is_a_precondition_failure(emulator: Emulator, status: int) -> None:
    pid = emulator.create_persona(PERSONA)
    emulator.configure(patch_error_status=status)
    ops = [
        {"op": "test", "path": "/persona_name", "value": "Someone else's"},
        {"op": "replace", "path": "/persona_name", "value": "Renamed"},
    ]
    with pytest.raises(PreconditionFailed, match=f"persona {pid} was changed by someone else"):
        call(emulator, lambda c: c.patch_persona(pid, ops))
    assert emulator.list_personas()[0]["persona_name"] == "Interviewer"


@pytest.mark.parametrize("response", ["minimal", "full"])
def test_create_returns_the_new_id(emulator: Emulator, response: str) -> None:
    emulator.configure(create_response=response)
    pid = call(emulator, lambda c: c.create_persona(PERSONA))
    assert [p["persona_id"] for p in emulator.list_personas()] == [pid]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("stored", "sk-secret-value-1234"), ("masked", "****1234"), ("omitted", None)],
)
def test_secrets_come_back_as_the_server_sends_them(
    emulator: Emulator, mode: str, expected: str | None
) -> None:
    pid = emulator.create_persona(PERSONA)
    emulator.configure(secrets=mode)
    doc = call(emulator, lambda c: c.get_persona(pid))
    assert doc is not None
    assert doc["layers"]["llm"].get("api_key") == expected


def test_a_rate_limited_read_is_retried(emulator: Emulator) -> None:
    pid = emulator.create_persona(PERSONA)
    emulator.inject("GET", f"/v2/personas/{pid}", status=429, headers={"Retry-After": "1"})
    assert call(emulator, lambda c: c.get_persona(pid)) is not None
    assert [r["status"] for r in emulator.requests()] == [429, 200]


def test_a_created_persona_whose_answer_is_lost_is_not_posted_twice(emulator: Emulator) -> None:
    emulator.inject("POST", "/v2/personas", status=502, after_write=True)
    with pytest.raises(OutcomeUnknown):
        call(emulator, lambda c: c.create_persona(PERSONA))
    assert [r["method"] for r in emulator.requests()] == ["POST"]
    assert len(emulator.list_personas()) == 1


def test_a_missing_key_is_refused_before_any_request(emulator: Emulator) -> None:
    with pytest.raises(
        AuthError, match=r"No Tavus API key: set TAVUS_API_KEY \(or pass --api-key\)"
    ):
        call(emulator, lambda c: c.get_persona("p1"), key=" ")
    assert emulator.requests() == []


def test_a_rejected_key_is_reported_without_the_key() -> None:
    async def go() -> None:
        async with InProcess(api_keys=("the-right-key",)).client() as client:
            await client.get_persona("p1")

    with pytest.raises(AuthError, match="rejected the API key") as caught:
        asyncio.run(go())
    assert API_KEY not in caught.value.message


def fetch(emulator: Emulator, wanted: tuple[str, ...] = ()) -> LiveState:
    return call(emulator, lambda c: fetch_live(c, wanted))


@pytest.mark.parametrize("count", [0, 1, 100, 101, 250])
def test_fetch_lists_every_persona_in_ceil_n_over_100_requests(
    emulator: Emulator, count: int
) -> None:
    ids = seed(emulator, count)
    live = fetch(emulator, tuple(ids))
    assert sorted(live.personas) == sorted(ids)
    assert live.requests == max(1, math.ceil(count / 100))
    assert len(list_requests(emulator)) == live.requests
    assert all(r["query"]["limit"] == "100" for r in list_requests(emulator))


def test_fetch_copes_with_a_smaller_maximum_page_size(emulator: Emulator) -> None:
    ids = seed(emulator, 95)
    emulator.configure(max_page_size=30)
    live = fetch(emulator, tuple(ids))
    assert sorted(live.personas) == sorted(ids)
    assert live.requests == 4


def test_fetch_reads_a_wanted_persona_the_list_does_not_show_and_skips_gone_ones(
    emulator: Emulator,
) -> None:
    [pid] = seed(emulator, 1)
    live = fetch(emulator, (pid, "p00000000000", "p9a95912"))
    assert sorted(live.personas) == sorted([pid, "p9a95912"])  # system personas read by id
    assert live.requests == 3


def test_fetch_never_includes_system_personas_in_the_list(emulator: Emulator) -> None:
    emulator.configure(list_system_personas=True)
    ids = seed(emulator, 3)
    assert sorted(fetch(emulator).personas) == sorted(ids)
