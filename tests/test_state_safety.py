"""State you cannot lose: everyday mistakes with ``tavus.lock`` never duplicate or orphan a persona.

Each test is one scenario a team meets (wrong folder, another account's key, a lockfile that a
failed CI run never committed or a checkout dropped, a merge, a prune of one file), run through
the real CLI against the emulator; each ends with a message naming the cause and the way out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.emulator import Emulator
from tests.support.fixtures import NAMES, writes
from tests.support.workspace import API_KEY, Workspace, spec

pytestmark = pytest.mark.repository_root


def names_on_account(emu: Emulator) -> list[str]:
    return sorted(p["persona_name"] for p in emu.list_personas())


# --- 1. the lockfile is found the way git finds .git ---------------------------------------


def test_apply_from_a_subfolder_finds_the_projects_lockfile(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    result = ws.run("apply", "--auto-approve", cwd_sub="manifests")

    assert result.code == 0, result.output
    assert "No changes" in result.stdout
    assert writes(emu) == []
    assert not (ws.manifests / "tavus.lock").exists()
    assert names_on_account(emu) == ["Persona ann", "Persona bob", "Persona cid"]


def test_a_plan_without_any_lockfile_says_so_first(ws: Workspace) -> None:
    ws.write("ann")
    (ws.root / "sub").mkdir()

    result = ws.run("plan", "../manifests", cwd_sub="sub")

    assert result.code == 0, result.output
    assert "No lockfile found (looked for tavus.lock from" in result.stderr
    assert f"up to {ws.root})" in result.stderr
    assert "import --by-name" in result.stderr
    assert "1 to create" in result.stdout


def test_the_lockfile_is_created_beside_the_project_file(ws: Workspace) -> None:
    ws.write("ann")
    (ws.root / "tavusctl.yaml").write_text("apiVersion: tavusctl/v1\nkind: Project\n")

    result = ws.run("apply", ".", "--auto-approve", cwd_sub="manifests")

    assert result.code == 0, result.output
    assert ws.lock_path.exists()
    assert not (ws.manifests / "tavus.lock").exists()
    assert ws.lock().entries["Persona/ann"].file == "manifests/ann.yaml"


def test_the_project_file_may_name_the_lockfile(ws: Workspace) -> None:
    ws.write("ann")
    (ws.root / "tavusctl.yaml").write_text("state: state/main.lock\n")
    (ws.root / "state").mkdir()

    result = ws.apply()

    assert result.code == 0, result.output
    entry = json.loads((ws.root / "state" / "main.lock").read_text())["resources"]["Persona/ann"]
    assert entry["file"] == "../manifests/ann.yaml"
    assert not ws.lock_path.exists()


def test_tavusctl_lockfile_names_the_lockfile(ws: Workspace) -> None:
    ws.write("ann")

    result = ws.run("apply", "manifests", "--auto-approve", TAVUSCTL_LOCKFILE="other.lock")

    assert result.code == 0, result.output
    assert (ws.root / "other.lock").exists() and not ws.lock_path.exists()


def test_global_options_work_after_the_command(ws: Workspace, emu: Emulator) -> None:
    ws.write("ann")

    result = ws.run(
        "apply", "manifests", "--auto-approve", "--lockfile", "late.lock", "-vv",
        "--api-url", emu.url, TAVUS_API_URL="http://tavusapi.invalid",
    )  # fmt: skip

    assert result.code == 0, result.output
    assert (ws.root / "late.lock").exists()
    assert "POST /v2/personas" in result.stderr  # -vv: every request


def test_global_options_work_after_subgroup_and_kit_commands(
    ws: Workspace, applied: dict[str, str]
) -> None:
    ws.lock_path.rename(ws.root / "moved.lock")

    listed = ws.run("state", "list", "--lockfile", "moved.lock")
    drift = ws.run("drift", "manifests", "--lockfile", "moved.lock")

    assert listed.code == 0, listed.output
    assert applied["ann"] in listed.stdout
    assert drift.code == 0, drift.output


@pytest.mark.parametrize(
    "option", [["-out=saved.plan"], ["-o", "saved.plan"], ["-out", "saved.plan"]]
)
def test_plan_out_is_written_whichever_way_it_is_spelt(ws: Workspace, option: list[str]) -> None:
    ws.write("ann")

    result = ws.run("plan", "manifests", *option)

    assert result.code == 0, result.output
    assert (ws.root / "saved.plan").exists()
    assert not (ws.root / "ut=saved.plan").exists()


# --- 2. the lockfile is bound to its account -----------------------------------------------


def test_another_accounts_key_is_refused_before_planning(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    before = ws.lock_path.read_bytes()

    plan = ws.run("plan", "manifests", TAVUS_API_KEY="tvs-other-account-key")
    apply = ws.run("apply", "manifests", "--auto-approve", TAVUS_API_KEY="tvs-other-account-key")

    for result in (plan, apply):
        assert result.code == 1
        assert "None of the 3 persona ids recorded in tavus.lock exist" in result.stderr
        assert "last applied with a different API key" in result.stderr
        assert "--allow-recreate-all" in result.stderr and "state rm" in result.stderr
        assert "Traceback" not in result.stderr
    assert ws.lock_path.read_bytes() == before
    assert writes(emu) == []
    assert ws.run("plan", "manifests").code == 0  # the right key still plans no change


def test_destroy_with_another_accounts_key_forgets_nothing(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    before = ws.lock_path.read_bytes()

    result = ws.run("destroy", "--auto-approve", TAVUS_API_KEY="tvs-other-account-key")

    assert result.code == 1
    assert "Destroying now would delete nothing" in result.stderr
    assert ws.lock_path.read_bytes() == before


def test_drift_with_another_accounts_key_is_refused_not_reported_as_deletions(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    result = ws.run("drift", "manifests", TAVUS_API_KEY="tvs-other-account-key")

    assert result.code == 1
    assert "None of the 3 persona ids recorded in tavus.lock exist" in result.stderr
    assert "last applied with a different API key" in result.stderr
    assert "deleted" not in result.stdout
    assert "Traceback" not in result.stderr


def test_allow_recreate_all_recreates_personas_really_deleted(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    for pid in applied.values():
        emu.admin.delete(f"{emu.url}/v2/personas/{pid}", headers={"x-api-key": emu.api_key})

    refused = ws.run("plan", "manifests")
    allowed = ws.run("apply", "manifests", "--auto-approve", "--allow-recreate-all")

    assert refused.code == 1 and "deleted outside tavusctl" in refused.stderr
    assert allowed.code == 0, allowed.output
    assert len(emu.list_personas()) == 3


def test_a_new_api_url_for_the_same_account_updates_the_fingerprint_quietly(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    first = ws.lock().account
    other_url = emu.url.replace("127.0.0.1", "localhost")

    result = ws.apply(TAVUS_API_URL=other_url)

    assert result.code == 0, result.output
    assert "No changes" in result.stdout
    after = ws.lock().account
    assert first is not None and after is not None
    assert after.api_url == other_url and after.key_fingerprint != first.key_fingerprint
    assert API_KEY not in ws.lock_path.read_text()


# --- 3. no twin creates --------------------------------------------------------------------


def test_a_lost_lockfile_blocks_the_creates_and_import_by_name_recovers(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    ws.lock_path.unlink()  # a CI run that failed never committed it; a fresh clone

    plan = ws.run("plan", "manifests", "--detailed-exitcode")
    apply = ws.apply()
    recovered = ws.run("import", "--by-name", "manifests")
    after = ws.run("plan", "manifests", "--detailed-exitcode")

    assert plan.code == 1
    assert f"an unmanaged persona with this persona_name exists: {applied['ann']}" in plan.stdout
    assert f"tavusctl import ann {applied['ann']}" in plan.stdout
    assert "3 creates blocked" in plan.stderr
    assert apply.code == 1
    assert "3 failed" in apply.stdout or apply.stdout.count("failed: Persona/") == 3
    assert writes(emu) == []
    assert recovered.code == 0, recovered.output
    assert f"Imported persona {applied['bob']} as Persona/bob" in recovered.stdout
    assert ws.ids() == {f"Persona/{n}": pid for n, pid in applied.items()}
    assert after.code == 0, after.output
    assert len(emu.list_personas()) == 3


def test_a_checkout_that_dropped_the_lockfile_blocks_only_the_lost_persona(
    ws: Workspace, emu: Emulator
) -> None:
    for name in ("ann", "bob"):
        ws.write(name)
    assert ws.apply().code == 0
    committed = ws.lock_path.read_bytes()
    ws.write("cid")
    assert ws.apply().code == 0
    cid = ws.ids()["Persona/cid"]
    ws.lock_path.write_bytes(committed)  # git checkout -f

    result = ws.apply()

    assert result.code == 1
    assert "! Persona/cid will not be created" in result.stdout
    assert f"an unmanaged persona with this persona_name exists: {cid}" in result.stdout
    assert len(emu.list_personas()) == 3


def test_duplicate_names_can_be_allowed_by_flag_or_annotation(ws: Workspace, emu: Emulator) -> None:
    emu.create_persona({"persona_name": "Lobby", "system_prompt": "made by hand"})
    emu.create_persona({"persona_name": "Desk", "system_prompt": "made by hand"})
    ws.write("lobby", spec("lobby", persona_name="Lobby"))
    blocked = ws.apply()
    allowed = ws.apply("--allow-duplicate-names")
    doc = {
        "apiVersion": "tavusctl/v1",
        "kind": "Persona",
        "metadata": {"name": "desk", "annotations": {"tavusctl.io/allow-duplicate-name": "true"}},
        "spec": spec("desk", persona_name="Desk"),
    }
    (ws.manifests / "desk.yaml").write_text(json.dumps(doc))
    annotated = ws.apply()

    assert blocked.code == 1 and "Persona/lobby will not be created" in blocked.stdout
    assert allowed.code == 0, allowed.output
    assert annotated.code == 0, annotated.output
    assert names_on_account(emu) == ["Desk", "Desk", "Lobby", "Lobby"]


def test_import_by_name_refuses_an_ambiguous_name_naming_every_candidate(
    ws: Workspace, emu: Emulator
) -> None:
    ws.write("ann")
    one = emu.create_persona({"persona_name": "Persona ann", "system_prompt": "x"})
    two = emu.create_persona({"persona_name": "Persona ann", "system_prompt": "y"})

    result = ws.run("import", "--by-name", "manifests")

    assert result.code == 1
    assert "2 unmanaged personas have the persona_name 'Persona ann'" in result.stdout
    assert one in result.stdout and two in result.stdout
    assert not ws.lock_path.exists()


# --- 4. prune only what the paths cover ----------------------------------------------------


def test_a_plan_of_one_file_prunes_nothing_outside_it(
    ws: Workspace, emu: Emulator, applied: dict[str, str]
) -> None:
    one = ws.run("plan", "manifests/ann.yaml", "--prune", "--format", "json")
    (ws.manifests / "bob.yaml").unlink()
    whole = ws.run("plan", "manifests", "--prune")
    whole_json = json.loads(ws.run("plan", "manifests", "--prune", "--format", "json").stdout)
    markdown = ws.run("plan", "manifests", "--prune", "--format", "markdown")

    assert one.code == 0, one.output
    assert [a["name"] for a in json.loads(one.stdout)["actions"]] == ["ann"]
    assert f'- Persona/bob ({applied["bob"]}, "Persona bob") will be deleted' in whole.stdout
    assert "1 to delete" in whole.stdout
    deleted = [a for a in whole_json["actions"] if a["action"] == "delete"]
    assert deleted == [
        {"key": "Persona/bob", "name": "bob", "action": "delete", "persona_id": applied["bob"],
         "sensitive_paths": [], "persona_name": "Persona bob", "file": "manifests/bob.yaml"}
    ]  # fmt: skip
    assert "Persona bob" in markdown.stdout and applied["bob"] in markdown.stdout


# --- 5. merges -----------------------------------------------------------------------------


def test_a_lockfile_with_conflict_markers_names_them_and_the_fix(
    ws: Workspace, applied: dict[str, str]
) -> None:
    text = ws.lock_path.read_text().replace(
        f'"id": "{applied["ann"]}"',
        f'<<<<<<< HEAD\n"id": "{applied["ann"]}"\n=======\n"id": "p0"\n>>>>>>> other',
    )
    ws.lock_path.write_text(text)

    result = ws.run("plan", "manifests")

    assert result.code == 1
    assert "git merge conflict markers" in result.stderr
    assert "merge-driver" in result.stderr and "git merge --abort" in result.stderr
    assert ws.lock_path.read_text() == text


def test_lockfile_errors_point_at_git_and_import_never_at_moving_it_aside(
    ws: Workspace, applied: dict[str, str]
) -> None:
    ws.lock_path.write_text("{ not json")

    result = ws.run("plan", "manifests")

    assert result.code == 1
    assert "move it aside" not in result.stderr
    assert "git checkout -- tavus.lock" in result.stderr
    assert "import --by-name" in result.stderr


# --- 6. no stray lock file -----------------------------------------------------------------


def test_apply_leaves_no_lock_file_in_the_working_tree(
    ws: Workspace, applied: dict[str, str]
) -> None:
    ws.write("dan")
    assert ws.apply().code == 0

    assert sorted(p.name for p in ws.root.iterdir()) == [".git", "manifests", "tavus.lock"]


# --- 7. offline validate -------------------------------------------------------------------


def test_validate_passes_without_secret_variables_and_says_so_once(ws: Workspace) -> None:
    for name in NAMES:
        ws.write(name)
    env_without_secret = {"LLM_API_KEY": ""}

    result = ws.run("validate", "manifests", **env_without_secret)
    unset = _run_without(ws, "LLM_API_KEY", "validate", "manifests")

    assert result.code == 0, result.output
    assert unset.code == 0, unset.output
    assert unset.stderr.count("secrets were not resolved: LLM_API_KEY is not set") == 1
    assert "3 manifests valid" in unset.stderr


def test_validate_still_checks_non_secret_references(ws: Workspace) -> None:
    ws.write("ann", spec("ann", default_replica_id="${env:TAVUSCTL_REPLICA}"))

    result = _run_without(ws, "LLM_API_KEY", "validate", "manifests")

    assert result.code == 1
    assert "TAVUSCTL_REPLICA is not set" in result.stdout


def _run_without(ws: Workspace, variable: str, *args: str) -> Any:
    from tests.support.cli import run_cli

    env = {k: v for k, v in ws.env.items() if k != variable}
    return run_cli(*args, cwd=ws.root, env=env)
