"""import and state for the graph's kinds, through the real CLI against the emulator: a tool
and a guardrail made in the dashboard are adopted by ``import Kind/name ID`` (the tool's
credentials, read back as ``********``, are set by the next apply and never sent as read), then
shown, moved and forgotten with ``state``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace

TOKEN = "imported-tool-token-13579bdf"
STARS = "********"


@pytest.fixture
def ws(ws: Workspace, emu: Emulator) -> Iterator[Workspace]:
    """The shared workspace (its leak check included), and more checks of this module."""
    yield ws
    assert not any(TOKEN in r.output for r in ws.results)
    assert STARS not in emu.admin.get(f"{emu.url}/_emulator/requests").text


def tool(token: str) -> dict[str, Any]:
    return {
        "name": "lookup",
        "description": "Look a patient up.",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        "delivery": {
            "api": {"url": "https://x.example/{q}", "auth": {"type": "bearer", "token": token}}
        },
    }


def post(emu: Emulator, path: str, body: dict[str, Any], id_field: str) -> str:
    response = httpx.post(f"{emu.url}{path}", json=body, headers={"x-api-key": API_KEY})
    assert response.is_success, response.text
    return str(response.json()[id_field])


def test_a_tool_and_a_guardrail_made_in_the_dashboard_are_imported_and_kept_by_state(
    ws: Workspace, emu: Emulator
) -> None:
    tid = post(emu, "/v2/tools", tool(TOKEN), "tool_id")
    guardrail = {"guardrail_name": "no_pii", "guardrail_prompt": "No PII."}
    gid = post(emu, "/v2/guardrails", guardrail, "uuid")
    ws.write("lookup", kind="Tool", persona=tool("${env:LOOKUP_TOKEN}"))
    ws.write("no-pii", kind="Guardrail", persona=guardrail)
    env = {"LOOKUP_TOKEN": TOKEN}

    imported = ws.run("import", "Tool/lookup", tid, "manifests", **env)
    assert imported.code == 0 and f"Imported tool {tid} as Tool/lookup" in imported.output
    assert "masked will be set by the next apply" in imported.output, imported.output
    assert ws.run("import", "Guardrail/no-pii", gid, "manifests", **env).code == 0
    assert ws.ids() == {"Tool/lookup": tid, "Guardrail/no-pii": gid}

    emu.clear_requests()
    applied = ws.apply(**env)  # the masked token is set once, from the environment
    assert applied.code == 0, applied.output
    writes = [(r["method"], r["path"]) for r in emu.requests() if r["method"] != "GET"]
    assert writes == [("PATCH", f"/v2/tools/{tid}")]
    (stored,) = emu.stored("tools")
    assert stored["delivery"]["api"]["auth"]["token"] == TOKEN
    assert ws.run("plan", "manifests", "--detailed-exitcode", **env).code == 0

    shown = ws.run("state", "show", "Tool/lookup", "--format", "json")
    assert shown.code == 0 and tid in shown.stdout and TOKEN not in shown.stdout
    listed = ws.run("state", "list")
    assert "Tool/lookup" in listed.stdout and gid in listed.stdout, listed.output
    moved = ws.run("state", "mv", "Tool/lookup", "Tool/finder")
    assert moved.code == 0, moved.output
    assert ws.ids()["Tool/finder"] == tid
    removed = ws.run("state", "rm", "Tool/finder")
    assert removed.code == 0, removed.output
    assert ws.ids() == {"Guardrail/no-pii": gid}
    assert len(emu.stored("tools")) == 1  # state rm forgets, never deletes


def test_import_refuses_what_cannot_be_an_id_of_the_kind(ws: Workspace) -> None:
    ws.write(
        "no-pii",
        kind="Guardrail",
        persona={"guardrail_name": "no_pii", "guardrail_prompt": "No PII."},
    )
    refused = ws.run("import", "Guardrail/no-pii", "../etc/passwd", "manifests")
    assert refused.code == 1 and "is not a guardrail id" in refused.output, refused.output
    persona = ws.run("import", "Persona/x", "t0123456789ab", "manifests")
    assert persona.code == 1 and "is not a persona id" in persona.output, persona.output
