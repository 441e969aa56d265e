"""Objectives sets end to end (tavus-api-2026.md "Objectives: still a set"): the set is checked
offline, applied through the real CLI against the emulator's /v2/objectives, named by a
persona with ``${ref:Objectives/name}``, edited with one PATCH, and the emulator's
``POST /v2/objectives/validate`` agrees with the offline check."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.support.emulator import Emulator
from tests.support.workspace import Workspace, spec

FLOW: dict[str, Any] = {
    "name": "Intake flow",
    "data": [
        {"objective_name": "greet", "objective_prompt": "Greet the caller.",
         "next_required_objective": "collect_insurance"},
        {"objective_name": "collect_insurance", "objective_prompt": "Ask for the insurer.",
         "output_variables": ["insurer"]},
    ],
}  # fmt: skip


def test_a_set_applies_before_its_persona_replans_empty_and_one_edit_is_one_patch(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("intake-flow", kind="Objectives", persona=FLOW)
    ws.write(
        "intake",
        kind="Persona",
        persona=spec("intake", objectives_id="${ref:Objectives/intake-flow}"),
    )
    assert ws.run("validate", "manifests").code == 0
    emu.clear_requests()
    applied = ws.apply()
    assert applied.code == 0 and "2 created" in applied.output, applied.output
    posts = [(r["path"], r["body"]) for r in emu.requests() if r["method"] == "POST"]
    assert [p for p, _ in posts] == ["/v2/objectives", "/v2/personas"]
    oid = ws.ids()["Objectives/intake-flow"]
    assert oid and oid.startswith("o") and posts[1][1]["objectives_id"] == oid
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0

    edited = copy.deepcopy(FLOW)
    edited["data"][1]["objective_prompt"] = "Ask for the insurer and the member number."
    ws.write("intake-flow", kind="Objectives", persona=edited)
    emu.clear_requests()
    assert ws.apply().code == 0
    writes = [(r["method"], r["path"]) for r in emu.requests() if r["method"] != "GET"]
    assert writes == [("PATCH", f"/v2/objectives/{oid}")]
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"next_required_objective": "nowhere"}, "refers to 'nowhere', which is no objective_name"),
        ({"next_required_objective": "greet"}, "objective 'greet' refers to itself"),
        ({"next_conditional_objectives": {"collect_insurance": "if insured"}}, "keep one of them"),
        ({"objective_name": "collect_insurance"}, "'collect_insurance' is used twice in the set"),
    ],
)
def test_the_set_is_checked_offline_and_the_emulator_refuses_it_too(
    ws: Workspace, emu: Emulator, item: dict[str, Any], expected: str
) -> None:
    broken = copy.deepcopy(FLOW)
    broken["data"][0].update(item)
    ws.write("intake-flow", kind="Objectives", persona=broken)
    result = ws.run("validate", "manifests")
    assert result.code == 1 and expected in result.output, result.output
    assert "objectives-intake-flow.yaml:" in result.output
    check = httpx.post(
        f"{emu.url}/v2/objectives/validate", json=broken, headers={"x-api-key": emu.api_key}
    )
    assert check.status_code == 400
    good = httpx.post(
        f"{emu.url}/v2/objectives/validate", json=FLOW, headers={"x-api-key": emu.api_key}
    )
    assert good.status_code == 200
