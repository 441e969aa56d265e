"""Secrets the hostile review found printed or stored: inside lists, in read-back warnings, in
API errors that echo the request (cut, JSON-escaped, short), credential-shaped fields, and the
emulator's request log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tavusctl.core import secrets
from tavusctl.core.secrets import SENSITIVE, scrub_values
from tavusctl.kinds import PERSONA
from tavusctl.manifest import from_live
from tests.support.cli import run_cli
from tests.support.hostile import HostileServer, Reply, Request
from tests.support.inproc import InProcess
from tests.test_apply import apply, sync
from tests.test_apply_adoption_holes import create as create_hashed
from tests.test_manifest import lines, persona, write

LIST_SECRET = "sk-LIST-SECRET-abcdef0123456789"
LIVE: dict[str, Any] = {
    "persona_id": "p1",
    "persona_name": "Ann",
    "system_prompt": "Hi",
    "layers": {
        "llm": {"model": "m", "extra_body": {"fallbacks": [{"model": "b", "api_key": LIST_SECRET}]}}
    },
}


def test_the_secret_rule_sees_through_lists() -> None:
    assert list(PERSONA.secrets.paths(LIVE)) == ["/layers/llm/extra_body/fallbacks/0/api_key"]


def test_export_writes_a_secret_in_a_list_as_an_env_reference_and_hashes_it() -> None:
    text, notes = from_live.to_manifest("ann", LIVE)
    applied, masked = from_live.applied_from_live(from_live.spec_of(LIVE), "salt")
    assert LIST_SECRET not in text and LIST_SECRET not in json.dumps(applied)
    assert "${env:ANN_LLM_EXTRA_BODY_FALLBACKS_0_API_KEY}" in text
    assert masked == [] and len(notes) == 1


def test_a_masked_secret_in_a_list_is_left_out_without_shifting_the_list() -> None:
    live = json.loads(json.dumps(LIVE).replace(LIST_SECRET, "****6789"))
    applied, masked = from_live.applied_from_live(from_live.spec_of(live), "salt")
    assert masked == ["/layers/llm/extra_body/fallbacks/0/api_key"]
    assert applied["layers"]["llm"]["extra_body"]["fallbacks"] == [{"model": "b"}]


@pytest.mark.parametrize(
    ("value", "text", "shown"),
    [
        ("e", "every e here", f"every {SENSITIVE} here"),
        ("abc", "key=abc; abcd", f"key={SENSITIVE}; abcd"),
        (
            'sk-"quoted\\slash-123',
            '{"api_key":"sk-\\"quoted\\\\slash-123"}',
            f'{{"api_key":"{SENSITIVE}"}}',
        ),
        ("sk-é-unicode-12345", '"sk-\\u00e9-unicode-12345"', f'"{SENSITIVE}"'),
        ("sk/plus+key=1234", "?key=sk%2Fplus%2Bkey%3D1234", f"?key={SENSITIVE}"),
    ],
    ids=["one-letter", "short", "json-escaped", "json-ascii", "url-encoded"],
)
def test_scrubbing_hides_each_written_form_and_short_values_only_as_whole_tokens(
    value: str, text: str, shown: str
) -> None:
    assert scrub_values(text, [value]) == shown


def _echo_server(server: HostileServer, style: str) -> None:
    def answer(request: Request) -> Reply:
        if request.method == "GET":
            return Reply.json({"data": [], "total_count": 0})
        body = request.json()
        if style == "fastapi":
            detail = [{"loc": ["body", "layers"], "msg": "bad", "input": body["layers"]}]
            return Reply.json({"detail": detail}, 422)
        if style == "escaped-in-message":
            return Reply.json({"error": "invalid body: " + json.dumps(body)}, 400)
        text = "x" * 150 + json.dumps(body)  # the secret straddles the 200-character cut
        return Reply(400, text.encode())

    server.handler = answer


SECRETS = {
    "LLM_KEY": 'sk-LLMSECRET-"quo\\ted"-abcdef',
    "HDR": "Bearer hdr-secret-0001",
    "SHORT": "abc",
}
MANIFEST = """apiVersion: tavusctl/v1
kind: Persona
metadata: {name: ann}
spec:
  persona_name: Ann
  system_prompt: Hi
  layers:
    llm:
      model: m
      api_key: ${env:LLM_KEY}
      headers: {Authorization: "${env:HDR}"}
      default_query: {api-key: "${env:SHORT}"}
      extra_body:
        fallbacks: [{model: b, api_key: "${env:LLM_KEY}"}]
"""


@pytest.mark.parametrize("style", ["fastapi", "escaped-in-message", "text-cut"])
def test_an_api_error_echoing_the_request_shows_no_secret(tmp_path: Path, hostile, style) -> None:
    _echo_server(hostile, style)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ann.yaml").write_text(MANIFEST)
    for verbosity in ([], ["-v"], ["-vv"]):
        result = run_cli(*verbosity, "apply", "m", "--auto-approve", cwd=tmp_path, env={**hostile.env(), **SECRETS})  # fmt: skip
        assert result.code == 1 and "Traceback" not in result.stderr, result.output
        assert "HTTP 4" in result.output, result.output
        for value in SECRETS.values():
            for form in {value, json.dumps(value)[1:-1], value[:20], value[-12:]}:
                if len(form) > 3 or form == "abc":
                    assert form not in result.output.replace("abcdef", ""), (form, result.output)


def test_a_credential_in_default_query_is_a_secret_field(tmp_path: Path) -> None:
    spec = "  system_prompt: Hi\n  layers:\n    llm:\n      model: m\n      default_query: {api-key: abc123}\n"  # fmt: skip
    write(tmp_path, {"a.yaml": persona(spec)})
    [line] = lines(tmp_path)
    assert "spec.layers.llm.default_query.api-key is a secret written in the manifest" in line


def test_a_password_in_base_url_is_an_error(tmp_path: Path) -> None:
    spec = "  system_prompt: Hi\n  layers:\n    llm:\n      model: m\n      base_url: https://u:pw-123@llm.example.com/v1\n"  # fmt: skip
    write(tmp_path, {"a.yaml": persona(spec)})
    [line] = lines(tmp_path)
    assert "holds a URL with a password in it" in line and "pw-123" not in line


def test_the_env_message_for_a_non_secret_field_steers_to_a_secret_field(tmp_path: Path) -> None:
    spec = (
        "  system_prompt: Hi\n  layers:\n    llm:\n      model: m\n      base_url: ${env:LLM_URL}\n"
    )
    write(tmp_path, {"a.yaml": persona(spec)})
    [line] = lines(tmp_path, {"LLM_URL": "https://x"})
    assert "If LLM_URL holds a credential, move it to a secret field" in line


def test_the_emulator_request_log_masks_secrets_in_bodies_and_patches(emulator) -> None:
    body = json.loads(json.dumps(LIVE))
    del body["persona_id"]
    body["layers"]["llm"]["api_key"] = "sk-TOP-SECRET-0001"
    body["layers"]["llm"]["headers"] = {"Authorization": "Bearer HDR-SECRET-0001"}
    import httpx

    headers = {"x-api-key": emulator.api_key}
    with httpx.Client(base_url=emulator.url, headers=headers) as client:
        pid = client.post("/v2/personas", json=body).json()["persona_id"]
        ops = [{"op": "replace", "path": "/layers/llm/api_key", "value": "sk-NEW-SECRET-0002"},
               {"op": "replace", "path": "/layers/llm/extra_body", "value": body["layers"]["llm"]["extra_body"]}]  # fmt: skip
        client.patch(f"/v2/personas/{pid}", json=ops)
        log = client.get("/_emulator/requests").text
    for secret in ("sk-TOP-SECRET-0001", "HDR-SECRET", "sk-NEW-SECRET-0002", LIST_SECRET):
        assert secret not in log


def test_the_scrubber_keeps_short_values_too() -> None:
    read = secrets.Scrubber()
    read.add("xyz")
    assert read.scrub("a xyz b") == f"a {SENSITIVE} b"


@sync
async def test_read_back_of_a_secret_in_a_list_warns_of_nothing_and_shows_nothing(
    tmp_path: Path,
) -> None:
    spec = {k: v for k, v in LIVE.items() if k != "persona_id"}
    events: list[str] = []
    result = await apply(
        InProcess(),
        tmp_path / "tavus.lock",
        create_hashed("ann", spec),
        on_event=lambda e: events.append(str(e)),
    )
    assert result.ok and result.warnings == ()
    assert not any(LIST_SECRET[:10] in e for e in events)


def test_a_remembered_value_that_is_not_utf8_text_does_not_break_scrubbing() -> None:
    assert scrub_values("a b", ["ab\udcffcd"]) == "a b"
