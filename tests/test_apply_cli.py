"""``tavusctl apply`` end to end: the real CLI in a subprocess against the emulator over HTTP.

Every test works in a :class:`~tests.support.workspace.Workspace` whose manifests hold a secret
(``${env:LLM_API_KEY}``) and whose account key is distinctive; the fixture fails the test if
either value appears in anything the CLI printed or any file it left behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import httpx
import pytest

from tavusctl.api.client import TavusClient
from tavusctl.api.retry import RetryPolicy
from tavusctl.apply.execute import ApplyResult, execute
from tavusctl.commands.common import Console, Inputs, prepare
from tavusctl.core import pointer
from tavusctl.state import lockfile
from tavusctl.state.store import LockfileStore
from tests.support.cli import Result
from tests.support.emulator import Emulator
from tests.support.fixtures import NAMES, writes
from tests.support.workspace import API_KEY, SECRET, SECRET_ENV, Workspace, changing, spec


def live(emu: Emulator) -> dict[str, dict[str, Any]]:
    """The account's personas by id."""
    return {p["persona_id"]: p for p in emu.list_personas()}


def refused_and_untouched(ws: Workspace, emu: Emulator, before: bytes | None) -> None:
    """Nothing was sent that writes, and the lockfile is byte for byte as it was."""
    assert writes(emu) == []
    after = ws.lock_path.read_bytes() if ws.lock_path.exists() else None
    assert after == before


# --- apply from manifests ------------------------------------------------------------------


def test_apply_creates_every_persona_and_records_its_id(ws: Workspace, emu: Emulator) -> None:
    for name in NAMES:
        ws.write(name)

    result = ws.apply()

    assert result.code == 0, result.output
    assert "3 created" in result.stdout
    personas = live(emu)
    ids = ws.ids()
    assert sorted(ids) == [f"Persona/{n}" for n in NAMES]
    assert set(ids.values()) == set(personas)
    for key, pid in ids.items():
        name = key.removeprefix("Persona/")
        assert personas[str(pid)]["persona_name"] == f"Persona {name}"
        assert personas[str(pid)]["system_prompt"] == f"You are {name}."
        assert personas[str(pid)]["layers"]["llm"]["api_key"] == SECRET


def test_a_second_plan_after_apply_is_empty(ws: Workspace, applied: dict[str, str]) -> None:
    result = ws.run("plan", "manifests", "--detailed-exitcode")

    assert result.code == 0, result.output
    assert "No changes" in result.stdout


def test_apply_with_nothing_to_do_says_so_exits_0_and_writes_nothing(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    before = ws.lock_path.read_bytes()

    result = ws.run("apply", "manifests")  # no --auto-approve: nothing to approve

    assert result.code == 0, result.output
    assert "No changes" in result.stdout
    refused_and_untouched(ws, emu, before)


def test_an_edited_manifest_is_planned_as_one_operation_and_applied(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    ws.write("bob", spec("bob", system_prompt="You are Bob, now terse."))

    plan = ws.plan_json()
    result = ws.apply()

    update = next(a for a in plan["actions"] if a["action"] == "update")
    assert changing(plan) == [("update", "Persona/bob")]
    assert [(o["op"], o["path"]) for o in update["operations"]] == [("replace", "/system_prompt")]
    assert result.code == 0, result.output
    assert live(emu)[applied["bob"]]["system_prompt"] == "You are Bob, now terse."
    assert ws.lock().entries["Persona/bob"].applied["system_prompt"] == "You are Bob, now terse."
    [patch] = writes(emu)
    assert patch["method"] == "PATCH" and patch["path"] == f"/v2/personas/{applied['bob']}"
    assert patch["body"] == [
        {"op": "test", "path": "/system_prompt", "value": "You are bob."},
        {"op": "replace", "path": "/system_prompt", "value": "You are Bob, now terse."},
    ]
    assert changing(ws.plan_json()) == []


def test_a_dashboard_edit_is_shown_as_drift_and_reverted_but_unmanaged_fields_stay(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    emu.edit_persona(
        applied["ann"],
        [
            {"op": "replace", "path": "/persona_name", "value": "Renamed in the dashboard"},
            {"op": "add", "path": "/default_replica_id", "value": "r90bbd427f71"},
        ],
    )

    plan = ws.plan_json()
    result = ws.apply()

    [update] = [a for a in plan["actions"] if a["action"] == "update"]
    assert update["key"] == "Persona/ann"
    assert [(o["path"], o["drift"]) for o in update["operations"]] == [("/persona_name", True)]
    assert result.code == 0, result.output
    persona = live(emu)[applied["ann"]]
    assert persona["persona_name"] == "Persona ann"
    assert persona["default_replica_id"] == "r90bbd427f71"
    assert changing(ws.plan_json()) == []


def test_a_removed_manifest_leaves_its_persona_alone_without_prune(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    (ws.manifests / "cid.yaml").unlink()

    result = ws.apply()

    assert result.code == 0, result.output
    assert "Persona/cid" in result.stdout and "--prune" in result.stdout  # says how to delete
    assert applied["cid"] in live(emu)
    assert ws.ids()["Persona/cid"] == applied["cid"]
    assert writes(emu) == []


def test_prune_deletes_the_persona_of_a_removed_manifest_and_nothing_unmanaged(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    stranger = emu.create_persona({"persona_name": "Made by hand", "system_prompt": "Hi."})
    (ws.manifests / "cid.yaml").unlink()

    plan = ws.plan_json("--prune")
    result = ws.apply("--prune")

    assert changing(plan) == [("delete", "Persona/cid")]
    assert result.code == 0, result.output
    assert set(live(emu)) == {applied["ann"], applied["bob"], stranger}
    assert sorted(ws.ids()) == ["Persona/ann", "Persona/bob"]
    assert [(r["method"], r["path"]) for r in writes(emu)] == [
        ("DELETE", f"/v2/personas/{applied['cid']}")
    ]


def test_a_persona_deleted_in_the_dashboard_is_created_again_under_a_new_id(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    gone = httpx.delete(f"{emu.url}/v2/personas/{applied['ann']}", headers={"x-api-key": API_KEY})
    assert gone.status_code < 300

    plan = ws.plan_json()
    result = ws.apply()

    assert changing(plan) == [("recreate", "Persona/ann")]
    assert result.code == 0, result.output
    new_id = ws.ids()["Persona/ann"]
    assert new_id not in (None, applied["ann"])
    assert set(live(emu)) == {new_id, applied["bob"], applied["cid"]}
    assert changing(ws.plan_json()) == []


def test_a_delete_that_landed_but_whose_answers_were_lost_is_finished_by_the_next_prune(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    (ws.manifests / "cid.yaml").unlink()
    path = f"/v2/personas/{applied['cid']}"
    emu.inject("DELETE", path, drop=True, after_write=True, count=RetryPolicy().attempts)

    lost = ws.apply("--prune")
    again = ws.apply("--prune")

    assert lost.code == 1 and "failed: Persona/cid" in lost.stdout
    assert again.code == 0, again.output
    assert sorted(ws.ids()) == ["Persona/ann", "Persona/bob"]
    assert set(live(emu)) == {applied["ann"], applied["bob"]}


def test_apply_without_a_terminal_or_auto_approve_refuses_and_writes_nothing(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("ann")

    result = ws.run("apply", "manifests", input="yes\n")  # a pipe, even one saying yes

    assert result.code == 1
    assert "Persona/ann will be created" in result.stdout  # the plan is shown, then refused
    assert "--auto-approve" in result.stderr
    assert "Traceback" not in result.output
    refused_and_untouched(ws, emu, None)
    assert emu.list_personas() == []


def run_on_a_terminal(ws: Workspace, typed: str, *args: str) -> Result:
    """Run ``tavusctl ARGS`` with a pseudo-terminal as standard input, on which ``typed`` is typed."""
    controller, terminal = os.openpty()
    try:
        proc = ws.start(*args, stdin=terminal)
        os.write(controller, typed.encode())
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(terminal)
        os.close(controller)
    result = Result(proc.returncode, out, err)
    ws.results.append(result)
    return result


@pytest.mark.parametrize(
    ("typed", "code", "created"), [("yes\n", 0, 1), ("y\n", 1, 0), ("\n", 1, 0)]
)
def test_on_a_terminal_apply_asks_and_only_a_typed_yes_approves(
    ws: Workspace, emu: Emulator, typed: str, code: int, created: int
) -> None:
    ws.write("ann")

    result = run_on_a_terminal(ws, typed, "apply", "manifests")

    assert result.code == code, result.output
    assert "Only 'yes' will be accepted" in result.stdout
    assert len(emu.list_personas()) == created
    assert ws.lock_path.exists() == bool(created)


def test_a_target_limits_apply_to_that_persona(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    for name in NAMES:
        ws.write(name, spec(name, system_prompt=f"You are {name}, version 2."))

    result = ws.apply("--target", "bob")

    assert result.code == 0, result.output
    assert [r["path"] for r in writes(emu)] == [f"/v2/personas/{applied['bob']}"]
    assert changing(ws.plan_json()) == [("update", "Persona/ann"), ("update", "Persona/cid")]


def test_an_unreadable_lockfile_stops_apply_and_is_left_as_it_was(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    ws.write("dan")
    ws.lock_path.write_text('{"version": 1, "resources": {', encoding="utf-8")

    result = ws.apply()

    assert result.code == 1
    assert "tavus.lock" in result.stderr and "not valid JSON" in result.stderr
    assert "Traceback" not in result.output
    refused_and_untouched(ws, emu, b'{"version": 1, "resources": {')


@pytest.mark.parametrize(
    ("status", "count"),
    [(400, 1), (500, RetryPolicy().attempts)],  # a 500 on PATCH is retried: fail every attempt
)
def test_one_failing_persona_does_not_stop_the_others_and_a_rerun_finishes(
    ws: Workspace, emu: Emulator, applied: dict[str, str], status: int, count: int
) -> None:
    for name in NAMES:
        ws.write(name, spec(name, system_prompt=f"You are {name}, version 2."))
    emu.inject("PATCH", f"/v2/personas/{applied['bob']}", status=status, count=count)

    first = ws.apply()

    assert first.code == 1
    assert "failed: Persona/bob" in first.stdout
    assert "2 updated" in first.stdout
    personas = live(emu)
    assert personas[applied["ann"]]["system_prompt"] == "You are ann, version 2."
    assert personas[applied["cid"]]["system_prompt"] == "You are cid, version 2."
    assert personas[applied["bob"]]["system_prompt"] == "You are bob."
    assert ws.lock().entries["Persona/bob"].applied["system_prompt"] == "You are bob."

    second = ws.apply()

    assert second.code == 0, second.output
    assert "1 updated" in second.stdout
    assert live(emu)[applied["bob"]]["system_prompt"] == "You are bob, version 2."
    assert changing(ws.plan_json()) == []


def test_a_patch_that_landed_unrecorded_is_recorded_so_a_later_removal_is_applied(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    """Every answer to the PATCH is lost after the write: the next apply finds nothing to
    change, but must record what is live now, or removing the field later does nothing."""
    ws.write("bob", spec("bob", default_replica_id="r90bbd427f71"))
    path = f"/v2/personas/{applied['bob']}"
    emu.inject("PATCH", path, drop=True, after_write=True, count=RetryPolicy().attempts)

    lost = ws.apply()
    settled = ws.apply()
    ws.write("bob")  # default_replica_id taken out of the manifest again
    removed = ws.apply()

    assert lost.code == 1 and "failed: Persona/bob" in lost.stdout
    assert settled.code == 0, settled.output
    assert removed.code == 0, removed.output
    assert "default_replica_id" not in live(emu)[applied["bob"]]
    assert "default_replica_id" not in ws.lock().entries["Persona/bob"].applied


def test_a_dashboard_edit_during_apply_fails_the_patch_and_is_kept(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    """The emulator answers slowly, so the edit lands after the plan's read, before the PATCH."""
    ws.write("bob", spec("bob", system_prompt="You are Bob, from the manifest."))
    emu.configure(latency_ms=400)
    proc = ws.start("apply", "manifests", "--auto-approve")
    wait_for_answered_list(emu)
    emu.edit_persona(
        applied["bob"],
        [{"op": "replace", "path": "/system_prompt", "value": "You are Bob, from the dashboard."}],
    )
    out, err = proc.communicate(timeout=60)
    ws.results.append(Result(proc.returncode, out, err))

    assert proc.returncode == 1, out + err
    assert "failed: Persona/bob" in out
    assert live(emu)[applied["bob"]]["system_prompt"] == "You are Bob, from the dashboard."
    assert ws.lock().entries["Persona/bob"].applied["system_prompt"] == "You are bob."
    patches = [r for r in writes(emu) if r["method"] == "PATCH"]
    assert patches and all(r["body"][0]["op"] == "test" for r in patches)


def test_an_edit_between_plan_and_patch_fails_the_patch_on_its_test_and_is_kept(
    ws: Workspace, emu: Emulator, applied: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planned and executed by the library over HTTP, with a dashboard edit in between."""
    ws.write("bob", spec("bob", system_prompt="You are Bob, from the manifest."))
    ws.write("cid", spec("cid", persona_name="Cid, renamed by the manifest"))
    dashboard = "You are Bob, from the dashboard."

    async def plan_edit_execute() -> ApplyResult:
        inputs = Inputs(paths=(ws.manifests,))
        console = Console(out=lambda _t: None, err=lambda _t: None)
        async with TavusClient(ws.url, API_KEY) as client:
            planned = await prepare(client, inputs, LockfileStore(ws.lock_path), console)
            emu.edit_persona(
                applied["bob"], [{"op": "replace", "path": "/system_prompt", "value": dashboard}]
            )
            with lockfile.exclusive(ws.lock_path):
                return await execute(
                    planned.plan, client, LockfileStore(ws.lock_path), planned.lock
                )

    monkeypatch.setenv(SECRET_ENV, SECRET)  # the manifests read it
    result = asyncio.run(plan_edit_execute())

    status = {o.key: o.status for o in result.outcomes}
    assert status == {"Persona/bob": "failed", "Persona/cid": "succeeded"}
    personas = live(emu)
    assert personas[applied["bob"]]["system_prompt"] == dashboard
    assert personas[applied["cid"]]["persona_name"] == "Cid, renamed by the manifest"
    assert ws.lock().entries["Persona/bob"].applied["system_prompt"] == "You are bob."
    [bob_patch] = [r for r in writes(emu) if r["path"] == f"/v2/personas/{applied['bob']}"]
    assert bob_patch["body"][0] == {
        "op": "test",
        "path": "/system_prompt",
        "value": "You are bob.",
    }
    assert bob_patch["status"] in (400, 409, 412, 422)


def wait_for_answered_list(emu: Emulator) -> None:
    """Wait until the emulator has answered a list of the account's personas."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(r["method"] == "GET" and r["status"] for r in emu.requests()):
            return
        time.sleep(0.01)
    raise AssertionError("apply never listed the personas")


# --- saved plans ---------------------------------------------------------------------------


def test_a_saved_plan_is_applied_exactly_without_a_question(ws: Workspace, emu: Emulator) -> None:
    for name in NAMES:
        ws.write(name)

    saved = ws.run("plan", "manifests", "-o", "plan.json")
    result = ws.run("apply", "plan.json", input="")  # no terminal, no --auto-approve

    assert saved.code == 0, saved.output
    assert result.code == 0, result.output
    assert "3 created" in result.stdout
    assert set(ws.ids().values()) == set(live(emu))
    assert changing(ws.plan_json()) == []


def test_a_saved_plan_holds_no_secret_but_its_creates_send_it(ws: Workspace, emu: Emulator) -> None:
    ws.write("ann")

    ws.run("plan", "manifests", "-o", "plan.json")
    text = (ws.root / "plan.json").read_text()
    result = ws.run("apply", "plan.json")

    assert SECRET not in text and API_KEY not in text
    assert result.code == 0, result.output
    [persona] = emu.list_personas()
    assert persona["layers"]["llm"]["api_key"] == SECRET


def test_a_saved_plan_made_with_prune_deletes_when_applied(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    (ws.manifests / "cid.yaml").unlink()

    ws.run("plan", "manifests", "--prune", "-o", "plan.json")
    result = ws.run("apply", "plan.json")

    assert result.code == 0, result.output
    assert set(live(emu)) == {applied["ann"], applied["bob"]}
    assert sorted(ws.ids()) == ["Persona/ann", "Persona/bob"]


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        ("/system_prompt", "/system_prompt is no longer what the plan saw"),  # the planned field
        ("/persona_name", "edited outside tavusctl"),  # another field
    ],
)
def test_a_saved_plan_is_refused_after_a_dashboard_edit_naming_the_persona(
    ws: Workspace, emu: Emulator, applied: dict[str, str], path: str, sentence: str
) -> None:
    ws.write("bob", spec("bob", system_prompt="You are Bob, from the manifest."))
    ws.run("plan", "manifests", "-o", "plan.json")
    emu.edit_persona(applied["bob"], [{"op": "replace", "path": path, "value": "Dashboard"}])
    before = ws.lock_path.read_bytes()

    result = ws.run("apply", "plan.json")

    assert result.code == 1
    assert "Persona/bob" in result.stderr
    assert sentence in result.stderr
    assert "plan -o" in result.stderr
    refused_and_untouched(ws, emu, before)
    assert pointer.resolve(live(emu)[applied["bob"]], path) == "Dashboard"


def _edit_another_manifest(ws: Workspace) -> None:
    ws.write("cid", spec("cid", system_prompt="You are Cid, changed after the plan."))


def _apply_from_manifests_meanwhile(ws: Workspace) -> None:
    assert ws.apply().code == 0  # a colleague applied: the lockfile changed


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            _edit_another_manifest,
            "Persona/cid (manifests/cid.yaml) changed since the plan was saved",
        ),
        (_apply_from_manifests_meanwhile, "lockfile changed"),
    ],
)
def test_a_saved_plan_is_refused_when_its_manifests_or_lockfile_changed(
    ws: Workspace, emu: Emulator, applied: dict[str, str], change: Any, words: str
) -> None:
    ws.write("bob", spec("bob", system_prompt="You are Bob, planned."))
    ws.run("plan", "manifests", "-o", "plan.json")
    change(ws)
    emu.clear_requests()
    before = ws.lock_path.read_bytes()

    result = ws.run("apply", "plan.json")

    assert result.code == 1
    assert words in result.stderr
    refused_and_untouched(ws, emu, before)


def test_a_saved_plan_is_refused_when_its_secret_changed_since_naming_the_variable(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    ws.write("dan")  # a create: the plan file holds a reference to the secret, with its hash
    ws.run("plan", "manifests", "-o", "plan.json")
    before = ws.lock_path.read_bytes()

    result = ws.run("apply", "plan.json", **{SECRET_ENV: "another-secret-value-0000"})

    assert result.code == 1
    # The first persona whose secret it is: every persona records the secret's hash.
    assert "Persona/ann" in result.stderr
    assert SECRET_ENV in result.stderr
    refused_and_untouched(ws, emu, before)
    assert "another-secret-value-0000" not in result.output


# --- the lockfile lock ---------------------------------------------------------------------


def test_apply_is_refused_while_another_run_holds_the_lockfile(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    ws.write("bob", spec("bob", system_prompt="You are Bob, planned."))
    before = ws.lock_path.read_bytes()

    with lockfile.exclusive(ws.lock_path):
        result = ws.apply()

    assert result.code == 1
    assert f"pid {os.getpid()}" in result.stderr
    assert "Traceback" not in result.output
    refused_and_untouched(ws, emu, before)
    assert emu.requests() == []  # refused before reading the account


# --- secrets -------------------------------------------------------------------------------


def test_no_output_or_file_of_a_whole_workflow_holds_the_secret_or_the_api_key(
    ws: Workspace, emu: Emulator
) -> None:
    for name in NAMES:
        ws.write(name)
    runs = [
        ("-vv", "apply", "manifests", "--auto-approve"),
        ("-vv", "plan", "manifests", "--format", "json"),
        ("-vv", "plan", "manifests", "--format", "markdown", "-o", "saved.json"),
        ("-vv", "state", "show", "ann", "--format", "json"),
    ]
    for args in runs:
        assert ws.run(*args).code == 0
    rotated = {SECRET_ENV: SECRET[::-1]}  # a rotated secret: an update of a secret field
    assert ws.run("-vv", "plan", "manifests", "-o", "rotate.json", **rotated).code == 0
    assert ws.run("-vv", "apply", "rotate.json", **rotated).code == 0
    assert ws.run("-vv", "apply", "manifests", "--auto-approve").code == 0  # and back

    assert ws.leaks() == []
    assert SECRET[::-1].encode() not in b"".join(
        p.read_bytes() for p in ws.root.rglob("*") if p.is_file()
    )
    assert all(SECRET[::-1] not in r.output for r in ws.results)
    [persona] = [p for p in emu.list_personas() if p["persona_name"] == "Persona ann"]
    assert persona["layers"]["llm"]["api_key"] == SECRET
    assert json.loads((ws.root / "saved.json").read_text())  # the saved plan is there to scan
