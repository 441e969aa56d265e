"""Replicas (§7, read-only, stock + --replica) and conversations (§8)."""

from __future__ import annotations

import re

import pytest

from tavusctl.emulator.seeds import STOCK_REPLICAS

GENERIC = {
    "error": "There was an error creating the conversation, please reach out to support at support@tavus.io!"
}


def test_replicas_list_the_stock_replicas_without_replica_type_unless_verbose(api):
    body = api.get("/v2/replicas", params={"limit": 100}).json()
    assert body["total_count"] == len(STOCK_REPLICAS)
    assert {r["replica_id"] for r in body["data"]} == set(STOCK_REPLICAS)
    assert all("replica_type" not in r and r["status"] == "completed" for r in body["data"])
    verbose = api.get("/v2/replicas", params={"limit": 100, "verbose": "true"}).json()["data"]
    assert {r["replica_type"] for r in verbose} == {"system"}


def test_replicas_filter_by_ids_and_type(api):
    body = api.get("/v2/replicas", params={"replica_ids": "r90bbd427f71,ra54d1d861,rnope"}).json()
    assert sorted(r["replica_id"] for r in body["data"]) == ["r90bbd427f71", "ra54d1d861"]
    assert api.get("/v2/replicas", params={"replica_type": "user"}).json() == {
        "data": [],
        "total_count": 0,
    }


def test_a_replica_is_read_by_id_and_an_unknown_one_is_404(api):
    replica = api.get("/v2/replicas/r90bbd427f71", params={"verbose": "true"}).json()
    assert (replica["replica_id"], replica["replica_type"], replica["training_progress"]) == (
        "r90bbd427f71", "system", "100/100"
    )  # fmt: skip
    response = api.get("/v2/replicas/rnope")
    assert (response.status_code, response.json()) == (404, {"error": "Replica not found"})


def test_replicas_are_read_only(api):
    assert api.post("/v2/replicas", json={}).status_code == 405
    assert api.delete("/v2/replicas/r90bbd427f71").status_code == 405


def test_a_conversation_takes_the_persona_default_replica(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x", "default_replica_id": "r90bbd427f71"})
    response = api.post("/v2/conversations", json={"persona_id": pid, "conversation_name": "Smoke"})
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"c[0-9a-f]{11}", body["conversation_id"])
    assert body["conversation_url"] == f"https://tavus.daily.co/{body['conversation_id']}"
    assert (body["status"], body["replica_id"], body["conversation_name"]) == (
        "active",
        "r90bbd427f71",
        "Smoke",
    )
    assert "meeting_token" not in body


def test_a_replica_in_the_request_overrides_the_persona_default(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x", "default_replica_id": "r90bbd427f71"})
    body = api.post(
        "/v2/conversations", json={"persona_id": pid, "replica_id": "ra54d1d861"}
    ).json()
    assert body["replica_id"] == "ra54d1d861"


def test_test_mode_conversations_start_ended_and_require_auth_adds_a_token(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    body = {
        "persona_id": pid,
        "replica_id": "r90bbd427f71",
        "test_mode": True,
        "require_auth": True,
    }
    created = api.post("/v2/conversations", json=body).json()
    assert created["status"] == "ended"
    assert created["meeting_token"]


@pytest.mark.parametrize(
    "body",
    [
        {"persona_id": "PERSONA"},  # no replica anywhere
        {"persona_id": "p00000000000", "replica_id": "r90bbd427f71"},  # unknown persona
        {"persona_id": "PERSONA", "replica_id": "rnope"},  # unknown replica
        "not an object",
    ],
)
def test_conversations_that_cannot_start_get_the_generic_400(api, emulator, body):
    pid = emulator.create_persona({"system_prompt": "x"})
    if isinstance(body, dict) and body.get("persona_id") == "PERSONA":
        body = {**body, "persona_id": pid}
    response = api.post("/v2/conversations", json=body)
    assert (response.status_code, response.json()) == (400, GENERIC)


def test_a_conversation_can_be_read_listed_ended_and_deleted(api, emulator):
    cid = api.post("/v2/conversations", json={"persona_id": "p9a95912"}).json()["conversation_id"]
    assert api.get(f"/v2/conversations/{cid}").json()["status"] == "active"
    assert api.get("/v2/conversations").json()["total_count"] == 1
    assert api.post(f"/v2/conversations/{cid}/end").status_code == 200
    assert api.get(f"/v2/conversations/{cid}").json()["status"] == "ended"
    assert (api.delete(f"/v2/conversations/{cid}").status_code, api.get(f"/v2/conversations/{cid}").status_code) == (
        204, 404
    )  # fmt: skip


def test_deleting_a_persona_leaves_its_conversations(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x", "default_replica_id": "r90bbd427f71"})
    cid = api.post("/v2/conversations", json={"persona_id": pid}).json()["conversation_id"]
    api.delete(f"/v2/personas/{pid}")
    assert api.get(f"/v2/conversations/{cid}").json()["persona_id"] == pid
