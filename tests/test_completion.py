"""Shell completion: scripts for bash, zsh and fish; commands, options and resource names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tests.support.cli import Run


@pytest.mark.parametrize(
    ("shell", "mark"),
    [
        ("bash", "complete -o nosort -F"),
        ("zsh", "#compdef tavusctl"),
        ("fish", "complete --no-files --command tavusctl"),
    ],
)
def test_completion_prints_the_script_of_each_shell(tavusctl: Run, shell: str, mark: str) -> None:
    result = tavusctl("completion", shell)
    assert result.code == 0 and mark in result.stdout and "_TAVUSCTL_COMPLETE" in result.stdout


def complete(tavusctl: Run, line: str) -> list[str]:
    """What bash completion offers for ``line`` (completing its last word)."""
    words = line.split(" ")
    env = {"_TAVUSCTL_COMPLETE": "bash_complete", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}  # fmt: skip
    result = tavusctl(env=env)
    assert result.code == 0, result.output
    return [row.split(",", 1)[1] for row in result.stdout.splitlines()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "a.yaml").write_text(
        "apiVersion: tavusctl/v1\nkind: Persona\nmetadata: {name: interviewer}\n"
        "spec: {persona_name: I, system_prompt: x}\n"
    )
    (tmp_path / "personas" / "broken.yaml").write_text("spec: [unclosed\n")
    lock = Lockfile(salt="s", entries={"Persona/intake": LockEntry("p1", {})})
    lockfile.write(tmp_path / "tavus.lock", lock)
    return tmp_path


def test_completion_offers_commands_and_options(tavusctl: Run, project: Path) -> None:
    assert complete(tavusctl, "tavusctl dr") == ["drift"]
    assert "--detailed-exitcode" in complete(tavusctl, "tavusctl plan --de")


@pytest.mark.parametrize(
    "line",
    [
        "tavusctl state show in",
        "tavusctl state rm in",
        "tavusctl conversation in",
        "tavusctl plan --target in",
        "tavusctl drift --target in",
        "tavusctl import in",
    ],
)
def test_completion_offers_names_from_the_lockfile_and_the_manifests(
    tavusctl: Run, project: Path, line: str
) -> None:
    assert complete(tavusctl, line) == ["intake", "interviewer"]


def test_completion_reads_the_lockfile_given_with_the_global_option(
    tavusctl: Run, project: Path
) -> None:
    (project / "tavus.lock").rename(project / "other.lock")
    assert complete(tavusctl, "tavusctl state show in") == ["interviewer"]
    assert complete(tavusctl, "tavusctl --lockfile other.lock state show in") == [
        "intake",
        "interviewer",
    ]
