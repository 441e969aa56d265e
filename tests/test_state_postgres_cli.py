"""The CLI with its state in PostgreSQL: apply, state commands, migrate and pull, unlock,
and what a user sees when something is wrong. Real server, real emulator, real CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests.support.emulator import Emulator
from tests.support.postgres import PASSWORD
from tests.support.workspace import API_KEY, STATE_URL_ENV, Workspace, changing, spec


def team(tmp_path: Path, emulator: Emulator, postgres_url: str) -> Workspace:
    emulator.api_key = API_KEY
    return Workspace(tmp_path, emulator.url, state_url=postgres_url)


def test_apply_records_in_the_database_and_writes_no_lockfile(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    ws = team(tmp_path, emulator, postgres_url)
    for name in ("ann", "bob"):
        ws.write(name)
    result = ws.apply()
    assert result.code == 0, result.output
    assert not ws.lock_path.exists()
    ids = ws.ids()
    assert sorted(ids) == ["Persona/ann", "Persona/bob"]
    assert set(ids.values()) == {p["persona_id"] for p in emulator.list_personas()}
    assert changing(ws.plan_json()) == []

    listed = ws.run("state", "list")
    assert listed.code == 0 and str(ids["Persona/ann"]) in listed.stdout
    shown = ws.run("state", "show", "ann")
    assert "(sensitive value)" in shown.stdout
    assert ws.run("state", "mv", "ann", "anne").code == 0
    assert ws.run("state", "rm", "bob").code == 0
    assert sorted(ws.ids()) == ["Persona/anne"]
    assert ws.leaks() == []


def test_migrate_then_pull_gives_back_the_lockfile_byte_for_byte(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    local = Workspace(tmp_path / "local", emulator.url)
    local.root.mkdir()
    emulator.api_key = API_KEY
    for name in ("ann", "bob", "cid"):
        local.write(name, spec(name, system_prompt=f"Tu es {name} — «ça va»."))
    assert local.apply().code == 0
    emulator.inject("POST", "/v2/personas", status=503, count=20)  # leaves a create intent
    local.write("dan")
    local.apply()
    original = local.lock_path.read_bytes()
    assert b'"intent_at"' in original and b"sha256:" in original

    ws = team(tmp_path / "local", emulator, postgres_url)
    migrated = ws.run("state", "migrate", "--from", "tavus.lock")
    assert migrated.code == 0, migrated.output
    assert "Copied 4 resources" in migrated.stdout and "verified" in migrated.stdout

    pulled = ws.run("state", "pull", "-o", "pulled.lock")
    assert pulled.code == 0, pulled.output
    assert (ws.root / "pulled.lock").read_bytes() == original
    assert ws.run("state", "pull").stdout.encode() == original

    again = ws.run("state", "migrate", "--from", "tavus.lock")
    assert again.code == 1
    assert "already records 4 resource(s)" in again.stderr
    assert ws.leaks() == []


def test_pull_of_an_empty_workspace_says_there_is_nothing(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    result = team(tmp_path, emulator, postgres_url).run("state", "pull")
    assert result.code == 1
    assert "records no state yet" in result.stderr


def test_a_missing_connection_variable_is_a_clear_error(tmp_path: Path, emulator: Emulator) -> None:
    ws = Workspace(tmp_path, emulator.url)
    ws.write("ann")
    result = ws.run("plan", "manifests", TAVUSCTL_STATE_URL_ENV=STATE_URL_ENV)
    assert result.code == 1
    assert f"the environment variable {STATE_URL_ENV}" in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path, emulator: Emulator, postgres_server
) -> None:
    dead = f"postgresql://someone:{PASSWORD}@127.0.0.1:{postgres_server.port + 1}/x"
    ws = team(tmp_path, emulator, dead)
    ws.write("ann")
    for args in (("plan", "manifests"), ("apply", "manifests", "--auto-approve")):
        result = ws.run("-vv", *args)
        assert result.code == 1
        assert result.stderr.startswith("Error: Cannot connect to the state database 127.0.0.1")
        assert "Traceback" not in result.output
        assert PASSWORD not in result.output


def test_without_psycopg_the_message_says_how_to_install_it(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    ws = team(tmp_path, emulator, postgres_url)
    ws.write("ann")
    code = "import sys; sys.modules['psycopg'] = None; from tavusctl.cli import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "plan", "manifests"],
        cwd=ws.root,
        env={**_environ(), **ws.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "pip install 'tavusctl[postgres]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unlock_asks_first_and_releases_a_lock_whose_holder_hung(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    from tavusctl.state.postgres import PostgresStore

    ws = team(tmp_path, emulator, postgres_url)
    ws.write("ann")
    hung = PostgresStore(postgres_url, ws.state_workspace)
    held = hung.hold()
    held.__enter__()  # its session stays open: a hung run

    refused = ws.apply()
    assert refused.code == 1 and "locked by another tavusctl run" in refused.stderr
    assert "state unlock" in refused.stderr
    asked = ws.run("state", "unlock")  # no terminal: refuses without --auto-approve
    assert asked.code == 1 and "--auto-approve" in asked.stderr
    assert ws.apply().code == 1  # still locked

    done = ws.run("state", "unlock", "--auto-approve")
    assert done.code == 0, done.output
    assert "Released the lock" in done.stdout
    assert ws.apply().code == 0
    assert ws.run("state", "unlock").stdout.startswith("Nobody holds the lock")


def test_a_lost_connection_mid_apply_stops_writing_and_the_rerun_finishes(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    names = [f"l{i:02d}" for i in range(12)]
    ws = team(tmp_path, emulator, postgres_url)
    for name in names:
        ws.write(name)
    emulator.configure(latency_ms=150)
    proc = ws.start("apply", "manifests", "--auto-approve", "--parallelism", "2")
    deadline = time.monotonic() + 30
    while len(emulator.list_personas()) < 3:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    _terminate_tavusctl_sessions(postgres_url)
    out, err = proc.communicate(timeout=60)
    created_then = len(emulator.list_personas())

    assert proc.returncode == 1, out + err
    assert "Traceback" not in out + err
    assert "Lost the connection to the state database" in out
    assert "Run the command again" in out
    assert created_then < len(names)  # it stopped: nothing more was sent
    emulator.configure(latency_ms=0)
    assert ws.apply().code == 0
    on_account = [p["persona_name"] for p in emulator.list_personas()]
    assert sorted(on_account) == sorted(f"Persona {n}" for n in names)  # none twice
    assert sorted(ws.ids()) == sorted(f"Persona/{n}" for n in names)
    assert set(ws.ids().values()) == {p["persona_id"] for p in emulator.list_personas()}


def _terminate_tavusctl_sessions(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'tavusctl' AND pid <> pg_backend_pid()"
        )


def _environ() -> dict[str, str]:
    import os

    return {**os.environ, "NO_COLOR": "1"}


def test_a_saved_plan_applies_against_the_database_and_goes_stale_with_it(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    ws = team(tmp_path, emulator, postgres_url)
    ws.write("ann")
    assert ws.run("plan", "manifests", "-o", "first.plan").code == 0
    assert ws.run("plan", "manifests", "-o", "second.plan").code == 0
    applied = ws.run("apply", "first.plan")
    assert applied.code == 0, applied.output
    stale = ws.run("apply", "second.plan")  # the state changed since it was made
    assert stale.code == 1
    assert "changed" in stale.stderr
    assert sorted(ws.ids()) == ["Persona/ann"]
    assert len(emulator.list_personas()) == 1
