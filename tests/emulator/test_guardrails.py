"""Guardrails as the emulator serves them (tavus-api-2026.md "Guardrails"): id ``uuid``, 1-based
pages, strict RFC 6902 PATCH (a ``replace`` of a missing field fails), empty fields omitted."""

from __future__ import annotations

import json
import uuid

import httpx

from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.state_file import restore, snapshot
from tavusctl.emulator.store import Store


def create(api: httpx.Client, **body: object) -> dict[str, object]:
    response = api.post("/v2/guardrails/", json={"guardrail_prompt": "Be kind.", **body})
    assert response.status_code == 200, response.text
    doc: dict[str, object] = response.json()
    return doc


def test_a_created_guardrail_has_a_uuid_defaults_and_no_empty_fields(api):
    doc = create(api, guardrail_name="no_pii", callback_url="", tool_call=None, tags=[])
    assert uuid.UUID(str(doc["uuid"]))
    shown = api.get(f"/v2/guardrails/{doc['uuid']}").json()
    assert shown["modality"] == "verbal" and shown["app_message"] is True
    assert {"callback_url", "tool_call", "tags"}.isdisjoint(shown)
    assert shown == doc


def test_an_invalid_guardrail_is_400(api):
    assert api.post("/v2/guardrails", json={"guardrail_name": "no pii!"}).status_code == 400
    bad = {"guardrail_name": "a", "guardrail_prompt": "p", "modality": "smell"}
    assert api.post("/v2/guardrails", json=bad).status_code == 400
    many = {"guardrail_name": "a", "guardrail_prompt": "p", "tags": [str(i) for i in range(33)]}
    assert api.post("/v2/guardrails", json=many).status_code == 400


def test_pages_are_1_based_oldest_first_with_total_count(api):
    ids = [create(api, guardrail_name=f"g{i}")["uuid"] for i in range(5)]
    first = api.get("/v2/guardrails", params={"page": 1, "limit": 2}).json()
    third = api.get("/v2/guardrails", params={"page": 3, "limit": 2}).json()
    assert [g["uuid"] for g in first["data"]] == ids[:2] and first["total_count"] == 5
    assert [g["uuid"] for g in third["data"]] == ids[4:]
    assert api.get("/v2/guardrails", params={"page": 0}).status_code == 400


def test_replace_of_a_missing_field_fails_and_add_works(api):
    gid = create(api, guardrail_name="g")["uuid"]
    replace = [{"op": "replace", "path": "/callback_url", "value": "https://x.example"}]
    assert api.patch(f"/v2/guardrails/{gid}", json=replace).status_code == 422
    add = [{"op": "add", "path": "/callback_url", "value": "https://x.example"}]
    response = api.patch(f"/v2/guardrails/{gid}", json=add)
    assert response.status_code == 200 and response.json()["callback_url"] == "https://x.example"


def test_server_fields_sent_back_are_no_ops_and_an_unchanged_patch_is_304(api):
    doc = create(api, guardrail_name="g")
    same = [{"op": "replace", "path": "/uuid", "value": "other"},
            {"op": "test", "path": "/guardrail_name", "value": "g"}]  # fmt: skip
    assert api.patch(f"/v2/guardrails/{doc['uuid']}", json=same).status_code == 304
    stale = [{"op": "test", "path": "/guardrail_prompt", "value": "old"},
             {"op": "replace", "path": "/guardrail_prompt", "value": "new"}]  # fmt: skip
    assert api.patch(f"/v2/guardrails/{doc['uuid']}", json=stale).status_code == 422


def test_unknown_ids_and_delete(api, emulator):
    gid = create(api, guardrail_name="g")["uuid"]
    assert api.delete(f"/v2/guardrails/{gid}").status_code == 204
    gone = api.get(f"/v2/guardrails/{gid}")
    assert gone.status_code == 400 and "uuid" in gone.text
    emulator.configure(missing_status=404)
    assert api.delete(f"/v2/guardrails/{gid}").status_code == 404


def test_guardrails_survive_a_state_file_round_trip():
    store = Store(EmulatorConfig())
    acct = store.account("k")
    acct.objects["guardrails"] = {"u1": {"uuid": "u1", "guardrail_name": "g"}}
    again = Store(EmulatorConfig())
    restore(again, json.loads(snapshot(store)))
    assert again.account("k").objects == acct.objects
