"""`tavusctl plan` end to end: the real CLI in a subprocess against the emulator over HTTP.

The lockfile is written by the test, as an earlier apply would have left it; live personas are
created through the emulator's Tavus API and changed behind tavusctl's back with its hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tests.support.emulator import Emulator
from tests.support.planning import SALT, Workspace, actions, kinds, secret_spec, spec

LLM: dict[str, Any] = {"llm": {"model": "m1", "base_url": "https://llm.example.com/v1"}}


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Workspace:
    return Workspace(tmp_path, emulator)


def test_manifests_with_no_lockfile_plan_all_creates(ws: Workspace) -> None:
    ws.write("ann", spec("ann", context="Warm."))
    ws.write("bob", spec("bob"))
    doc = ws.plan_json("--detailed-exitcode", code=2)
    assert kinds(doc) == {"ann": "create", "bob": "create"}
    assert actions(doc)["ann"]["body"] == spec("ann", context="Warm.")
    assert actions(doc)["bob"]["persona_id"] is None
    assert (doc["has_changes"], doc["summary"]["create"]) == (True, 2)
    assert not ws.lock_path.exists(), "plan must never write the lockfile"


def test_a_plan_in_sync_with_lockfile_and_live_is_empty_and_exits_0(ws: Workspace) -> None:
    ws.sync("ann", secret_spec("ann", context="Warm."))
    ws.sync("bob", spec("bob", document_tags=["faq", "pricing"]))
    doc = ws.plan_json("--detailed-exitcode", code=0)
    assert kinds(doc) == {"ann": "noop", "bob": "noop"}
    assert doc["has_changes"] is False
    text = ws.plan("--detailed-exitcode")
    assert text.code == 0, text.output
    assert "No changes." in text.stdout


# One persona per row: how it was applied, the one field changed in its manifest, and the one
# operation expected (a missing parent object is added whole; lists are replaced whole).
ONE_FIELD_CHANGES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "top": ({}, {"persona_name": "Renamed"}, {"op": "replace", "path": "/persona_name", "value": "Renamed", "old": "Top"}),
    "nested": ({"layers": LLM}, {"layers": {"llm": {**LLM["llm"], "model": "m2"}}}, {"op": "replace", "path": "/layers/llm/model", "value": "m2", "old": "m1"}),
    "listed": ({"document_tags": ["faq"]}, {"document_tags": ["faq", "sales"]}, {"op": "replace", "path": "/document_tags", "value": ["faq", "sales"], "old": ["faq"]}),
    "parent": ({"layers": LLM}, {"layers": {**LLM, "perception": {"perception_model": "raven-1"}}}, {"op": "add", "path": "/layers/perception", "value": {"perception_model": "raven-1"}}),
    "prompt": ({"system_prompt": "One.\nTwo.\n"}, {"system_prompt": "One.\n2.\n"}, {"op": "replace", "path": "/system_prompt", "value": "One.\n2.\n", "old": "One.\nTwo.\n"}),
}  # fmt: skip


def test_one_changed_field_is_one_operation_on_that_path_and_exits_2(ws: Workspace) -> None:
    for name, (before, after, _) in ONE_FIELD_CHANGES.items():
        ws.sync(name, spec(name, **before))
        ws.write(name, spec(name, **after))
    ws.sync("same", secret_spec("same"))
    plan = actions(ws.plan_json("--detailed-exitcode", code=2))
    assert plan["same"]["action"] == "noop"
    for name, (_, _, expected) in ONE_FIELD_CHANGES.items():
        want = {**expected, "drift": False, "sensitive": False}
        assert (name, plan[name]["operations"]) == (name, [want])


def test_changes_made_in_the_dashboard_are_shown_as_drift(ws: Workspace) -> None:
    edited = ws.sync("ann", spec("ann"))
    ws.emulator.edit_persona(edited, [{"op": "replace", "path": "/system_prompt", "value": "Hi!"}])
    removed = ws.sync("bob", spec("bob", context="Kind."))
    ws.emulator.edit_persona(removed, [{"op": "remove", "path": "/context"}])
    plan = actions(ws.plan_json())
    assert plan["ann"]["operations"] == [
        {
            "op": "replace",
            "path": "/system_prompt",
            "value": "You are ann.",
            "old": "Hi!",
            "drift": True,
            "sensitive": False,
        }
    ]
    assert plan["bob"]["operations"] == [
        {"op": "add", "path": "/context", "value": "Kind.", "drift": True, "sensitive": False}
    ]
    text = ws.plan().stdout
    for path in ("/system_prompt", "/context"):
        line = next(x for x in text.splitlines() if path in x)
        assert "drift" in line, text


def test_a_string_boolean_set_in_the_dashboard_is_no_change(ws: Workspace) -> None:
    layers = {"llm": {"model": "m1", "speculative_inference": True}}
    pid = ws.sync("ann", spec("ann", layers=layers))
    edit = [{"op": "replace", "path": "/layers/llm/speculative_inference", "value": "true"}]
    assert ws.emulator.edit_persona(pid, edit) is not None
    assert kinds(ws.plan_json("--detailed-exitcode", code=0)) == {"ann": "noop"}


def test_a_long_prompt_kept_in_its_own_file_changes_as_a_line_diff(ws: Workspace) -> None:
    prompt = "".join(f"Rule {i}: be brief.\n" for i in range(30))
    ws.write("ann", spec("ann", system_prompt="${file:prompts/ann.md}"))
    (ws.root / "manifests" / "prompts").mkdir()
    prompt_file = ws.root / "manifests" / "prompts" / "ann.md"
    prompt_file.write_text(prompt)
    ws.record("ann", ws.create_live(spec("ann", system_prompt=prompt)), spec("ann", system_prompt=prompt))  # fmt: skip
    assert kinds(ws.plan_json("--detailed-exitcode", code=0)) == {"ann": "noop"}
    prompt_file.write_text(prompt.replace("Rule 17: be brief.", "Rule 17: be thorough."))
    result = ws.plan()
    assert result.code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "-Rule 17: be brief." in lines and "+Rule 17: be thorough." in lines
    assert "Rule 16: be brief." in lines  # context around the change...
    assert "Rule 3: be brief." not in lines  # ...but not the whole prompt
    assert "Plan: 0 to create, 1 to update, 0 to delete, 0 to recreate." in result.stdout


def test_a_persona_deleted_out_of_band_is_recreated(ws: Workspace) -> None:
    gone = ws.sync("ann", spec("ann"))
    ws.sync("bob", spec("bob"))
    ws.delete_live(gone)
    doc = ws.plan_json("--detailed-exitcode", code=2)
    assert kinds(doc) == {"ann": "recreate", "bob": "noop"}
    assert actions(doc)["ann"]["persona_id"] == gone
    assert actions(doc)["ann"]["body"] == spec("ann")


def test_a_field_dropped_from_the_manifest_that_was_applied_is_removed(ws: Workspace) -> None:
    ws.sync("ann", spec("ann", context="Warm.", document_tags=["faq"]))
    ws.write("ann", spec("ann", document_tags=["faq"]))
    (op,) = actions(ws.plan_json())["ann"]["operations"]
    assert op == {"op": "remove", "path": "/context", "old": "Warm.", "drift": False, "sensitive": False}  # fmt: skip


def test_fields_set_only_by_the_server_are_left_alone(ws: Workspace) -> None:
    ws.emulator.configure(fill_defaults=True)
    defaults = ws.sync("ann", spec("ann"))
    edited = ws.sync("bob", spec("bob"))
    ws.emulator.edit_persona(edited, [{"op": "add", "path": "/context", "value": "Set by hand."}])
    live = {p["persona_id"]: p for p in ws.emulator.list_personas()}
    assert "layers" in live[defaults], "the emulator should have filled layer defaults"
    assert live[edited]["context"] == "Set by hand."
    doc = ws.plan_json("--detailed-exitcode", code=0)
    assert kinds(doc) == {"ann": "noop", "bob": "noop"}


def test_a_lockfile_entry_without_manifest_is_an_orphan_unless_pruning(ws: Workspace) -> None:
    ws.sync("ann", spec("ann"))
    pid = ws.sync("bob", spec("bob"))
    ws.forget_manifest("bob")
    doc = ws.plan_json("--detailed-exitcode", code=0)  # an orphan is not a change
    assert kinds(doc) == {"ann": "noop", "bob": "orphan"}
    pruned = ws.plan_json("--prune", "--detailed-exitcode", code=2)
    assert kinds(pruned) == {"ann": "noop", "bob": "delete"}
    assert actions(pruned)["bob"]["persona_id"] == pid


def test_a_create_whose_result_was_never_recorded_is_planned_again_with_a_warning(
    ws: Workspace,
) -> None:
    ws.write("ann", spec("ann"))
    ws.entries["Persona/ann"] = LockEntry(None, spec("ann"), intent_at="2026-11-25T09:00:00Z")
    lockfile.write(ws.lock_path, Lockfile(salt=SALT, entries=ws.entries))
    doc = ws.plan_json("--detailed-exitcode", code=2)
    assert kinds(doc) == {"ann": "create"}
    (warning,) = doc["warnings"]
    assert "Persona/ann" in warning and "2026-11-25T09:00:00Z" in warning


def test_target_limits_the_plan_to_the_named_personas(ws: Workspace) -> None:
    for name in ("ann", "bob", "cid"):
        ws.sync(name, spec(name))
        ws.write(name, spec(name, context="New."))
    doc = ws.plan_json("--target", "ann", "--target", "Persona/cid")
    assert kinds(doc) == {"ann": "update", "cid": "update"}
    assert doc["targets"] == ["ann", "Persona/cid"]


def test_an_unknown_target_is_an_error_naming_the_known_names(ws: Workspace) -> None:
    ws.sync("ann", spec("ann"))
    ws.write("bob", spec("bob"))
    result = ws.plan("--target", "carl")
    assert result.code == 1
    assert result.stdout == ""
    assert "Unknown target 'carl'" in result.stderr
    assert "ann, bob" in result.stderr
    assert "Traceback" not in result.stderr
