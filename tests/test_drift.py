"""`tavusctl drift`: only what changed outside tavusctl, exit 2 when anything did."""

from __future__ import annotations

import json
from pathlib import Path

from tavusctl.core.model import Location, Resource
from tavusctl.plan.drift import DriftKind, find_drift
from tavusctl.plan.planner import make_plan
from tavusctl.plan.redact import hashed
from tavusctl.state.lockfile import LockEntry, Lockfile
from tests.support.emulator import Emulator
from tests.support.planning import SECRETS, Workspace, secret_spec, spec

SALT = "drift-salt"


def resource(name: str, **spec_fields: object) -> Resource:
    return Resource("Persona", name, dict(spec_fields), Location(f"{name}.yaml", 1, 1))


def test_find_drift_keeps_edits_deletions_and_look_alikes_only() -> None:
    edited = resource("edited", persona_name="Ed", system_prompt="hi")
    changed_in_git = resource("git", persona_name="Git", system_prompt="new")
    deleted = resource("deleted", persona_name="Del", system_prompt="x")
    fresh = resource("fresh", persona_name="Fresh", system_prompt="x")
    lock = Lockfile(
        salt=SALT,
        entries={
            "Persona/edited": LockEntry("p1", hashed(edited.spec, SALT)),
            "Persona/git": LockEntry("p2", {"persona_name": "Git", "system_prompt": "old"}),
            "Persona/deleted": LockEntry("p3", hashed(deleted.spec, SALT)),
        },
    )
    live = {
        "p1": {"persona_id": "p1", "persona_name": "Ed", "system_prompt": "edited live"},
        "p2": {"persona_id": "p2", "persona_name": "Git", "system_prompt": "old"},
        "p9": {"persona_id": "p9", "persona_name": "Fresh", "system_prompt": "hand made"},
        "p8": {"persona_id": "p8", "persona_name": "Somebody else", "system_prompt": "x"},
    }
    resources = [edited, changed_in_git, deleted, fresh]
    report = find_drift(make_plan(resources, lock, live), resources, lock, live)
    assert [(f.kind, f.name, f.persona_id) for f in report.findings] == [
        (DriftKind.DELETED, "deleted", "p3"),
        (DriftKind.EDITED, "edited", "p1"),
        (DriftKind.UNMANAGED, "fresh", "p9"),
    ]
    edit = report.findings[1].action
    assert edit is not None and [op.path for op in edit.operations] == ["/system_prompt"]


def test_no_drift_when_only_the_manifests_changed() -> None:
    git = resource("git", persona_name="Git", system_prompt="new")
    lock = Lockfile(salt=SALT, entries={"Persona/git": LockEntry("p2", {"persona_name": "Git", "system_prompt": "old"})})  # fmt: skip
    live = {"p2": {"persona_id": "p2", "persona_name": "Git", "system_prompt": "old"}}
    assert not find_drift(make_plan([git], lock, live), [git], lock, live).has_drift


def _drift(ws: Workspace, *args: str) -> tuple[int, str, str]:
    from tests.support.cli import run_cli

    env = {**ws.emulator.env, **ws.env}
    result = run_cli("drift", "manifests", *args, cwd=ws.root, env=env)
    return result.code, result.stdout, result.stderr


def test_drift_end_to_end_exit_codes_and_every_format(tmp_path: Path, emulator: Emulator) -> None:
    ws = Workspace(tmp_path, emulator)
    bob = ws.sync("bob", secret_spec("bob"))
    gone = ws.sync("gone", spec("gone"))
    ws.write("new", spec("new"))  # not applied yet: a create, not drift
    code, out, err = _drift(ws)
    assert (code, out.strip()) == (
        0,
        "No drift: the account matches what tavusctl last applied.",
    ), err
    emulator.edit_persona(bob, [{"op": "replace", "path": "/system_prompt", "value": "Edited."}])
    ws.delete_live(gone)
    twin = ws.create_live(spec("new"))
    before = ws.lock_path.read_bytes()
    code, out, err = _drift(ws)
    assert code == 2, err
    assert "Persona/bob (Bob) " + bob + ": changed outside tavusctl" in out
    assert '~ /system_prompt: "Edited." -> "You are bob."' in out
    assert f"fix: adopt it with tavusctl import new {twin}" in out
    assert out.rstrip().endswith("Drift: 1 edited, 1 deleted, 1 unmanaged look-alike.")
    code, out, _ = _drift(ws, "--format", "json")
    doc = json.loads(out)
    assert code == 2 and [f["kind"] for f in doc["findings"]] == ["edited", "deleted", "unmanaged"]
    code, out, _ = _drift(ws, "--format", "markdown")
    assert code == 2 and out.startswith("<!-- tavusctl-drift -->\n### tavusctl drift")
    assert f"| `gone` Gone | deleted | `{gone}` | `tavusctl apply` creates it again |" in out
    assert all(secret not in out for secret in SECRETS.values())
    assert ws.lock_path.read_bytes() == before  # drift writes nothing
