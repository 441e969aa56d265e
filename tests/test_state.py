from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tavusctl.commands import state
from tavusctl.core.errors import LockfileError, UsageError
from tavusctl.core.secrets import SENSITIVE, hash_secret
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.store import LockfileStore

SALT = "0" * 32
SECRET = "sk-live-do-not-print"


def sample_lock() -> Lockfile:
    applied = {
        "persona_name": "Interviewer",
        "layers": {"llm": {"model": "m", "api_key": hash_secret(SECRET, SALT)}},
    }
    return (
        Lockfile(salt=SALT)
        .with_entry("Persona/interviewer", LockEntry(id="p111", applied=applied))
        .with_entry("Persona/sales-coach", LockEntry(id="p222", applied={"persona_name": "S"}))
        .with_entry(
            "Persona/pending", LockEntry(id=None, applied={}, intent_at="2026-01-01T00:00:00Z")
        )
    )


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    path = tmp_path / "tavus.lock"
    lockfile.write(path, sample_lock())
    return path


def test_list_shows_one_sorted_line_per_resource_with_id_or_pending() -> None:
    lines = state.list_lines(sample_lock())
    assert [line.split() for line in lines] == [
        ["Persona/interviewer", "p111"],
        ["Persona/pending", "(create", "pending)"],
        ["Persona/sales-coach", "p222"],
    ]


def test_list_of_an_empty_lockfile_is_empty() -> None:
    assert state.list_lines(Lockfile(salt=SALT)) == []


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_show_prints_the_applied_spec_with_secret_hashes_hidden(fmt: str) -> None:
    text = state.show(sample_lock(), "interviewer", fmt)
    doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert doc["id"] == "p111"
    assert doc["applied"]["layers"]["llm"] == {"model": "m", "api_key": SENSITIVE}
    assert "sha256:" not in text


def test_show_accepts_the_full_key_too() -> None:
    assert "p222" in state.show(sample_lock(), "Persona/sales-coach")


def test_unknown_name_suggests_the_closest_and_lists_the_known_names() -> None:
    with pytest.raises(LockfileError) as err:
        state.show(sample_lock(), "sales-coch")
    message = err.value.message
    assert "Did you mean 'sales-coach'?" in message
    assert "interviewer, pending, sales-coach" in message


def test_unknown_name_in_an_empty_lockfile_says_it_is_empty() -> None:
    with pytest.raises(LockfileError, match="records no resources"):
        state.find(Lockfile(salt=SALT), "x")


def test_rm_forgets_the_entry_and_says_the_persona_stays(lock_path: Path) -> None:
    message = state.remove(LockfileStore(lock_path), "interviewer")
    assert "p111 stays on the Tavus account" in message
    assert set(lockfile.read(lock_path).entries) == {"Persona/sales-coach", "Persona/pending"}


def test_mv_keeps_id_and_applied_under_the_new_name(lock_path: Path) -> None:
    before = lockfile.read(lock_path).entries["Persona/interviewer"]
    state.move(LockfileStore(lock_path), "interviewer", "recruiter")
    after = lockfile.read(lock_path)
    assert after.entries["Persona/recruiter"] == before
    assert "Persona/interviewer" not in after.entries
    assert after.salt == SALT


def test_mv_refuses_an_existing_target_and_changes_nothing(lock_path: Path) -> None:
    before = lock_path.read_text()
    with pytest.raises(LockfileError, match="already in the lockfile"):
        state.move(LockfileStore(lock_path), "interviewer", "sales-coach")
    assert lock_path.read_text() == before


@pytest.mark.parametrize("bad", ["Recruiter", "-x", "x-", "a_b", "a b", ""])
def test_mv_refuses_a_name_a_manifest_could_not_have(lock_path: Path, bad: str) -> None:
    before = lock_path.read_text()
    with pytest.raises(UsageError, match="not a valid name"):
        state.move(LockfileStore(lock_path), "interviewer", bad)
    assert lock_path.read_text() == before


@pytest.mark.parametrize("new", ["x/y", "Agent/sales-coach"])
def test_mv_refuses_a_kind_tavusctl_does_not_manage(lock_path: Path, new: str) -> None:
    before = lock_path.read_text()
    with pytest.raises(
        UsageError, match="is not a resource tavusctl manages: the kinds are Persona, Pal"
    ):
        state.move(LockfileStore(lock_path), "interviewer", new)
    assert lock_path.read_text() == before


def test_rm_of_an_unknown_name_changes_nothing(lock_path: Path) -> None:
    before = lock_path.read_text()
    with pytest.raises(LockfileError, match="Did you mean 'interviewer'"):
        state.remove(LockfileStore(lock_path), "interviewr")
    assert lock_path.read_text() == before


def test_writers_fail_fast_while_another_run_holds_the_lock(lock_path: Path) -> None:
    with lockfile.exclusive(lock_path), pytest.raises(LockfileError, match="in use"):
        state.remove(LockfileStore(lock_path), "interviewer")
    assert "Persona/interviewer" in lockfile.read(lock_path).entries
