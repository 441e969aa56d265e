"""export for the graph's kinds, through the real CLI against the emulator: guardrails, a tool
and a PAL made in the dashboard are exported kind by kind; the PAL's ids of exported (and
managed) objects are written as ``${ref:Kind/name}``, and the project re-plans empty."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace


def post(emu: Emulator, path: str, body: dict[str, Any], id_field: str) -> str:
    response = httpx.post(f"{emu.url}{path}", json=body, headers={"x-api-key": API_KEY})
    assert response.is_success, response.text
    return str(response.json()[id_field])


def test_the_graph_is_exported_kind_by_kind_with_references_and_replans_empty(
    ws: Workspace, emu: Emulator
) -> None:
    g1 = post(
        emu, "/v2/guardrails", {"guardrail_name": "no_pii", "guardrail_prompt": "No PII."}, "uuid"
    )
    g2 = post(
        emu, "/v2/guardrails", {"guardrail_name": "be_kind", "guardrail_prompt": "Be kind."}, "uuid"
    )
    tool = {"name": "notify", "description": "Tell the app.", "delivery": {"app_message": True}}
    tid = post(emu, "/v2/tools", tool, "tool_id")
    pal = {"pal_name": "Intake", "system_prompt": "You take intake calls.",
           "guardrail_ids": [g1, g2], "tool_ids": [tid]}  # fmt: skip
    pid = post(emu, "/v2/pals", pal, "pal_id")

    for kind in ("Guardrail", "Tool", "Pal"):
        result = ws.run("export", "--kind", kind, "--out", "manifests")
        assert result.code == 0, result.output
    files = sorted(p.name for p in ws.manifests.iterdir())
    assert files == ["guardrail-be-kind.yaml", "guardrail-no-pii.yaml", "intake.yaml",
                     "tool-notify.yaml"]  # fmt: skip
    exported = yaml.safe_load((ws.manifests / "intake.yaml").read_text())
    assert exported["kind"] == "Pal"
    assert exported["spec"]["guardrail_ids"] == [
        "${ref:Guardrail/no-pii}", "${ref:Guardrail/be-kind}"
    ]  # fmt: skip
    assert exported["spec"]["tool_ids"] == ["${ref:Tool/notify}"]
    assert ws.ids() == {"Guardrail/no-pii": g1, "Guardrail/be-kind": g2, "Tool/notify": tid,
                        "Pal/intake": pid}  # fmt: skip
    assert ws.run("validate", "manifests").code == 0
    emu.clear_requests()
    again = ws.run("plan", "manifests", "--detailed-exitcode")
    assert again.code == 0, again.output


def test_exporting_an_unknown_guardrail_names_the_kind(ws: Workspace) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    result = ws.run("export", "--kind", "Guardrail", "--out", "manifests", missing)
    assert result.code == 1 and f"Guardrail {missing} does not exist" in result.output
