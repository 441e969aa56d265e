"""The 2026 API as the emulator serves it (tavus-api-2026.md): null-valued reads, the /v2/pals
and /v2/faces aliases, 2026 fields and looser enums, masked-stars secrets, three timestamp forms,
conversations by pal_id/face_id, the concurrency cap and the out-of-credits answer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from tavusctl.emulator.seeds import STOCK_REPLICAS, SYSTEM_PERSONAS

BODY_2026: dict[str, Any] = {
    "persona_name": "Everything",
    "system_prompt": "You help.",
    "greeting": "Hello!",
    "memories": ["likes tea"],
    "tool_ids": ["t0123456789ab"],
    "is_template": False,
    "layers": {
        "llm": {"model": "tavus-gemma-4", "disable_vision": True, "enable_llm_proxy": False,
                "model_name": "x", "is_custom": False, "endpoint": "https://llm.example"},
        "tts": {"pronunciation_dictionary_id": "dict-1", "tts_emotion_control": True},
        "stt": {"smart_turn_detection": True},
        "sts": {"anything": 1},
        "perception": {"tool_prompt": "look"},
        "conversational_flow": {"replica_interruptibility": "verylow", "wake_phrase": "hey",
                                "sleep_phrase": "bye", "idle_engagement": "low",
                                "noise_cancellation": "on", "voice_isolation": "high"},
        "conferencing": {"username": "bot", "allowlist": ["a@b.c"], "whitelabel": True},
        "capabilities": {"mcp_enabled": True, "search_enabled": False},
        "knowledge_base": {"rag_score_threshold": 0.4, "rag_n_chunks": 5},
    },
}  # fmt: skip


def test_2026_fields_and_loose_enums_are_known_under_unknown_fields_reject(api, emulator):
    emulator.configure(unknown_fields="reject")
    response = api.post("/v2/personas", json=BODY_2026)
    assert response.status_code == 200, response.text
    assert emulator.list_personas()[0]["layers"] == BODY_2026["layers"]


def test_speech_to_speech_needs_no_system_prompt(api):
    body = {"pipeline_mode": "speech-to-speech", "persona_name": "s2s"}
    assert api.post("/v2/personas", json=body).status_code == 200


@pytest.mark.parametrize("field", ["tool_ids", "guardrail_ids"])
def test_more_than_50_ids_is_400(api, field):
    body = {"system_prompt": "x", field: [f"t{i:012x}" for i in range(51)]}
    response = api.post("/v2/personas", json=body)
    assert (response.status_code, response.json()) == (400, {"error": f"{field} cannot exceed 50"})


def test_unset_fields_read_as_null_by_default_top_level_and_in_present_layers(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x", "layers": {"llm": {"model": "m"}}})
    shown = api.get(f"/v2/personas/{pid}").json()
    assert shown["context"] is None and shown["greeting"] is None and shown["memories"] is None
    assert shown["layers"]["llm"]["model"] == "m"
    assert shown["layers"]["llm"]["base_url"] is None
    assert "tts" not in shown["layers"]  # a layer never set is not invented
    listed = api.get("/v2/personas", params={"persona_type": "user"}).json()["data"][0]
    assert listed == shown
    assert "context" not in emulator.list_personas()[0]  # stored as sent


def test_unset_fields_absent_leaves_them_out(api, emulator):
    emulator.configure(unset_fields="absent")
    pid = emulator.create_persona({"system_prompt": "x", "layers": {"llm": {"model": "m"}}})
    shown = api.get(f"/v2/personas/{pid}").json()
    assert "context" not in shown
    assert shown["layers"] == {"llm": {"model": "m"}}


def test_a_null_field_cannot_be_removed_or_replaced_it_is_unset(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    assert api.get(f"/v2/personas/{pid}").json()["context"] is None
    for op in ("remove", "replace"):
        patch = [{"op": op, "path": "/context", "value": "c"}]
        assert api.patch(f"/v2/personas/{pid}", json=patch).status_code == 422
    add = [{"op": "add", "path": "/context", "value": "c"}]
    assert api.patch(f"/v2/personas/{pid}", json=add).status_code == 200


def test_a_pal_is_the_persona_in_2026_words(api, emulator):
    body = {"pal_name": "Pal", "system_prompt": "x", "default_face_id": "r4067604db72",
            "layers": {"conversational_flow": {"face_interruptibility": "high"}}}  # fmt: skip
    created = api.post("/v2/pals", json=body).json()
    assert set(created) == {"pal_id", "pal_name", "created_at"}
    pid = created["pal_id"]
    pal = api.get(f"/v2/pals/{pid}").json()
    assert (pal["pal_id"], pal["pal_name"], pal["default_face_id"]) == (pid, "Pal", "r4067604db72")
    assert pal["layers"]["conversational_flow"]["face_interruptibility"] == "high"
    assert pal["uuid"] == pid and isinstance(pal["owner_id"], int) and pal["is_draft"] is False
    assert pal["session_id"] is None and "persona_id" not in pal
    persona = api.get(f"/v2/personas/{pid}").json()
    assert (persona["persona_name"], persona["default_replica_id"]) == ("Pal", "r4067604db72")
    assert persona["layers"]["conversational_flow"]["replica_interruptibility"] == "high"
    assert "uuid" not in persona


def test_pal_interruptibility_is_read_as_face_interruptibility(api):
    body = {
        "system_prompt": "x",
        "layers": {"conversational_flow": {"pal_interruptibility": "low"}},
    }
    pid = api.post("/v2/pals", json=body).json()["pal_id"]
    flow = api.get(f"/v2/pals/{pid}").json()["layers"]["conversational_flow"]
    assert flow["face_interruptibility"] == "low" and "pal_interruptibility" not in flow


def test_a_pal_patch_speaks_pal_words(api, emulator):
    pid = emulator.create_persona({"persona_name": "Old", "system_prompt": "x"})
    ops = [{"op": "test", "path": "/pal_name", "value": "Old"},
           {"op": "replace", "path": "/pal_name", "value": "New"},
           {"op": "add", "path": "/default_face_id", "value": "r4067604db72"}]  # fmt: skip
    response = api.patch(f"/v2/pals/{pid}", json=ops)
    assert response.status_code == 200
    assert response.json()["pal_name"] == "New"
    stored = emulator.list_personas()[0]
    assert (stored["persona_name"], stored["default_replica_id"]) == ("New", "r4067604db72")
    bad = api.patch(f"/v2/pals/{pid}", json=[{"op": "replace", "path": "/uuid", "value": "u"}])
    assert bad.status_code == 400


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_pal_error_bodies_still_say_persona_id(api, method):
    response = api.request(method, "/v2/pals/p00000000000", json=[])
    assert (response.status_code, response.json()) == (400, {"error": "Invalid persona_id"})


def test_pals_list_oldest_first_in_pal_words(api, emulator):
    ids = [emulator.create_persona({"persona_name": f"n{i}", "system_prompt": "x"}) for i in (1, 2)]
    listed = api.get("/v2/pals", params={"persona_type": "user"}).json()["data"]
    assert [p["pal_id"] for p in listed] == ids


def test_faces_are_the_replicas_in_face_words(api):
    face = api.get("/v2/faces/r4067604db72").json()
    assert face["face_id"] == "r4067604db72" and "replica_id" not in face
    listed = api.get("/v2/faces", params={"limit": 100}).json()
    assert listed["total_count"] == len(STOCK_REPLICAS)
    assert "r4067604db72" in {f["face_id"] for f in listed["data"]}


def test_the_stock_pal_is_seeded(api):
    assert "pb87e71797da" in SYSTEM_PERSONAS
    assert api.get("/v2/pals/pb87e71797da").json()["pal_id"] == "pb87e71797da"


def test_masked_stars_shows_exactly_eight_stars(api, emulator):
    emulator.configure(secrets="masked-stars")
    pid = emulator.create_persona({"system_prompt": "x", "layers": {"llm": {"api_key": "sk-123"}}})
    assert api.get(f"/v2/personas/{pid}").json()["layers"]["llm"]["api_key"] == "********"


@pytest.mark.parametrize(
    ("form", "pattern"),
    [
        ("millis", r"\.\d{3}Z$"),
        ("micros", r"\.\d{6}Z$"),
        ("offset", r"\.\d{6}\+00:00$"),
    ],
)
def test_timestamps_come_in_the_form_the_switch_names(api, emulator, form, pattern):
    emulator.configure(timestamps=form)
    created = api.post("/v2/personas", json={"system_prompt": "x"}).json()["created_at"]
    assert re.search(pattern, created)
    assert datetime.fromisoformat(created.replace("Z", "+00:00")).tzinfo is not None


def test_conversations_accept_pal_id_and_face_id(api):
    body = {"pal_id": "pb87e71797da", "face_id": "r4067604db72", "test_mode": True}
    response = api.post("/v2/conversations", json=body)
    assert response.status_code == 200
    assert (response.json()["persona_id"], response.json()["replica_id"]) == (
        "pb87e71797da",
        "r4067604db72",
    )


def test_the_concurrency_cap_answers_400_with_the_recorded_message(api, emulator):
    emulator.configure(max_conversations=1)
    body = {"replica_id": "r4067604db72"}
    assert api.post("/v2/conversations", json=body).status_code == 200
    response = api.post("/v2/conversations", json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"message": "User has reached maximum concurrent conversations"},
    )


def test_out_of_credits_answers_402(api, emulator):
    emulator.configure(credits=0)
    response = api.post("/v2/conversations", json={"replica_id": "r4067604db72"})
    assert (response.status_code, response.json()) == (
        402,
        {"message": "The user is out of conversational credits"},
    )
