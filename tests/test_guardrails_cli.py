"""Guardrails end to end: the real CLI against the emulator's /v2/guardrails (id ``uuid``,
strict RFC 6902, empty fields not shown). Validate, plan, apply, re-plan empty, one edited
prompt is one PATCH to that guardrail, a field the server does not show is added (never
replaced), prune deletes; and a kind with no manifests and nothing recorded is never read."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.emulator import Emulator
from tests.support.workspace import Workspace, changing

PROMPTS = {
    "no-medical-advice": "Never give medical advice; refer the caller to a clinician.",
    "no-pii": "Never ask for a social security number.",
}


def write_guardrail(ws: Workspace, name: str, **spec: Any) -> None:
    body = {"guardrail_name": name.replace("-", "_"), "guardrail_prompt": PROMPTS[name], **spec}
    ws.write(name, body, kind="Guardrail")


def tavus_get(emu: Emulator, path: str) -> Any:
    return httpx.get(emu.url + path, headers={"x-api-key": emu.api_key}, timeout=10).json()


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in emu.requests() if r["method"] != "GET"]


def reads(emu: Emulator) -> list[str]:
    return [r["path"] for r in emu.requests() if r["method"] == "GET"]


def test_guardrails_validate_plan_apply_replan_edit_and_prune(ws: Workspace, emu: Emulator) -> None:
    write_guardrail(ws, "no-medical-advice", tags=["clinic"])
    write_guardrail(ws, "no-pii")
    validated = ws.run("validate", "manifests")
    assert validated.code == 0 and "warning" not in validated.output, validated.output
    assert changing(ws.plan_json()) == [
        ("create", "Guardrail/no-medical-advice"),
        ("create", "Guardrail/no-pii"),
    ]
    applied = ws.apply()
    assert applied.code == 0 and "2 created" in applied.output, applied.output
    ids = ws.ids()
    live = {g["uuid"]: g for g in tavus_get(emu, "/v2/guardrails")["data"]}
    assert set(live) == {ids["Guardrail/no-medical-advice"], ids["Guardrail/no-pii"]}
    assert live[ids["Guardrail/no-pii"]]["guardrail_prompt"] == PROMPTS["no-pii"]

    emu.clear_requests()
    again = ws.run("plan", "manifests", "--detailed-exitcode")
    assert again.code == 0, again.output
    assert reads(emu) == ["/v2/guardrails"]  # one list; personas are not read at all

    PROMPTS["no-pii"] = "Never ask for a social security number or a date of birth."
    try:
        write_guardrail(ws, "no-pii")
        emu.clear_requests()
        edited = ws.apply()
    finally:
        PROMPTS["no-pii"] = "Never ask for a social security number."
    assert edited.code == 0 and "1 updated" in edited.output, edited.output
    target = f"/v2/guardrails/{ids['Guardrail/no-pii']}"
    assert writes(emu) == [("PATCH", target)]
    (patch,) = [r["body"] for r in emu.requests() if r["method"] == "PATCH"]
    assert [op for op in patch if op["op"] != "test"] == [
        {"op": "replace", "path": "/guardrail_prompt",
         "value": "Never ask for a social security number or a date of birth."}
    ]  # fmt: skip

    (ws.manifests / "guardrail-no-medical-advice.yaml").unlink()
    emu.clear_requests()
    pruned = ws.apply("--prune")
    assert pruned.code == 0, pruned.output
    assert writes(emu) == [("DELETE", f"/v2/guardrails/{ids['Guardrail/no-medical-advice']}")]
    assert list(ws.ids()) == ["Guardrail/no-pii"]


def test_a_field_the_server_does_not_show_is_added_not_replaced(
    ws: Workspace, emu: Emulator
) -> None:
    write_guardrail(ws, "no-pii")
    assert ws.apply().code == 0
    write_guardrail(ws, "no-pii", callback_url="https://hooks.example/guardrail", tags=["a"])
    emu.clear_requests()
    applied = ws.apply()
    assert applied.code == 0 and "1 updated" in applied.output, applied.output
    (patch,) = [r["body"] for r in emu.requests() if r["method"] == "PATCH"]
    assert {(op["op"], op["path"]) for op in patch} == {("add", "/callback_url"), ("add", "/tags")}
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0
    write_guardrail(ws, "no-pii")  # dropped again: removed
    assert ws.apply().code == 0
    shown = tavus_get(emu, f"/v2/guardrails/{ws.ids()['Guardrail/no-pii']}")
    assert {"callback_url", "tags"}.isdisjoint(shown)
    assert ws.run("plan", "manifests", "--detailed-exitcode").code == 0


def test_an_invalid_guardrail_is_a_located_validate_error(ws: Workspace) -> None:
    write_guardrail(ws, "no-pii", modality="smell", guardrail_name="no pii")
    result = ws.run("validate", "manifests")
    assert result.code == 1
    assert "guardrail-no-pii.yaml:" in result.output
    assert "spec.modality" in result.output and "verbal, visual, audio" in result.output
    assert "spec.guardrail_name 'no pii' is not a valid Guardrail name" in result.output


def test_each_kind_is_read_only_when_manifests_or_state_mention_it(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("helper")
    emu.clear_requests()
    assert ws.run("plan", "manifests").code == 0
    assert reads(emu) == ["/v2/personas"]  # no guardrail manifest, none recorded: not read
    write_guardrail(ws, "no-pii")
    assert ws.apply().code == 0
    (ws.manifests / "guardrail-no-pii.yaml").unlink()
    emu.clear_requests()
    assert ws.run("plan", "manifests").code == 0
    assert sorted(reads(emu)) == ["/v2/guardrails", "/v2/personas"]  # recorded: read


def test_drift_reads_guardrails_as_guardrails(ws: Workspace, emu: Emulator) -> None:
    write_guardrail(ws, "no-pii")
    assert ws.apply().code == 0
    quiet = ws.run("drift", "manifests")
    assert quiet.code == 0, quiet.output  # not "gone": it is read from /v2/guardrails
    gid = ws.ids()["Guardrail/no-pii"]
    edit = [{"op": "replace", "path": "/guardrail_prompt", "value": "Edited in the dashboard."}]
    assert httpx.patch(
        f"{emu.url}/v2/guardrails/{gid}", json=edit, headers={"x-api-key": emu.api_key}
    ).is_success
    drifted = ws.run("drift", "manifests")
    assert drifted.code == 2 and "guardrail_prompt" in drifted.stdout, drifted.output
