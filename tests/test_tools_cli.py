"""Tools end to end: the real CLI against the emulator's /v2/tools (id ``tool_id``, plain-JSON
PATCH, credentials read back as exactly ``********``). The credentials come from ``${env:}``;
the read-back placeholder tells nothing (never drift) and is never sent; nothing tavusctl
writes holds a credential. A PAL names the tool with ``${ref:Tool/name}``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace, changing

TOKEN = "booking-bearer-token-9f8e7d6c5b4a"
CLINIC_KEY = "clinic-header-key-1a2b3c4d5e"
ENV = {"BOOKING_TOKEN": TOKEN, "CLINIC_KEY": CLINIC_KEY}
STARS = "********"


@pytest.fixture
def ws(ws: Workspace, emu: Emulator) -> Iterator[Workspace]:
    """The shared workspace (its leak check included), and more checks of this module."""
    yield ws
    written = [r.stdout + r.stderr for r in ws.results]
    files = [p.read_text(errors="replace") for p in ws.root.rglob("*") if p.is_file()]
    for secret in ENV.values():
        assert not any(secret in text for text in [*written, *files])
    log = emu.admin.get(f"{emu.url}/_emulator/requests").text
    assert STARS not in log  # the read-back placeholder was never sent
    assert not any(secret in log for secret in ENV.values())


def booking(**more: Any) -> dict[str, Any]:
    return {
        "name": "book_appointment",
        "description": "Book an appointment at the clinic for a patient on a date.",
        "parameters": {
            "type": "object",
            "properties": {
                "date": {"type": "string", "description": "YYYY-MM-DD"},
                "patient": {"type": "string"},
            },
            "required": ["date"],
        },
        "delivery": {
            "api": {
                "url": "https://clinic.example.com/api/appointments/{date}",
                "method": "POST",
                "timeout": 10,
                "headers": {"X-Clinic-Key": "${env:CLINIC_KEY}"},
                "auth": {"type": "bearer", "token": "${env:BOOKING_TOKEN}"},
                "body_template": {"patient": "{patient}"},
            }
        },
        "on_call": "generate_filler",
        **more,
    }


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in emu.requests() if r["method"] != "GET"]


def stored_tool(emu: Emulator) -> dict[str, Any]:
    (tool,) = emu.stored("tools")
    return tool


def test_a_tool_applies_with_its_secrets_from_env_and_replans_empty(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("book-appointment", kind="Tool", persona=booking())
    assert ws.run("validate", "manifests", **ENV).code == 0
    planned = ws.run("plan", "manifests", "--format", "json", **ENV)
    assert changing(json.loads(planned.stdout)) == [("create", "Tool/book-appointment")]
    applied = ws.apply(**ENV)
    assert applied.code == 0 and "1 created" in applied.output, applied.output
    tool_id = ws.ids()["Tool/book-appointment"]
    assert tool_id is not None and tool_id.startswith("t") and len(tool_id) == 13
    auth = stored_tool(emu)["delivery"]["api"]
    assert auth["auth"]["token"] == TOKEN and auth["headers"] == {"X-Clinic-Key": CLINIC_KEY}
    shown = httpx.get(f"{emu.url}/v2/tools/{tool_id}", headers={"x-api-key": API_KEY}).json()
    assert shown["delivery"]["api"]["auth"]["token"] == STARS  # Tavus never shows it back

    emu.clear_requests()
    again = ws.run("plan", "manifests", "--detailed-exitcode", **ENV)
    assert again.code == 0, again.output  # ******** tells nothing: no drift
    assert [r["path"] for r in emu.requests()] == ["/v2/tools"]
    assert ws.run("drift", "manifests", **ENV).code == 0


def test_an_edit_is_one_plain_json_patch_that_carries_the_real_secret_never_the_stars(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("book-appointment", kind="Tool", persona=booking())
    assert ws.apply(**ENV).code == 0
    tool_id = ws.ids()["Tool/book-appointment"]
    edited = booking()
    edited["delivery"]["api"]["timeout"] = 20
    ws.write("book-appointment", kind="Tool", persona=edited)
    emu.clear_requests()
    applied = ws.apply(**ENV)
    assert applied.code == 0 and "1 updated" in applied.output, applied.output
    assert writes(emu) == [("PATCH", f"/v2/tools/{tool_id}")]
    (body,) = [r["body"] for r in emu.requests() if r["method"] == "PATCH"]
    assert list(body) == ["delivery"]  # a plain JSON body: the one field that changed, whole
    api = stored_tool(emu)["delivery"]["api"]
    assert api["timeout"] == 20 and api["auth"]["token"] == TOKEN
    assert api["headers"] == {"X-Clinic-Key": CLINIC_KEY}

    ws.write("book-appointment", kind="Tool", persona={**edited, "tags": ["clinic"]})
    emu.clear_requests()
    assert ws.apply(**ENV).code == 0
    (body,) = [r["body"] for r in emu.requests() if r["method"] == "PATCH"]
    assert body == {"tags": ["clinic"]}  # delivery, secrets and all, is not sent again
    assert stored_tool(emu)["delivery"]["api"]["auth"]["token"] == TOKEN
    assert ws.run("plan", "manifests", "--detailed-exitcode", **ENV).code == 0


def test_a_rotated_secret_is_sent_and_shown_only_as_sensitive(ws: Workspace, emu: Emulator) -> None:
    ws.write("book-appointment", kind="Tool", persona=booking())
    assert ws.apply(**ENV).code == 0
    rotated = {**ENV, "BOOKING_TOKEN": "rotated-bearer-token-0011223344"}
    plan = ws.run("plan", "manifests", "--detailed-exitcode", **rotated)
    assert plan.code == 2 and "(sensitive value)" in plan.stdout, plan.output
    assert "rotated-bearer" not in plan.output
    assert ws.apply(**rotated).code == 0
    assert stored_tool(emu)["delivery"]["api"]["auth"]["token"] == rotated["BOOKING_TOKEN"]
    assert ws.run("plan", "manifests", "--detailed-exitcode", **rotated).code == 0


def test_a_saved_plan_of_a_tool_holds_no_secret_and_applies(ws: Workspace, emu: Emulator) -> None:
    ws.write("book-appointment", kind="Tool", persona=booking())
    assert ws.run("plan", "manifests", "-o", "tool.plan", **ENV).code == 0
    saved = (ws.root / "tool.plan").read_text()
    assert TOKEN not in saved and CLINIC_KEY not in saved
    applied = ws.run("apply", "tool.plan", **ENV)
    assert applied.code == 0, applied.output
    assert stored_tool(emu)["delivery"]["api"]["auth"]["token"] == TOKEN
    state = ws.lock_path.read_text()
    assert STARS not in state and "${ref:" not in state


def test_a_pal_names_its_tool_by_reference(ws: Workspace, emu: Emulator) -> None:
    ws.write("book-appointment", kind="Tool", persona=booking())
    ws.write("intake", kind="Pal", persona={
        "pal_name": "Intake", "system_prompt": "You book appointments.",
        "tool_ids": ["${ref:Tool/book-appointment}"],
    })  # fmt: skip
    plan = ws.run("plan", "manifests", **ENV)
    assert "(known after apply: Tool/book-appointment)" in plan.stdout, plan.output
    assert ws.apply(**ENV).code == 0
    ids = ws.ids()
    creates = [r for r in emu.requests() if r["method"] == "POST"]
    assert [r["path"] for r in creates] == ["/v2/tools", "/v2/pals"]
    assert creates[1]["body"]["tool_ids"] == [ids["Tool/book-appointment"]]
    assert ws.run("plan", "manifests", "--detailed-exitcode", **ENV).code == 0
    emu.clear_requests()
    destroyed = ws.run("destroy", "--auto-approve", **ENV)
    assert destroyed.code == 0, destroyed.output
    assert [p for m, p in writes(emu)] == [
        f"/v2/pals/{ids['Pal/intake']}",
        f"/v2/tools/{ids['Tool/book-appointment']}",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["delivery"].update(app_message=True), "exactly one channel"),
        (
            lambda s: s["delivery"]["api"].update(url="https://x.example/{when}"),
            "placeholder {when}, which is no parameter",
        ),
        (lambda s: s["delivery"]["api"].update(url="http://x.example/"), "spec.delivery.api.url"),
        (lambda s: s.update(name="9book"), "spec.name"),
        (lambda s: s["parameters"]["properties"].update(tavus_x={"type": "string"}), "tavus_x"),
    ],
)
def test_an_invalid_tool_is_a_located_validate_error(
    ws: Workspace, change: Any, expected: str
) -> None:
    spec = booking()
    change(spec)
    ws.write("book-appointment", kind="Tool", persona=spec)
    result = ws.run("validate", "manifests", **ENV)
    assert result.code == 1, result.output
    assert "tool-book-appointment.yaml" in result.output and expected in result.output


def test_a_credential_written_in_clear_is_refused(ws: Workspace) -> None:
    spec = booking()
    spec["delivery"]["api"]["auth"]["token"] = "plain-token-in-git-0000"
    ws.write("book-appointment", kind="Tool", persona=spec)
    result = ws.run("validate", "manifests", **ENV)
    assert result.code == 1 and "secret written in the manifest" in result.output, result.output
    assert "plain-token-in-git-0000" not in result.output


def test_tool_ids_refuse_a_reference_to_another_kind(ws: Workspace) -> None:
    ws.write("book-appointment", kind="Tool", persona=booking())
    ws.write(
        "no-pii",
        kind="Guardrail",
        persona={"guardrail_name": "no_pii", "guardrail_prompt": "No PII."},
    )
    ws.write("intake", kind="Pal", persona={
        "pal_name": "Intake", "system_prompt": "You book appointments.",
        "tool_ids": ["${ref:Guardrail/no-pii}"],
    })  # fmt: skip
    result = ws.run("validate", "manifests", **ENV)
    assert result.code == 1 and "pal-intake.yaml" in result.output, result.output
    assert "tool_ids" in result.output and "Tavus tool id" in result.output
