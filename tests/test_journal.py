"""The lockfile's journal: an apply's batches appended and fsynced, ``tavus.lock`` written once at
the end, and whatever a killed run left behind replayed by every reader and folded in by the
next run that holds the lock (issue 17: recording in proportion to the changes, not the state).

Each crash point of the journal is reproduced by leaving the files exactly as a SIGKILL at that
point would (tests/test_apply_chaos.py kills real applies).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tavusctl.core.errors import LockfileError
from tavusctl.state import journal, lockfile
from tavusctl.state.lockfile import Account, Changes, LockEntry, Lockfile
from tavusctl.state.recorder import Recorder
from tavusctl.state.store import LockfileStore

SALT = "s" * 32


def entry(i: int) -> LockEntry:
    return LockEntry(f"p{i}", {"persona_name": f"P {i}", "system_prompt": "x" * 200})


def killed_after(path: Path, *batches: Changes) -> None:
    """The files a run leaves when it recorded ``batches`` and was then killed (SIGKILL: no
    settle, no release: the journal stays as written)."""
    store = LockfileStore(path)
    for batch in batches:
        store.record(batch)
    for writer in store._journal:
        writer.close()


def start(path: Path, n: int) -> Lockfile:
    """A lockfile recording ``n`` personas, on disk."""
    lock = Lockfile(salt=SALT, entries={f"Persona/p{i}": entry(i) for i in range(n)})
    lockfile.write(path, lock)
    return lock


def test_batches_go_to_the_journal_and_tavus_lock_is_rewritten_once_at_the_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tavus.lock"
    start(path, 100)
    store = LockfileStore(path)
    inode = path.stat().st_ino
    seen_before_finish: list[Lockfile] = []

    async def go() -> Recorder:
        recorder = Recorder(store, lockfile.read(path))
        for i in range(100):  # one write each: 100 batches
            await recorder.put(f"Persona/p{i}", LockEntry(f"q{i}", {"persona_name": "new"}))
        await recorder.drop("Persona/p7")
        seen_before_finish.append(lockfile.read(path))
        assert path.stat().st_ino == inode  # tavus.lock untouched by every batch
        await recorder.finish()
        return recorder

    with store.hold():
        recorder = asyncio.run(go())
    assert recorder.writes == 101
    [before] = seen_before_finish
    assert before == recorder.lock  # the journal held every change the moment it was told
    assert lockfile.read(path) == recorder.lock
    assert path.stat().st_ino != inode  # rewritten once, at the end
    assert not journal.path_for(path).exists()
    assert "Persona/p7" not in lockfile.read(path).entries


def test_a_journal_line_holds_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "tavus.lock"
    start(path, 200)
    store = LockfileStore(path)
    with store.hold():
        store.record(Changes(SALT, None, {"Persona/p3": entry(1000)}))
        size = journal.path_for(path).stat().st_size
    assert size < 1000  # not the 200 entries of the state (~50 KB)
    assert lockfile.read(path).entries["Persona/p3"] == entry(1000)


def test_a_line_torn_by_a_crash_is_ignored_and_the_lines_before_it_count(tmp_path: Path) -> None:
    path = tmp_path / "tavus.lock"
    start(path, 3)
    killed_after(
        path,
        Changes(SALT, None, {"Persona/p0": entry(10)}),
        Changes(SALT, None, {"Persona/p1": None}),
    )
    where = journal.path_for(path)
    torn = json.dumps(Changes(SALT, None, {"Persona/p2": entry(20)}).to_json())
    with where.open("ab") as handle:
        handle.write(torn[: len(torn) // 2].encode())  # the kill came mid-write

    lock = lockfile.read(path)
    assert lock.entries["Persona/p0"] == entry(10)
    assert "Persona/p1" not in lock.entries
    assert lock.entries["Persona/p2"] == entry(2)  # the torn change was never reported


def test_the_next_run_to_hold_the_lock_folds_a_killed_runs_journal_into_tavus_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tavus.lock"
    start(path, 3)
    killed_after(path, Changes(SALT, None, {"Persona/p9": entry(9), "Persona/p0": None}))
    expected = lockfile.read(path)
    assert "Persona/p9" in expected.entries
    with LockfileStore(path).hold():
        assert not journal.path_for(path).exists()
        assert lockfile.parse(path.read_text(), "x") == expected


def test_killed_between_writing_tavus_lock_and_removing_the_journal_replays_to_the_same(
    tmp_path: Path,
) -> None:
    """The journal no longer continues the folded tavus.lock: it is not replayed again."""
    path = tmp_path / "tavus.lock"
    start(path, 3)
    store = LockfileStore(path)
    with store.hold():
        store.record(Changes(SALT, None, {"Persona/p9": entry(9), "Persona/p0": None}))
        left = journal.path_for(path).read_bytes()
        folded = lockfile.read(path)
    journal.path_for(path).write_bytes(left)  # tavus.lock rewritten; killed before the removal
    assert lockfile.read(path) == folded
    assert lockfile.read_with_text(path)[1] == path.read_text()
    with store.hold():
        assert not journal.path_for(path).exists()
    assert lockfile.read(path) == folded


def test_a_first_apply_killed_before_tavus_lock_existed_is_read_from_its_journal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tavus.lock"
    account = Account("https://tavusapi.com", "hmac-sha256:ab")
    killed_after(path, Changes(SALT, account, {"Persona/p1": entry(1)}))
    assert not path.exists()
    lock, text = lockfile.read_with_text(path)
    assert (lock.salt, lock.account, dict(lock.entries)) == (
        SALT,
        account,
        {"Persona/p1": entry(1)},
    )
    assert text == lockfile.dumps(lock)


def test_a_damaged_journal_is_a_located_error_and_nothing_is_touched(tmp_path: Path) -> None:
    path = tmp_path / "tavus.lock"
    start(path, 1)
    where = journal.path_for(path)
    where.write_text('{"tavusctl_journal": 1}\nnot json\n{"salt": "x", "set": {}, "drop": []}\n')
    before = path.read_bytes()
    with pytest.raises(LockfileError) as caught:
        lockfile.read(path)
    assert str(where) in caught.value.message and "line 2" in caught.value.message
    assert path.read_bytes() == before and where.exists()


def test_a_journal_of_a_newer_tavusctl_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tavus.lock"
    start(path, 1)
    journal.path_for(path).write_text('{"tavusctl_journal": 2}\n')
    with pytest.raises(LockfileError, match="upgrade tavusctl"):
        lockfile.read(path)


def test_a_journal_is_stale_once_tavus_lock_is_replaced_and_is_then_ignored_and_removed(
    tmp_path: Path,
) -> None:
    """A killed CI run commits tavus.lock and its journal; the next run folds the journal in. A
    journal that stays behind in git (or a tavus.lock restored from git on purpose) no longer
    continues tavus.lock: it is never replayed over a newer state."""
    path = tmp_path / "tavus.lock"
    start(path, 3)
    store = LockfileStore(path)
    killed_after(path, Changes(SALT, None, {"Persona/p0": None}))
    left = journal.path_for(path).read_bytes()
    with store.hold():  # the next run folds it in
        pass
    assert "Persona/p0" not in lockfile.read(path).entries
    restored = start(path, 5)  # a newer state, say, then the old journal comes back
    journal.path_for(path).write_bytes(left)
    assert lockfile.read(path) == restored
    with store.hold():
        assert not journal.path_for(path).exists()
    assert lockfile.read(path) == restored


def test_a_run_interrupted_before_settling_leaves_tavus_lock_whole_when_it_lets_go(
    tmp_path: Path,
) -> None:
    """Ctrl-C or an error (not a kill): releasing the lock folds the journal in, so that a CI
    step committing tavus.lock after a cancelled apply commits every result."""
    path = tmp_path / "tavus.lock"
    start(path, 2)
    store = LockfileStore(path)
    with pytest.raises(KeyboardInterrupt), store.hold():
        store.record(Changes(SALT, None, {"Persona/p5": entry(5)}))
        raise KeyboardInterrupt
    assert not journal.path_for(path).exists()
    assert lockfile.parse(path.read_text(), "x").entries["Persona/p5"] == entry(5)
