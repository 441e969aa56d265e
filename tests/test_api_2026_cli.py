"""Every 2026 field validates, plans, applies and re-plans empty against the emulator, under
every emulator switch (one at a time, each non-default value), the 2026 default
``--unset-fields null`` included."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.emulator import Emulator
from tests.support.fields2026 import EVERY_2026_FIELD, as_pal
from tests.support.workspace import Workspace

SWITCHES: list[dict[str, Any]] = [
    {},
    {"unset_fields": "null"},
    {"unset_fields": "absent"},
    {"get_shape": "wrapped"},
    {"secrets": "masked"},
    {"secrets": "masked-stars"},
    {"secrets": "omitted"},
    {"secrets": "masked-bullets"},
    {"secrets": "masked-ellipsis"},
    {"fill_defaults": True},
    {"missing_status": 404},
    {"patch_response": "message"},
    {"patch_response": "empty"},
    {"create_response": "full"},
    {"unknown_fields": "reject"},
    {"list_system_personas": False},
    {"patch_error_status": 400},
    {"timestamps": "micros"},
    {"timestamps": "offset"},
]


@pytest.mark.parametrize(
    "switch", SWITCHES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "defaults"
)
@pytest.mark.parametrize("kind", ["Persona", "Pal"])
def test_every_2026_field_round_trips_under_each_switch_for_both_kinds(
    ws: Workspace, emu: Emulator, switch: dict[str, Any], kind: str
) -> None:
    emu.configure(**switch)
    spec = EVERY_2026_FIELD if kind == "Persona" else as_pal(EVERY_2026_FIELD)
    ws.write("all", kind=kind, persona=spec)
    assert_round_trip(ws)
    ws.write("all", kind=kind, persona=changed(spec))
    assert_update(ws)


def changed(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with a field changed, one dropped and a layer field tuned."""
    out = copy.deepcopy(spec)
    out["greeting"] = "Welcome back!"
    del out["memories"]
    out["layers"]["knowledge_base"]["rag_n_chunks"] = 8
    return out


def assert_update(ws: Workspace) -> None:
    applied = ws.apply()
    assert applied.code == 0, applied.output
    assert "1 updated" in applied.output and "warning" not in applied.output.lower()
    again = ws.run("plan", "manifests", "--detailed-exitcode")
    assert again.code == 0, again.output


def assert_round_trip(ws: Workspace) -> None:
    validated = ws.run("validate", "manifests")
    assert validated.code == 0 and "warning" not in validated.output, validated.output
    applied = ws.apply()
    assert applied.code == 0, applied.output
    assert "1 created" in applied.output and "warning" not in applied.output.lower()
    again = ws.run("plan", "manifests", "--detailed-exitcode")
    assert again.code == 0, again.output
