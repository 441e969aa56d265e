"""Personas over real HTTP: create, read, list, delete, validation and auth (tavus-api.md §3, §11)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.emulator import without_nulls

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BODY = {
    "persona_name": "Coach",
    "system_prompt": "You coach.",
    "layers": {"llm": {"model": "tavus-gpt-oss"}},
}


def create(api: httpx.Client, body: dict[str, Any] | None = None) -> str:
    response = api.post("/v2/personas", json=body or BODY)
    assert response.status_code == 200, response.text
    return str(response.json()["persona_id"])


def test_create_answers_200_with_id_name_and_created_at_only(api):
    response = api.post("/v2/personas", json=BODY)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"persona_id", "persona_name", "created_at"}
    assert re.fullmatch(r"p[0-9a-f]{11}", body["persona_id"])
    assert body["persona_name"] == "Coach"
    assert ISO_MS.match(body["created_at"])


def test_get_returns_the_body_as_sent_plus_server_fields(api):
    pid = create(api)
    persona = without_nulls(api.get(f"/v2/personas/{pid}").json())
    assert {k: persona[k] for k in BODY} == BODY
    assert persona["persona_id"] == pid
    assert persona["persona_type"] == "user"
    assert persona["updated_at"] == persona["created_at"]
    assert ISO_MS.match(persona["updated_at"])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"persona_name": "x"}, "system_prompt is required"),
        ({"system_prompt": ""}, "system_prompt is required"),
        ({"system_prompt": "x", "pipeline_mode": "custom"}, "Invalid value at /pipeline_mode: must be one of full, echo, speech-to-speech"),
        ({"system_prompt": "x", "default_replica_id": "rnot-a-replica"}, "Invalid replica_uuid"),
        ({"system_prompt": "x", "guardrail_ids": [f"g{i}" for i in range(51)]}, "guardrail_ids cannot exceed 50"),
        ({"system_prompt": "x", "layers": {"tts": {"tts_engine": "polly"}}},
         "Invalid value at /layers/tts/tts_engine: must be one of cartesia, elevenlabs, playht, azure"),
        ({"system_prompt": "x", "layers": {"perception": {"perception_model": "raven-2"}}},
         "Invalid value at /layers/perception/perception_model: must be one of raven-0, raven-1, basic, off"),
        ({"system_prompt": "x", "layers": {"conversational_flow": {"turn_taking_patience": "extreme"}}},
         "Invalid value at /layers/conversational_flow/turn_taking_patience: must be one of low, medium, high"),
        ({"system_prompt": "x", "layers": "none"}, "Invalid value at /layers: must be an object"),
        ({"system_prompt": "x", "document_ids": "d1"}, "Invalid value at /document_ids: must be a list of strings"),
        ({"system_prompt": 7}, "Invalid value at /system_prompt: must be a string"),
    ],
)  # fmt: skip
def test_create_rejects_invalid_bodies_with_400(api, emulator, body, error):
    response = api.post("/v2/personas", json=body)
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert emulator.list_personas() == []


@pytest.mark.parametrize(
    "body",
    [
        {"pipeline_mode": "echo", "persona_name": "Echo Assistant"},
        {"pipeline_mode": "full", "system_prompt": "x"},
        {"system_prompt": "x", "default_replica_id": "r90bbd427f71"},
        {"system_prompt": "x", "default_replica_id": "ra54d1d861"},
        {
            "system_prompt": "x",
            "layers": {"conversational_flow": {"turn_detection_model": "timebased"}},
        },
        {"system_prompt": "x", "layers": {"tts": {"tts_emotion_control": "false"}}},
    ],
)
def test_create_accepts_documented_bodies(api, body):
    assert api.post("/v2/personas", json=body).status_code == 200


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_create_with_a_body_that_is_not_a_json_object_is_400(api, raw):
    response = api.post("/v2/personas", content=raw, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (400, {"error": "Invalid request body"})


def test_create_ignores_server_owned_fields_in_the_body(api):
    pid = create(
        api, {**BODY, "persona_id": "pmine", "created_at": "1999", "persona_type": "system"}
    )
    persona = api.get(f"/v2/personas/{pid}").json()
    assert pid != "pmine"
    assert persona["persona_type"] == "user"
    assert persona["created_at"] != "1999"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_an_unknown_persona_is_400_invalid_persona_id(api, method):
    response = api.request(method, "/v2/personas/p00000000000")
    assert (response.status_code, response.json()) == (400, {"error": "Invalid persona_id"})


def test_delete_answers_204_empty_and_the_persona_is_gone(api, emulator):
    pid = create(api)
    response = api.delete(f"/v2/personas/{pid}")
    assert (response.status_code, response.content) == (204, b"")
    assert api.get(f"/v2/personas/{pid}").status_code == 400
    assert api.delete(f"/v2/personas/{pid}").json() == {"error": "Invalid persona_id"}
    assert emulator.list_personas() == []


def test_system_personas_can_be_read_but_not_changed(api):
    assert api.get("/v2/personas/p9a95912").json()["persona_type"] == "system"
    assert api.delete("/v2/personas/p9a95912").status_code == 400
    patched = api.patch(
        "/v2/personas/p9a95912", json=[{"op": "replace", "path": "/context", "value": "x"}]
    )
    assert patched.status_code == 400


@pytest.mark.parametrize("path", ["/v2/personas/", "/v2/personas"])
def test_trailing_slashes_are_accepted(api, path):
    assert api.post(path, json=BODY).status_code == 200
    assert api.get(path).status_code == 200


def test_a_trailing_slash_on_one_persona_is_accepted(api):
    pid = create(api)
    assert api.get(f"/v2/personas/{pid}/").json()["persona_id"] == pid


@pytest.mark.parametrize("headers", [{}, {"x-api-key": ""}])
def test_a_missing_or_empty_key_is_401_invalid_access_token(emulator, anonymous, headers):
    routes = [("GET", "/v2/personas"), ("POST", "/v2/personas"), ("GET", "/v2/personas/p9a95912"),
              ("PATCH", "/v2/personas/p1"), ("DELETE", "/v2/personas/p1"), ("GET", "/v2/replicas"),
              ("GET", "/v2/replicas/r90bbd427f71"), ("POST", "/v2/conversations"),
              ("GET", "/v2/conversations")]  # fmt: skip
    for method, path in routes:
        response = anonymous.request(method, path, headers=headers, json={})
        assert (response.status_code, response.json()) == (401, {"message": "Invalid access token"})


def test_each_key_is_its_own_account(api, anonymous):
    pid = create(api)
    other = {"x-api-key": "someone-else"}
    assert anonymous.get(f"/v2/personas/{pid}", headers=other).status_code == 400
    listed = anonymous.get("/v2/personas?persona_type=user", headers=other).json()
    assert listed == {"data": [], "total_count": 0}


def test_unknown_routes_are_404_and_wrong_methods_405(api):
    assert api.get("/v2/nothing").status_code == 404
    assert api.get("/v2/personas/p1/extra").status_code == 404
    assert api.put("/v2/personas/p1", json={}).status_code == 405
