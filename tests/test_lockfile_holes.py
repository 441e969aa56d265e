"""Lockfiles tavusctl never writes are refused with one clear line by every command, and left
untouched; lockfile writes that fail are clear errors; a symlinked lockfile is written through."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tavusctl.core.errors import LockfileError
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tests.support.cli import run_cli
from tests.support.emulator import Emulator

GOOD_ENTRY = '{"id": "p1", "applied": {}}'


def doc(resources: str = "{}", version: str = "1", salt: str = '"ab"') -> str:
    return f'{{"version": {version}, "salt": {salt}, "resources": {resources}}}'


HAND_MADE = {
    "applied-not-an-object": (doc('{"Persona/ann": {"id": "p1", "applied": "xy"}}'), "'applied'"),
    "nested-100000-deep": (
        doc(
            '{"Persona/ann": {"id": "p1", "applied": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}}"
        ),
        "nested more than 64 levels deep",
    ),
    "5000-digit-integer": (
        doc('{"Persona/ann": {"id": "p1", "applied": {"a": ' + "9" * 5000 + "}}}"),
        "Exceeds the limit (4300 digits)",
    ),
    "version-true": (doc(version="true"), "no version number"),
    "salt-null": (doc(salt="null"), "'salt'"),
    "salt-empty": (doc(salt='""'), "'salt'"),
    "duplicate-key": (
        doc('{"Persona/ann": ' + GOOD_ENTRY + ', "Persona/ann": ' + GOOD_ENTRY + "}"),
        'key "Persona/ann" is written twice',
    ),
    "key-without-kind": (doc('{"ann": ' + GOOD_ENTRY + "}"), 'key "ann"'),
    "resources-a-list": (doc("[]"), "'resources'"),
    "pending-without-intent": (doc('{"Persona/ann": {"id": null, "applied": {}}}'), "intent_at"),
    "pending-with-unreadable-intent": (
        doc('{"Persona/ann": {"id": null, "applied": {}, "intent_at": "yesterday"}}'),
        "intent_at",
    ),
}


@pytest.mark.parametrize(("text", "says"), HAND_MADE.values(), ids=list(HAND_MADE))
def test_a_hand_made_lockfile_is_a_lockfile_error(text: str, says: str) -> None:
    with pytest.raises(LockfileError) as caught:
        lockfile.parse(text, "tavus.lock")
    assert says in caught.value.message


TRACEBACKS = ["applied-not-an-object", "nested-100000-deep", "5000-digit-integer"]
COMMANDS = [("state", "list"), ("state", "show", "ann"), ("plan", "m"), ("apply", "m", "--auto-approve")]  # fmt: skip


@pytest.mark.parametrize("case", TRACEBACKS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_refuses_a_hand_made_lockfile_cleanly_and_leaves_it(
    tmp_path: Path, emulator: Emulator, case: str, command: tuple[str, ...]
) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ann.yaml").write_text(
        "apiVersion: tavusctl/v1\nkind: Persona\nmetadata: {name: ann}\n"
        "spec: {persona_name: Ann, system_prompt: Hi}\n"
    )
    text = HAND_MADE[case][0]
    (tmp_path / "tavus.lock").write_text(text)
    result = run_cli(*command, cwd=tmp_path, env=emulator.env)
    assert result.code == 1, result.output
    assert "Traceback" not in result.stderr and result.stderr.startswith("Error: "), result.stderr
    assert (tmp_path / "tavus.lock").read_text() == text
    assert [r for r in emulator.requests() if r["method"] != "GET"] == []


def test_state_show_never_suggests_the_name_it_was_given(tmp_path: Path) -> None:
    lock = Lockfile(salt="ab").with_entry("Tool/alpha", LockEntry("t1", {}))
    lock = lock.with_entry("Persona/alpha-2", LockEntry("p1", {}))
    lockfile.write(tmp_path / "tavus.lock", lock)
    result = run_cli("state", "show", "alpha", cwd=tmp_path)
    assert result.code == 1
    assert "Did you mean 'alpha'" not in result.stderr, result.stderr
    assert "Did you mean 'alpha-2'?" in result.stderr, result.stderr


def test_a_symlinked_lockfile_is_written_through_to_its_target(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "tavus.lock"
    lockfile.write(target, Lockfile(salt="ab"))
    link = tmp_path / "tavus.lock"
    link.symlink_to(target)
    lockfile.write(link, Lockfile(salt="ab").with_entry("Persona/ann", LockEntry("p1", {})))
    assert link.is_symlink()
    assert lockfile.read(target).entries == {"Persona/ann": LockEntry("p1", {})}
    assert sorted(p.name for p in shared.iterdir()) == ["tavus.lock"]


def test_two_links_to_one_lockfile_share_its_lock(tmp_path: Path) -> None:
    target = tmp_path / "real.lock"
    link = tmp_path / "link.lock"
    link.symlink_to(target)
    with (
        lockfile.exclusive(target),
        pytest.raises(LockfileError, match="in use"),
        lockfile.exclusive(link),
    ):
        pass


def test_a_lockfile_that_cannot_be_written_is_a_lockfile_error_and_no_temp_is_left(
    tmp_path: Path,
) -> None:
    link = tmp_path / "tavus.lock"
    link.symlink_to("/proc/tavusctl-test.lock")  # /proc takes no new files
    with pytest.raises(LockfileError, match=r"Cannot write lockfile .*The previous lockfile"):
        lockfile.write(link, Lockfile(salt="ab"))
    assert os.listdir(tmp_path) == ["tavus.lock"]
    assert json.loads(lockfile.dumps(Lockfile(salt="ab")))["salt"] == "ab"
