from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tavusctl.core.errors import LockfileError
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile


def test_missing_lockfile_reads_as_empty(tmp_path: Path) -> None:
    lock = lockfile.read(tmp_path / "tavus.lock")
    assert lock.entries == {}
    assert len(lock.salt) == 32


def test_lockfile_round_trips_with_sorted_keys(tmp_path: Path) -> None:
    path = tmp_path / "tavus.lock"
    lock = Lockfile(salt="s" * 32).with_entry(
        "Persona/b", LockEntry(id="p1", applied={"z": 1, "a": {"y": 2, "b": 3}})
    )
    lock = lock.with_entry(
        "Persona/a", LockEntry(id=None, applied={}, intent_at="2026-01-01T00:00:00Z")
    )
    lockfile.write(path, lock)
    assert lockfile.read(path) == lock
    text = path.read_text()
    assert text.index('"Persona/a"') < text.index('"Persona/b"')
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ('{"version": 99, "salt": "x", "resources": {}}', "is version 99"),
        ('{"salt": "x"}', "has no version number"),
        ('{"version": 1, "salt": "x", "resources": {"Persona/a": {}}}', "is malformed"),
        (
            '{"version": 1, "salt": "x", "resources": {"Persona/a": {"id": 5, "applied": {}}}}',
            "bad 'id', which must be a string",
        ),
        (
            '{"version": 1, "salt": "x", "resources": '
            '{"Persona/a": {"id": null, "applied": {}, "intent_at": []}}}',
            "bad 'intent_at', which must be a string",
        ),
    ],
)
def test_bad_lockfile_is_an_error_and_left_untouched(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "tavus.lock"
    path.write_text(text)
    with pytest.raises(LockfileError) as err:
        lockfile.read(path)
    assert fragment in err.value.message
    assert "left untouched" in err.value.message
    assert path.read_text() == text


def test_second_holder_of_the_lock_fails_fast_naming_the_pid(tmp_path: Path) -> None:
    path = tmp_path / "tavus.lock"
    with (
        lockfile.exclusive(path),
        pytest.raises(LockfileError, match=r"in use by another tavusctl run \(pid \d+\)"),
        lockfile.exclusive(path),
    ):
        pass
    with lockfile.exclusive(path):  # released afterwards
        pass


def test_locking_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "tavus.lock"
    with (
        pytest.raises(LockfileError, match=r"Cannot lock .*Check that its folder exists"),
        lockfile.exclusive(path),
    ):
        pass
    assert not path.parent.exists()


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text())
_json_value = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_entry = st.builds(
    LockEntry,
    id=st.none() | st.text(max_size=12),
    applied=st.dictionaries(st.text(), _json_value, max_size=4),
    intent_at=st.none() | st.just("2026-01-01T00:00:00Z"),
)


@given(
    salt=st.text(max_size=8),
    steps=st.lists(st.tuples(st.text(max_size=6), st.none() | _entry), max_size=6),
)
def test_dumps_is_plain_json_encoding_after_every_change(
    salt: str, steps: list[tuple[str, LockEntry | None]]
) -> None:
    # dumps reuses the text of unchanged entries; it must still equal a fresh encoding.
    lock = Lockfile(salt=salt)
    for key, entry in [("", None), *steps]:
        lock = lock.without(key) if entry is None else lock.with_entry(key, entry)
        expected = json.dumps(lock.to_json(), indent=2, sort_keys=True, ensure_ascii=False)
        assert lockfile.dumps(lock) == expected + "\n"
