"""The §11 switches: each variant of each uncertain behaviour, changed at run time."""

from __future__ import annotations

import pytest

from tests.support.emulator import without_nulls

SECRET_BODY = {
    "system_prompt": "x",
    "layers": {
        "llm": {
            "model": "custom",
            "api_key": "sk-llm-123456",
            "headers": {"Authorization": "Bearer abcdefgh"},
        },
        "tts": {"tts_engine": "elevenlabs", "api_key": "el-987654"},
    },
}


def test_get_shape_flat_is_the_default(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    assert api.get(f"/v2/personas/{pid}").json()["persona_id"] == pid


def test_get_shape_wrapped_puts_the_persona_in_a_data_array(api, emulator):
    emulator.configure(get_shape="wrapped")
    pid = emulator.create_persona({"system_prompt": "x"})
    body = api.get(f"/v2/personas/{pid}").json()
    assert list(body) == ["data"]
    assert [p["persona_id"] for p in body["data"]] == [pid]


@pytest.mark.parametrize(
    ("secrets", "llm", "tts"),
    [
        (
            "stored",
            {"api_key": "sk-llm-123456", "headers": {"Authorization": "Bearer abcdefgh"}},
            {"api_key": "el-987654"},
        ),
        (
            "masked",
            {"api_key": "****3456", "headers": {"Authorization": "****efgh"}},
            {"api_key": "****7654"},
        ),
        ("omitted", {"headers": {}}, {}),
    ],
)
def test_secrets_switch_governs_get_and_list(api, emulator, secrets, llm, tts):
    emulator.configure(secrets=secrets)
    pid = emulator.create_persona(SECRET_BODY)
    one = without_nulls(api.get(f"/v2/personas/{pid}").json())
    listed = api.get("/v2/personas", params={"persona_type": "user"}).json()["data"][0]
    listed = without_nulls(listed)
    for shown in (one, listed):
        assert shown["layers"]["llm"] == {"model": "custom", **llm}
        assert shown["layers"]["tts"] == {"tts_engine": "elevenlabs", **tts}
    assert emulator.list_personas()[0]["layers"] == SECRET_BODY["layers"]  # stored as sent


def test_fill_defaults_off_stores_the_body_as_sent(api, emulator):
    pid = api.post("/v2/personas", json={"system_prompt": "x"}).json()["persona_id"]
    assert "layers" not in without_nulls(api.get(f"/v2/personas/{pid}").json())


def test_fill_defaults_on_fills_e4_defaults_at_create(api, emulator):
    emulator.configure(fill_defaults=True)
    body = {"system_prompt": "x", "layers": {"tts": {"tts_engine": "elevenlabs"}}}
    pid = api.post("/v2/personas", json=body).json()["persona_id"]
    assert without_nulls(api.get(f"/v2/personas/{pid}").json())["layers"] == {
        "llm": {"model": "tavus-gpt-oss"},
        "tts": {"tts_engine": "elevenlabs"},
        "perception": {"perception_model": "raven-1"},
        "stt": {"stt_engine": "tavus-auto"},
    }


@pytest.mark.parametrize(
    ("flow", "expected"),
    [
        ({"turn_taking_patience": "high"},
         {"turn_detection_model": "sparrow-1", "turn_taking_patience": "high", "replica_interruptibility": "medium"}),
        ({"replica_interruptibility": "low", "voice_isolation": True},
         {"turn_detection_model": "sparrow-1", "turn_taking_patience": "medium", "replica_interruptibility": "low",
          "voice_isolation": True}),
        ({"voice_isolation": True}, {"voice_isolation": True}),
    ],
)  # fmt: skip
def test_fill_defaults_on_fills_conversational_flow_siblings(api, emulator, flow, expected):
    emulator.configure(fill_defaults=True)
    pid = api.post(
        "/v2/personas", json={"system_prompt": "x", "layers": {"conversational_flow": flow}}
    ).json()
    stored = emulator.list_personas()[0]
    assert stored["persona_id"] == pid["persona_id"]
    assert stored["layers"]["conversational_flow"] == expected


def test_fill_defaults_on_fills_flow_siblings_when_a_patch_sets_one(api, emulator):
    emulator.configure(fill_defaults=True)
    pid = emulator.create_persona({"system_prompt": "x"})
    op = {
        "op": "add",
        "path": "/layers/conversational_flow",
        "value": {"turn_taking_patience": "low"},
    }
    assert api.patch(f"/v2/personas/{pid}", json=[op]).status_code == 200
    assert emulator.list_personas()[0]["layers"]["conversational_flow"] == {
        "turn_detection_model": "sparrow-1", "turn_taking_patience": "low", "replica_interruptibility": "medium"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body"),
    [(400, {"error": "Invalid persona_id"}), (404, {"error": "Persona not found"})],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_missing_status_switch(api, emulator, status, body, method):
    emulator.configure(missing_status=status)
    response = api.request(method, "/v2/personas/p00000000000", json=[])
    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize("status", [400, 404])
def test_a_repeat_delete_follows_the_missing_status_switch(api, emulator, status):
    emulator.configure(missing_status=status)
    pid = emulator.create_persona({"system_prompt": "x"})
    assert api.delete(f"/v2/personas/{pid}").status_code == 204
    assert api.delete(f"/v2/personas/{pid}").status_code == status


def test_patch_response_full_returns_the_updated_persona(api, emulator):
    pid = emulator.create_persona({"system_prompt": "x"})
    response = api.patch(
        f"/v2/personas/{pid}", json=[{"op": "add", "path": "/context", "value": "c"}]
    )
    assert without_nulls(response.json()) == emulator.list_personas()[0]


def test_patch_response_full_masks_secrets_like_a_get(api, emulator):
    emulator.configure(secrets="masked")
    pid = emulator.create_persona(SECRET_BODY)
    response = api.patch(
        f"/v2/personas/{pid}", json=[{"op": "add", "path": "/context", "value": "c"}]
    )
    assert response.json()["layers"]["tts"]["api_key"] == "****7654"


@pytest.mark.parametrize(
    ("variant", "content"),
    [("message", b'{"message":"Persona updated successfully"}'), ("empty", b"")],
)
def test_patch_response_message_and_empty(api, emulator, variant, content):
    emulator.configure(patch_response=variant)
    pid = emulator.create_persona({"system_prompt": "x"})
    response = api.patch(
        f"/v2/personas/{pid}", json=[{"op": "add", "path": "/context", "value": "c"}]
    )
    assert (response.status_code, response.content) == (200, content)
    assert emulator.list_personas()[0]["context"] == "c"


def test_create_response_full_returns_the_whole_persona(api, emulator):
    emulator.configure(create_response="full")
    body = api.post("/v2/personas", json={"system_prompt": "x", "context": "c"}).json()
    assert without_nulls(body) == emulator.list_personas()[0]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"system_prompt": "x", "favourite_colour": "blue"}, "/favourite_colour"),
        ({"system_prompt": "x", "layers": {"brain": {}}}, "/layers/brain"),
        ({"system_prompt": "x", "layers": {"llm": {"temperature": 1}}}, "/layers/llm/temperature"),
    ],
)
def test_unknown_fields_accept_stores_them_and_reject_answers_400(api, emulator, body, path):
    assert api.post("/v2/personas", json=body).status_code == 200
    emulator.configure(unknown_fields="reject")
    response = api.post("/v2/personas", json=body)
    assert (response.status_code, response.json()) == (400, {"error": f"Unknown field: {path}"})
    assert len(emulator.list_personas()) == 1


def test_unknown_fields_reject_applies_to_patch_results(api, emulator):
    emulator.configure(unknown_fields="reject")
    pid = emulator.create_persona(
        {"system_prompt": "x", "layers": {"transport": {"transport_type": "livekit"}}}
    )
    response = api.patch(
        f"/v2/personas/{pid}", json=[{"op": "add", "path": "/mood", "value": "sunny"}]
    )
    assert (response.status_code, response.json()) == (400, {"error": "Unknown field: /mood"})


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/nothing", "value": 1}],
        [{"op": "test", "path": "/system_prompt", "value": "y"}],
        {},
    ],
)
def test_patch_error_status_400_variant(api, emulator, ops):
    emulator.configure(patch_error_status=400)
    pid = emulator.create_persona({"system_prompt": "x"})
    response = api.patch(f"/v2/personas/{pid}", json=ops)
    assert (response.status_code, response.json()) == (400, {"error": "Invalid patch operation"})


@pytest.mark.parametrize(
    "changes",
    [{"get_shape": "round"}, {"missing_status": 418}, {"fill_defaults": "yes"}, {"max_page_size": 0},
     {"fault_rate": 2}, {"no_such_switch": 1}, {"api_keys": ["k"]}, {"state_file": "/tmp/x"}],
)  # fmt: skip
def test_bad_config_changes_are_refused_and_change_nothing(emulator, changes):
    before = emulator.admin.get(f"{emulator.url}/_emulator/config").json()
    response = emulator.admin.post(f"{emulator.url}/_emulator/config", json=changes)
    assert response.status_code == 400
    assert "setting" in response.json()["error"]
    assert emulator.admin.get(f"{emulator.url}/_emulator/config").json() == before


def test_reset_restores_the_starting_switches(emulator):
    emulator.configure(get_shape="wrapped", latency_ms=5)
    emulator.admin.post(f"{emulator.url}/_emulator/reset")
    config = emulator.admin.get(f"{emulator.url}/_emulator/config").json()
    assert (config["get_shape"], config["latency_ms"]) == ("flat", 0)
