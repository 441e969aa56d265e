"""Tools and pronunciation dictionaries as the emulator serves them (tavus-api-2026.md "Tools
registry", "Pronunciation dictionaries"): tool ids ``t`` + 12 hex, credentials shown as exactly
``********`` on every read (and stored as sent: sending the placeholder overwrites the secret),
plain-JSON PATCH; dictionaries by ``uuid`` with unique rule texts."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.support.emulator import Emulator

STARS = "********"


def tool(**more: Any) -> dict[str, Any]:
    return {
        "name": "lookup",
        "description": "Look a patient up.",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        "delivery": {
            "api": {
                "url": "https://x.example/{q}",
                "headers": {"X-Key": "header-secret"},
                "auth": {"type": "basic", "username": "u", "password": "pw-secret"},
            }
        },
        **more,
    }


def test_a_tool_reads_back_its_secrets_as_stars_on_every_read(
    api: httpx.Client, emulator: Emulator
) -> None:
    created = api.post("/v2/tools/", json=tool())
    assert created.status_code == 200, created.text
    tid = created.json()["tool_id"]
    assert re.fullmatch(r"t[0-9a-f]{12}", tid)
    listed = api.get("/v2/tools").json()["data"][0]
    for shown in (created.json(), api.get(f"/v2/tools/{tid}").json(), listed):
        assert shown["delivery"]["api"]["auth"] == {
            "type": "basic", "username": "u", "password": STARS
        }  # fmt: skip
        assert shown["delivery"]["api"]["headers"] == {"X-Key": STARS}
    (stored,) = emulator.stored("tools")
    assert stored["delivery"]["api"]["auth"]["password"] == "pw-secret"
    log = str(emulator.requests())
    assert "pw-secret" not in log and "header-secret" not in log


def test_a_plain_json_patch_replaces_given_fields_and_stores_the_placeholder_as_sent(
    api: httpx.Client, emulator: Emulator
) -> None:
    tid = api.post("/v2/tools", json=tool()).json()["tool_id"]
    assert api.patch(f"/v2/tools/{tid}", json={"tags": ["a"]}).status_code == 200
    assert api.patch(f"/v2/tools/{tid}", json={"tags": ["a"]}).status_code == 304
    assert api.patch(f"/v2/tools/{tid}", json=[{"op": "add"}]).status_code == 400
    shown = api.get(f"/v2/tools/{tid}").json()
    assert api.patch(f"/v2/tools/{tid}", json={"delivery": shown["delivery"]}).status_code == 200
    (stored,) = emulator.stored("tools")
    assert stored["delivery"]["api"]["auth"]["password"] == STARS  # the secret is lost
    assert STARS in str(emulator.requests())  # and the log shows what was sent
    assert api.patch(f"/v2/tools/{tid}", json={"tags": None}).status_code == 200
    assert "tags" not in api.get(f"/v2/tools/{tid}").json()


def test_an_invalid_tool_is_400(api: httpx.Client) -> None:
    both = tool(delivery={"app_message": True, "api": {"url": "https://x.example"}})
    undeclared = tool()
    undeclared["delivery"]["api"]["url"] = "https://x.example/{nope}"
    plain_http = tool()
    plain_http["delivery"]["api"]["url"] = "http://x.example/{q}"
    reserved = tool(parameters={"type": "object", "properties": {"tavus_q": {}}})
    for body in (both, undeclared, plain_http, reserved, tool(name="9x"), tool(origin="smell")):
        assert api.post("/v2/tools", json=body).status_code == 400, body
    assert api.post("/v2/tools", json=tool(delivery={"app_message": True})).status_code == 200
    assert api.get("/v2/tools/t000000000000").status_code == 400


def test_dictionaries_have_a_uuid_plain_patch_and_unique_rule_texts(api: httpx.Client) -> None:
    rules = [{"text": "Tavus", "pronunciation": "TAH-vus"}]
    created = api.post("/v2/pronunciation-dictionaries/", json={"name": "Brands", "rules": rules})
    assert created.status_code == 200, created.text
    did = created.json()["uuid"]
    assert uuid.UUID(did)
    patched = api.patch(f"/v2/pronunciation-dictionaries/{did}", json={"name": "Brand names"})
    assert patched.status_code == 200 and patched.json()["rules"] == rules
    twice = {"name": "x", "rules": rules * 2}
    assert api.post("/v2/pronunciation-dictionaries", json=twice).status_code == 400
    assert api.delete(f"/v2/pronunciation-dictionaries/{did}").status_code == 204
