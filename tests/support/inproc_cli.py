"""The real CLI run in this process (click's runner): for fuzz tests, where a subprocess per
example would be too slow. What it checks is what a subprocess shows: the exit code, the output,
and whether anything escaped as an exception (a traceback in a real run)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from tavusctl.cli.main import cli


@dataclass(frozen=True)
class InProcessResult:
    code: int
    output: str
    escaped: BaseException | None  # anything but SystemExit: a traceback in a real run


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_in_process(*args: str, cwd: Path, env: Mapping[str, str]) -> InProcessResult:
    """``tavusctl ARGS`` in ``cwd`` with ``env`` added to the environment."""
    runner = CliRunner()
    with _cwd(cwd):
        result = runner.invoke(cli, list(args), env={"NO_COLOR": "1", **env}, catch_exceptions=True)
    escaped = None if isinstance(result.exception, SystemExit) else result.exception
    return InProcessResult(result.exit_code, result.output, escaped)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes, but the guard files of the lockfile's lock
    (``tavus.lock.lock``, which holds the pid of the run that took the lock)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock.lock")
    }
