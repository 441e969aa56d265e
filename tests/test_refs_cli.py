"""``${ref:Kind/name}`` end to end: a persona names its guardrails by manifest name; the real
CLI against the emulator creates them first and sends their ids, re-plans empty, deletes in
reverse order, and refuses references that cannot work (validate) or deletes that would leave
one dangling (plan)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.emulator import Emulator
from tests.support.workspace import Workspace, changing, spec

PII, ADVICE = "${ref:Guardrail/no-pii}", "${ref:Guardrail/no-advice}"


def guardrail(ws: Workspace, name: str) -> None:
    body = {"guardrail_name": name.replace("-", "_"), "guardrail_prompt": f"Rule {name}."}
    ws.write(name, kind="Guardrail", persona=body)


def graph(ws: Workspace, *guardrail_ids: str) -> None:
    guardrail(ws, "no-pii")
    guardrail(ws, "no-advice")
    ws.write("intake", kind="Persona", persona=spec("intake", guardrail_ids=list(guardrail_ids)))


def writes(emu: Emulator) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r["body"]) for r in emu.requests() if r["method"] != "GET"]


def test_references_are_created_first_sent_as_ids_and_deleted_last(
    ws: Workspace, emu: Emulator
) -> None:
    graph(ws, PII, ADVICE)
    assert ws.run("validate", "manifests").code == 0
    shown = ws.run("plan", "manifests")
    assert shown.code == 0, shown.output
    assert "(known after apply: Guardrail/no-pii)" in shown.stdout
    assert "(known after apply: Guardrail/no-advice)" in shown.stdout
    saved = ws.run("plan", "manifests", "--out", "tfplan")
    assert saved.code == 0, saved.output
    assert "(known after apply: Guardrail/no-pii)" in saved.stdout

    emu.clear_requests()
    applied = ws.run("apply", "tfplan", "--auto-approve")
    assert applied.code == 0 and "3 created" in applied.output, applied.output
    ids = ws.ids()
    sent = writes(emu)
    assert [(m, p) for m, p, _ in sent][-1] == ("POST", "/v2/personas")  # after both guardrails
    assert sent[-1][2]["guardrail_ids"] == [ids["Guardrail/no-pii"], ids["Guardrail/no-advice"]]
    recorded = json.loads(ws.lock_path.read_text())
    assert "${ref:" not in json.dumps(recorded)
    again = ws.run("plan", "manifests", "--detailed-exitcode")
    assert again.code == 0, again.output

    # The persona lets go of one guardrail and its manifest goes: the PATCH comes first.
    ws.write("intake", kind="Persona", persona=spec("intake", guardrail_ids=[ADVICE]))
    (ws.manifests / "guardrail-no-pii.yaml").unlink()
    emu.clear_requests()
    pruned = ws.apply("--prune")
    assert pruned.code == 0, pruned.output
    assert [(m, p) for m, p, _ in writes(emu)] == [
        ("PATCH", f"/v2/personas/{ids['Persona/intake']}"),
        ("DELETE", f"/v2/guardrails/{ids['Guardrail/no-pii']}"),
    ]

    emu.clear_requests()
    destroyed = ws.run("destroy", "--auto-approve")
    assert destroyed.code == 0, destroyed.output
    assert [(m, p) for m, p, _ in writes(emu)] == [
        ("DELETE", f"/v2/personas/{ids['Persona/intake']}"),
        ("DELETE", f"/v2/guardrails/{ids['Guardrail/no-advice']}"),
    ]


def test_a_reference_to_an_undeclared_resource_is_a_validate_error_with_a_suggestion(
    ws: Workspace,
) -> None:
    graph(ws, "${ref:Guardrail/no-pi}")
    result = ws.run("validate", "manifests")
    assert result.code == 1
    assert "manifests/intake.yaml:" in result.output
    assert "Guardrail/no-pi" in result.output and "Did you mean Guardrail/no-pii?" in result.output


def test_a_reference_inside_text_or_to_an_unknown_kind_or_of_the_wrong_kind_is_refused(
    ws: Workspace,
) -> None:
    graph(ws, "${ref:Persona/intake}")
    ws.write(
        "other", kind="Persona", persona=spec("other", context="See ${ref:Guardrail/no-pii} too.")
    )
    ws.write("third", kind="Persona", persona=spec("third", context="${ref:Widget/x}"))
    result = ws.run("validate", "manifests")
    assert result.code == 1
    assert "spec.context contains a reference inside other text" in result.output
    assert "'Widget' is not a kind tavusctl manages" in result.output
    assert "spec.guardrail_ids[0]" in result.output  # a persona is no guardrail


def test_a_cycle_is_a_validate_error(ws: Workspace) -> None:
    ws.write("a", kind="Persona", persona=spec("a", context="${ref:Persona/b}"))
    ws.write("b", kind="Persona", persona=spec("b", context="${ref:Persona/a}"))
    result = ws.run("validate", "manifests")
    assert result.code == 1
    assert "Persona/a -> Persona/b -> Persona/a" in result.output


def test_deleting_a_resource_a_manifest_still_names_by_id_is_a_plan_error(
    ws: Workspace, emu: Emulator
) -> None:
    graph(ws, PII)
    assert ws.apply().code == 0
    uuid = ws.ids()["Guardrail/no-pii"]
    ws.write("intake", kind="Persona", persona=spec("intake", guardrail_ids=[uuid]))  # a plain id
    (ws.manifests / "guardrail-no-pii.yaml").unlink()
    emu.clear_requests()
    result = ws.run("plan", "manifests", "--prune")
    assert result.code == 1
    assert "Guardrail/no-pii" in result.stderr and "Persona/intake" in result.stderr
    assert "Traceback" not in result.output
    assert changing(ws.plan_json()) == []  # without --prune: nothing to do
