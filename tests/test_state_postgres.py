"""The PostgreSQL state store against a real server (tests/support/postgres.py)."""

from __future__ import annotations

import os
import threading

import psycopg
import pytest

from tavusctl.core.errors import StateError, StateLost
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.postgres import SCHEMA_VERSION, PostgresStore
from tavusctl.state.recorder import Recorder

SALT = "5" * 32
HASH = "sha256:" + "a" * 64


def sample() -> Lockfile:
    """Every kind of content: ids, an intent, a secret hash, unicode, numbers, nesting."""
    return Lockfile(
        salt=SALT,
        entries={
            "Persona/ann": LockEntry(
                "p1", {"persona_name": "Ann ✓", "layers": {"llm": {"api_key": HASH}}}
            ),
            "Persona/bob": LockEntry(None, {"persona_name": "Bob", "x": 1.5}, "2026-01-01T00:00Z"),
            "Persona/cid": LockEntry("p3", {"tags": ["a", "b"], "n": 10**20, "e": None}),
        },
    )


def store(url: str, workspace: str = "w") -> PostgresStore:
    return PostgresStore(url, workspace)


def test_an_empty_workspace_reads_as_no_lockfile_and_creates_the_tables(postgres_url: str) -> None:
    lock, text = store(postgres_url).read_with_text()
    assert (lock.entries, text) == ({}, "")
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT version FROM tavusctl_schema").fetchone() == (SCHEMA_VERSION,)


def test_what_is_written_reads_back_as_the_same_lockfile_text(postgres_url: str) -> None:
    s = store(postgres_url)
    with s.hold():
        s.write(sample())
    lock, text = store(postgres_url).read_with_text()
    assert lock == sample()
    assert text == lockfile.dumps(sample())


def test_a_write_of_some_keys_changes_only_those(postgres_url: str) -> None:
    s = store(postgres_url)
    with s.hold():
        s.write(sample())
        changed = sample().without("Persona/ann").with_entry("Persona/bob", LockEntry("p2", {}))
        s.write(changed, ["Persona/ann", "Persona/bob"])
    assert store(postgres_url).read() == changed


def test_a_whole_write_leaves_nothing_else(postgres_url: str) -> None:
    s = store(postgres_url)
    with s.hold():
        s.write(sample())
        s.write(Lockfile(salt="6" * 32, entries={"Persona/dan": LockEntry("p4", {})}))
    assert store(postgres_url).read() == Lockfile(
        salt="6" * 32, entries={"Persona/dan": LockEntry("p4", {})}
    )


def test_workspaces_are_separate(postgres_url: str) -> None:
    one, two = store(postgres_url, "one"), store(postgres_url, "two")
    with one.hold(), two.hold():  # separate locks too
        one.write(sample())
    assert two.read().entries == {}
    assert store(postgres_url, "one").read() == sample()


def test_a_newer_schema_is_refused_and_left_alone(postgres_url: str) -> None:
    store(postgres_url).read()
    with psycopg.connect(postgres_url) as conn:
        conn.execute("UPDATE tavusctl_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StateError, match=f"schema version {SCHEMA_VERSION + 1}.*Upgrade"):
        store(postgres_url).read()


def test_writing_without_holding_the_lock_is_refused(postgres_url: str) -> None:
    with pytest.raises(StateError, match="without holding its lock"):
        store(postgres_url).write(sample())


def test_a_second_holder_is_refused_at_once_naming_the_first(postgres_url: str) -> None:
    first = store(postgres_url)
    with first.hold(), pytest.raises(StateError, match="locked by another") as refused:
        store(postgres_url).hold().__enter__()
    assert f"pid {os.getpid()}" in refused.value.message
    assert "@" in refused.value.message and "s ago" in refused.value.message
    with store(postgres_url).hold():  # released
        pass


def test_a_waiting_holder_gets_the_lock_when_the_first_releases_it(postgres_url: str) -> None:
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(store(postgres_url), ready, release))
    holder.start()
    assert ready.wait(10)
    threading.Timer(0.5, release.set).start()
    with store(postgres_url).hold(timeout=30):
        assert release.is_set()  # it waited for the first to let go, and did not fail
    holder.join()


def _hold(s: PostgresStore, ready: threading.Event, release: threading.Event) -> None:
    with s.hold():
        ready.set()
        release.wait(10)


def test_a_waiting_holder_gives_up_after_its_timeout_naming_the_holder(postgres_url: str) -> None:
    with store(postgres_url).hold(), pytest.raises(StateError, match=r"waited 0\.3 s") as refused:
        store(postgres_url).hold(timeout=0.3).__enter__()
    assert f"pid {os.getpid()}" in refused.value.message


def test_a_holder_whose_session_ends_releases_the_lock(postgres_url: str) -> None:
    dead = store(postgres_url)
    held = dead.hold()
    held.__enter__()  # never left: as if the process were killed
    assert dead._conn is not None
    dead._conn.close()  # the session ends (a killed process's socket closes)
    assert store(postgres_url).lock_holder() is None
    with store(postgres_url).hold():
        pass


def test_unlock_ends_the_session_of_a_holder_that_never_let_go(postgres_url: str) -> None:
    stuck = store(postgres_url)
    held = stuck.hold()
    held.__enter__()  # a hung run: its session stays open
    assert f"pid {os.getpid()}" in (store(postgres_url).lock_holder() or "")
    message = store(postgres_url).unlock()
    assert "Released the lock" in message
    assert store(postgres_url).lock_holder() is None
    with store(postgres_url).hold():
        pass
    with pytest.raises(StateLost, match="Lost the connection"):
        stuck.write(sample())  # the hung run cannot write any more


def test_unlock_with_nobody_holding_does_nothing(postgres_url: str) -> None:
    assert "nothing was done" in store(postgres_url).unlock()


def test_a_lost_connection_breaks_the_recorder_for_good(postgres_url: str) -> None:
    import asyncio

    s = store(postgres_url)
    with s.hold():
        recorder = Recorder(s, Lockfile(salt=SALT))
        asyncio.run(recorder.put("Persona/a", LockEntry("p1", {})))
        _terminate_other_sessions(postgres_url)
        with pytest.raises(StateLost, match=r"Lost the connection.*Run the command again"):
            asyncio.run(recorder.put("Persona/b", LockEntry("p2", {})))
        with pytest.raises(StateLost):
            recorder.stage("Persona/c", LockEntry("p3", {}))
    assert sorted(store(postgres_url).read().entries) == ["Persona/a"]


def test_a_bad_server_is_a_clear_error_without_the_password(postgres_server) -> None:
    url = f"postgresql://someone:hunter2-secret@127.0.0.1:{postgres_server.port + 1}/nope"
    with pytest.raises(StateError, match="Cannot connect to the state database") as failed:
        PostgresStore(url, "w", url_env="STATE_URL").read()
    assert "hunter2-secret" not in failed.value.message
    assert "STATE_URL" in failed.value.message


def test_a_malformed_connection_string_is_not_shown(postgres_url: str) -> None:
    with pytest.raises(
        StateError, match="does not hold a valid PostgreSQL connection string"
    ) as bad:
        PostgresStore("host=x password=hunter2-secret =broken", "w", url_env="STATE_URL")
    assert "hunter2-secret" not in bad.value.message


def _terminate_other_sessions(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
