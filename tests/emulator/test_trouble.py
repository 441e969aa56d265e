"""Trouble over real HTTP: injected responses, dropped connections, faults after a write, rate limit."""

from __future__ import annotations

import re

import httpx
import pytest


def test_an_injected_response_answers_the_next_requests_then_stops(api, emulator):
    emulator.inject(
        "GET",
        "/v2/personas",
        status=503,
        count=2,
        body={"error": "busy"},
        headers={"Retry-After": "7"},
    )
    first, second, third = (api.get("/v2/personas") for _ in range(3))
    assert (first.status_code, first.json(), first.headers["retry-after"]) == (
        503,
        {"error": "busy"},
        "7",
    )
    assert second.status_code == 503
    assert third.status_code == 200


def test_an_injection_matches_only_its_method_and_exact_path(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    emulator.inject("DELETE", f"/v2/personas/{pid}", status=500)
    assert api.get(f"/v2/personas/{pid}").status_code == 200
    assert api.get("/v2/personas").status_code == 200
    response = api.delete(f"/v2/personas/{pid}/")
    assert (response.status_code, response.json()) == (500, {"error": "Internal server error"})
    assert len(emulator.list_personas()) == 1  # struck before the write


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_injected_statuses_default_to_tavus_style_error_bodies(api, emulator, status):
    emulator.inject("GET", "/v2/replicas", status=status)
    response = api.get("/v2/replicas")
    assert response.status_code == status
    assert isinstance(response.json()["error"], str)


def test_a_dropped_connection_is_a_connection_error_not_a_500(api, emulator):
    emulator.inject("POST", "/v2/personas", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/v2/personas", json={"system_prompt": "x"})
    assert emulator.list_personas() == []
    assert (
        api.post("/v2/personas", json={"system_prompt": "x"}).status_code == 200
    )  # the server lives on


def test_a_fault_after_the_write_keeps_the_change_and_loses_the_answer(api, emulator):
    emulator.inject("POST", "/v2/personas", status=502, after_write=True)
    response = api.post("/v2/personas", json={"persona_name": "ghost", "system_prompt": "x"})
    assert response.status_code == 502
    assert [p["persona_name"] for p in emulator.list_personas()] == ["ghost"]


def test_a_dropped_connection_after_a_patch_keeps_the_change(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    emulator.inject("PATCH", f"/v2/personas/{pid}", drop=True, after_write=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.patch(f"/v2/personas/{pid}", json=[{"op": "add", "path": "/context", "value": "c"}])
    assert emulator.list_personas()[0]["context"] == "c"


def test_beyond_the_rate_limit_requests_get_429_with_retry_after(api, emulator):
    emulator.configure(rate_limit=0.5)  # a bucket of one token, refilled every 2 seconds
    statuses = [api.get("/v2/replicas").status_code for _ in range(3)]
    assert statuses == [200, 429, 429]
    limited = api.get("/v2/replicas")
    assert limited.json() == {"error": "Too many requests"}
    assert int(limited.headers["retry-after"]) >= 1


def test_fault_rate_1_faults_every_request_and_0_none(api, emulator):
    emulator.configure(fault_rate=1.0, seed=3)
    outcomes = set()
    for _ in range(30):
        try:
            outcomes.add(api.get("/v2/replicas").status_code)
        except httpx.TransportError:
            outcomes.add("dropped")
    assert outcomes <= {500, 502, 503, 429, "dropped"}
    assert len(outcomes) >= 3
    emulator.configure(fault_rate=0.0)
    assert {api.get("/v2/replicas").status_code for _ in range(10)} == {200}


def test_the_request_log_records_method_path_query_status_and_body(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    ops = [{"op": "add", "path": "/context", "value": "c"}]
    api.patch(f"/v2/personas/{pid}/", json=ops)
    api.get("/v2/personas", params={"limit": 5, "persona_type": "user"})
    emulator.admin.get(f"{emulator.url}/_emulator/config")  # hooks are not logged
    logged = emulator.requests()
    clients = {entry.pop("client") for entry in logged}
    assert logged == [
        {"method": "PATCH", "path": f"/v2/personas/{pid}", "query": {}, "status": 200, "body": ops},
        {"method": "GET", "path": "/v2/personas", "query": {"limit": "5", "persona_type": "user"},
         "status": 200, "body": None},
    ]  # fmt: skip
    assert len(clients) == 1 and re.fullmatch(r"127\.0\.0\.1:\d+", clients.pop() or "")
    emulator.clear_requests()
    assert emulator.requests() == []


def test_the_request_log_shows_dropped_requests_without_a_status(api, emulator):
    emulator.inject("GET", "/v2/replicas", drop=True)
    with pytest.raises(httpx.TransportError):
        api.get("/v2/replicas")
    assert [(r["path"], r["status"]) for r in emulator.requests()] == [("/v2/replicas", None)]


def test_editing_a_persona_behind_the_clients_back_is_not_logged(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    before = api.get(f"/v2/personas/{pid}").json()
    emulator.clear_requests()
    edited = emulator.edit_persona(
        pid, [{"op": "replace", "path": "/system_prompt", "value": "changed"}]
    )
    assert edited is not None and edited["system_prompt"] == "changed"
    assert edited["updated_at"] >= before["updated_at"]
    assert (
        emulator.edit_persona(
            pid, [{"op": "replace", "path": "/system_prompt", "value": "changed"}]
        )
        is None
    )
    assert emulator.requests() == []
    assert api.get(f"/v2/personas/{pid}").json()["system_prompt"] == "changed"


def test_seeding_creates_many_personas_in_order(api, emulator):
    bodies = [{"persona_name": f"n{i}", "system_prompt": "x"} for i in range(50)]
    ids = emulator.admin.post(
        f"{emulator.url}/_emulator/seed", json={"api_key": emulator.api_key, "personas": bodies}
    ).json()["persona_ids"]
    assert len(set(ids)) == 50
    assert [p["persona_id"] for p in emulator.list_personas()] == ids
    bad = emulator.admin.post(
        f"{emulator.url}/_emulator/seed", json={"api_key": "k", "personas": [{}]}
    )
    assert (bad.status_code, bad.json()) == (400, {"error": "system_prompt is required"})


def test_a_rate_limited_request_leaves_the_injection_for_the_next_one(api, emulator):
    emulator.configure(rate_limit=0.5)
    assert api.get("/v2/personas").status_code == 200  # takes the only token
    emulator.inject("GET", "/v2/replicas", status=503)
    assert api.get("/v2/replicas").status_code == 429
    emulator.configure(rate_limit=None)
    assert api.get("/v2/replicas").status_code == 503
