"""PATCH /v2/personas/{id}: RFC 6902, atomic, 304 on no change, errors (tavus-api.md §3.6, §11)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.emulator import without_nulls

BODY = {
    "persona_name": "Coach",
    "system_prompt": "You coach.",
    "layers": {"llm": {"model": "m", "tools": [1, 2]}},
}
INVALID = (422, {"message": "Invalid JSON patch format"})


@pytest.fixture
def pid(emulator):
    return emulator.create_persona(BODY)


def patch(
    api: httpx.Client, pid: str, ops: Any, content_type: str = "application/json"
) -> httpx.Response:
    return api.patch(
        f"/v2/personas/{pid}", content=json.dumps(ops), headers={"content-type": content_type}
    )


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([{"op": "replace", "path": "/persona_name", "value": "New"}], {"persona_name": "New"}),
        ([{"op": "add", "path": "/context", "value": "ctx"}], {"context": "ctx"}),
        ([{"op": "add", "path": "/persona_name", "value": "Added"}], {"persona_name": "Added"}),
        ([{"op": "remove", "path": "/layers/llm/tools"}], {"layers": {"llm": {"model": "m"}}}),
        ([{"op": "add", "path": "/layers/llm/tools/-", "value": 3}], {"layers": {"llm": {"model": "m", "tools": [1, 2, 3]}}}),
        ([{"op": "add", "path": "/layers/tts", "value": {"tts_engine": "cartesia"}}],
         {"layers": {"llm": {"model": "m", "tools": [1, 2]}, "tts": {"tts_engine": "cartesia"}}}),
        ([{"op": "copy", "from": "/persona_name", "path": "/context"}], {"context": "Coach"}),
        ([{"op": "move", "from": "/persona_name", "path": "/context"}], {"context": "Coach", "persona_name": None}),
        ([{"op": "test", "path": "/persona_name", "value": "Coach"},
          {"op": "replace", "path": "/system_prompt", "value": "Tested."}], {"system_prompt": "Tested."}),
    ],
)  # fmt: skip
def test_patch_applies_rfc6902_operations_and_answers_200_with_the_persona(
    api, emulator, pid, ops, expected
):
    before = api.get(f"/v2/personas/{pid}").json()
    response = patch(api, pid, ops)
    assert response.status_code == 200
    stored = emulator.list_personas()[0]
    assert without_nulls(response.json()) == stored
    for key, value in expected.items():
        assert stored.get(key) == value
    assert stored["updated_at"] >= before["updated_at"]
    assert stored["created_at"] == before["created_at"]


def test_patch_accepts_the_json_patch_content_type(api, emulator, pid):
    response = patch(
        api, pid, [{"op": "add", "path": "/context", "value": "x"}], "application/json-patch+json"
    )
    assert response.status_code == 200
    assert emulator.list_personas()[0]["context"] == "x"


def test_a_real_change_bumps_updated_at(api, emulator, pid):
    before = emulator.list_personas()[0]["updated_at"]
    patch(api, pid, [{"op": "replace", "path": "/persona_name", "value": "New"}])
    after = emulator.list_personas()[0]
    assert after["updated_at"] >= before
    assert after["created_at"] == before


@pytest.mark.parametrize(
    "ops",
    [
        [],
        [{"op": "test", "path": "/persona_name", "value": "Coach"}],
        [{"op": "replace", "path": "/persona_name", "value": "Coach"}],
        [{"op": "add", "path": "/layers/llm/model", "value": "m"}],
        [
            {"op": "replace", "path": "/persona_name", "value": "X"},
            {"op": "replace", "path": "/persona_name", "value": "Coach"},
        ],
    ],
)
def test_a_patch_that_changes_nothing_is_304_with_an_empty_body(api, emulator, pid, ops):
    before = emulator.list_personas()
    response = patch(api, pid, ops)
    assert (response.status_code, response.content) == (304, b"")
    assert emulator.list_personas() == before


def test_replacing_with_an_equal_value_of_another_json_type_is_a_change(api, emulator, pid):
    response = patch(
        api, pid, [{"op": "replace", "path": "/layers/llm/tools", "value": [1.0, True]}]
    )
    assert response.status_code == 200
    assert emulator.list_personas()[0]["layers"]["llm"]["tools"] == [1.0, True]


@pytest.mark.parametrize(
    "ops",
    [
        {"op": "replace", "path": "/persona_name", "value": "x"},
        [{"op": "frobnicate", "path": "/persona_name"}],
        [{"path": "/persona_name", "value": "x"}],
        [{"op": "replace", "value": "x"}],
        [{"op": "replace", "path": "persona_name", "value": "x"}],
        [{"op": "replace", "path": "/persona_name"}],
        [{"op": "move", "path": "/context"}],
        ["replace"],
        "not a patch",
    ],
)
def test_a_malformed_patch_is_422_and_changes_nothing(api, emulator, pid, ops):
    before = emulator.list_personas()
    response = patch(api, pid, ops)
    assert (response.status_code, response.json()) == INVALID
    assert emulator.list_personas() == before


def test_a_body_that_is_not_json_is_422(api, pid):
    response = api.patch(
        f"/v2/personas/{pid}", content=b"[{", headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == INVALID


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "test", "path": "/persona_name", "value": "Someone else"}],
        [{"op": "replace", "path": "/persona_name", "value": "New"},
         {"op": "test", "path": "/persona_name", "value": "Coach"}],
        [{"op": "replace", "path": "/context", "value": "x"}],
        [{"op": "remove", "path": "/context"}],
        [{"op": "add", "path": "/layers/tts/tts_engine", "value": "cartesia"}],
        [{"op": "add", "path": "/layers/llm/tools/5", "value": 0}],
        [{"op": "replace", "path": "/layers/llm/tools/01", "value": 0}],
        [{"op": "replace", "path": "/layers/llm/tools/x", "value": 0}],
        [{"op": "move", "from": "/nothing", "path": "/context"}],
        [{"op": "replace", "path": "/persona_name", "value": "New"}, {"op": "remove", "path": "/nothing"}],
    ],
)  # fmt: skip
def test_a_failing_patch_is_422_and_atomic(api, emulator, pid, ops):
    before = emulator.list_personas()
    response = patch(api, pid, ops)
    assert (response.status_code, response.json()) == INVALID
    assert emulator.list_personas() == before


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/persona_id", "value": "pother"}],
        [{"op": "replace", "path": "/created_at", "value": "2020-01-01T00:00:00.000Z"}],
        [{"op": "remove", "path": "/updated_at"}],
        [{"op": "move", "from": "/persona_id", "path": "/context"}],
        [{"op": "replace", "path": "", "value": {}}],
    ],
)
def test_read_only_fields_cannot_be_patched(api, emulator, pid, ops):
    before = emulator.list_personas()
    response = patch(api, pid, ops)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "Cannot modify read-only field"},
    )
    assert emulator.list_personas() == before


def test_testing_a_read_only_field_is_allowed(api, pid):
    ops = [
        {"op": "test", "path": "/persona_id", "value": pid},
        {"op": "add", "path": "/context", "value": "c"},
    ]
    assert patch(api, pid, ops).status_code == 200


@pytest.mark.parametrize(
    ("ops", "error"),
    [
        ([{"op": "remove", "path": "/system_prompt"}], "system_prompt is required"),
        ([{"op": "add", "path": "/default_replica_id", "value": "rnope"}], "Invalid replica_uuid"),
        ([{"op": "add", "path": "/layers/perception", "value": {"perception_model": "raven-9"}}],
         "Invalid value at /layers/perception/perception_model: must be one of raven-0, raven-1, basic, off"),
    ],
)  # fmt: skip
def test_the_patched_result_is_validated_like_a_create(api, emulator, pid, ops, error):
    before = emulator.list_personas()
    response = patch(api, pid, ops)
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert emulator.list_personas() == before


def test_patching_an_unknown_persona_is_400_even_with_a_bad_body(api):
    response = patch(api, "p00000000000", "garbage")
    assert (response.status_code, response.json()) == (400, {"error": "Invalid persona_id"})
