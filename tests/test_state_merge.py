"""Merging lockfiles: the three-way entry merge, and ``tavusctl state merge-driver`` under git."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tavusctl.state.lockfile import Account, LockEntry, Lockfile
from tavusctl.state.merge import merge
from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace, spec

SALT = "00" * 16


def lock(**ids: str | None) -> Lockfile:
    return Lockfile(
        salt=SALT,
        entries={f"Persona/{k}": LockEntry(v, {"persona_name": k}) for k, v in ids.items()},
    )


def test_an_entry_changed_on_one_side_takes_that_side() -> None:
    base = lock(a="p1", b="p2")
    ours = lock(a="p1", b="p2", c="p3")  # ours created c
    theirs = lock(a="p9", b="p2")  # theirs recreated a

    merged = merge(base, ours, theirs)

    assert {k: e.id for k, e in merged.lock.entries.items()} == {
        "Persona/a": "p9",
        "Persona/b": "p2",
        "Persona/c": "p3",
    }
    assert merged.conflicts == ()


def test_a_delete_on_one_side_is_merged_and_an_update_against_a_delete_keeps_the_id() -> None:
    base = lock(a="p1", b="p2")
    ours = lock(a="p1")  # ours pruned b
    theirs = Lockfile(
        salt=SALT,
        entries={
            "Persona/a": LockEntry("p1", {"persona_name": "A2"}),  # theirs updated a
            "Persona/b": LockEntry("p2", {"persona_name": "b"}),
        },
    )

    merged = merge(base, ours, theirs)

    assert set(merged.lock.entries) == {"Persona/a"}
    assert merged.lock.entries["Persona/a"].applied == {"persona_name": "A2"}
    gone = merge(base, lock(a="p1"), lock(a="p1", b="p5"))  # theirs recreated what ours deleted
    assert gone.lock.entries["Persona/b"].id == "p5" and gone.notes


def test_both_sides_creating_one_persona_is_a_conflict_naming_both_ids() -> None:
    merged = merge(lock(), lock(c="p3"), lock(c="p4"))

    assert merged.lock.entries["Persona/c"].id == "p3"
    assert len(merged.conflicts) == 1
    assert "p3 (ours, kept)" in merged.conflicts[0] and "p4 (theirs" in merged.conflicts[0]


def test_no_common_ancestor_merges_both_sides() -> None:
    merged = merge(None, lock(a="p1"), lock(b="p2"))

    assert {k: e.id for k, e in merged.lock.entries.items()} == {
        "Persona/a": "p1",
        "Persona/b": "p2",
    }


def test_an_account_changed_on_one_side_only_takes_that_side() -> None:
    rotated = Account("https://tavusapi.com", "hmac-sha256:new")
    base = dataclasses.replace(lock(a="p1"), account=Account("https://tavusapi.com", "x"))

    merged = merge(base, base, dataclasses.replace(base, account=rotated))

    assert merged.lock.account == rotated


# --- under git, through the real CLI -------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, emulator: Emulator) -> Iterator[Workspace]:
    """A git repository with the merge driver set up; ann and bob applied and committed."""
    ws = Workspace(tmp_path, dataclasses.replace(emulator, api_key=API_KEY).url)
    git(ws, "init", "-q", "-b", "main")
    git(ws, "config", "user.email", "t@example.com")
    git(ws, "config", "user.name", "T")
    driver = f"{sys.executable} -m tavusctl state merge-driver %O %A %B"
    git(ws, "config", "merge.tavusctl.driver", driver)
    (tmp_path / ".gitattributes").write_text("tavus.lock merge=tavusctl\n")
    for name in ("ann", "bob"):
        ws.write(name)
    assert ws.apply().code == 0
    commit(ws, "base")
    yield ws
    assert ws.leaks() == []


def git(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=ws.root, capture_output=True, text=True, check=False, timeout=60
    )


def commit(ws: Workspace, message: str) -> None:
    git(ws, "add", "-A")
    assert git(ws, "commit", "-q", "-m", message).returncode == 0


def change_prompt(ws: Workspace, name: str, prompt: str) -> None:
    """Change one persona and apply that manifest only (the other branch's change is not here)."""
    path = ws.write(name, spec(name, system_prompt=prompt))
    assert ws.run("apply", str(path.relative_to(ws.root)), "--auto-approve").code == 0


def merge_a_branch_that_changed_another_persona(
    repo: Workspace,
) -> subprocess.CompletedProcess[str]:
    """``other`` applies a change to ann, ``main`` one to bob; ``other`` is merged into main."""
    git(repo, "checkout", "-q", "-b", "other")
    change_prompt(repo, "ann", "Ann, as changed on the other branch.")
    commit(repo, "ann")
    git(repo, "checkout", "-q", "main")
    change_prompt(repo, "bob", "Bob, as changed on main.")
    commit(repo, "bob")

    merged = git(repo, "merge", "-q", "--no-edit", "other")
    return merged


def test_branches_that_applied_changes_to_different_personas_merge_cleanly(
    repo: Workspace,
) -> None:
    merged = merge_a_branch_that_changed_another_persona(repo)

    assert merged.returncode == 0, merged.stdout + merged.stderr
    plan = repo.run("plan", "manifests", "--detailed-exitcode")
    assert plan.code == 0, plan.output  # both changes recorded: nothing to do


def test_without_the_driver_unrelated_entries_never_conflict(repo: Workspace) -> None:
    git(repo, "config", "--unset", "merge.tavusctl.driver")
    (repo.root / ".gitattributes").unlink()
    commit(repo, "no driver")
    merged = merge_a_branch_that_changed_another_persona(repo)

    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert repo.run("plan", "manifests", "--detailed-exitcode").code == 0


def test_both_branches_creating_one_persona_is_refused_naming_both_ids(repo: Workspace) -> None:
    git(repo, "checkout", "-q", "-b", "other")
    repo.write("cid")
    assert repo.apply().code == 0
    theirs = repo.ids()["Persona/cid"]
    commit(repo, "cid on other")
    git(repo, "checkout", "-q", "main")
    repo.write("cid")
    assert repo.apply("--allow-duplicate-names").code == 0  # the twin check would stop it
    ours = repo.ids()["Persona/cid"]
    commit(repo, "cid on main")

    merged = git(repo, "merge", "--no-edit", "other")

    assert merged.returncode != 0
    output = merged.stdout + merged.stderr
    assert f"{ours} (ours, kept)" in output and f"{theirs} (theirs, not recorded)" in output
    data = json.loads(repo.lock_path.read_text())  # still a valid lockfile: ours kept
    assert data["resources"]["Persona/cid"]["id"] == ours
