"""Run the real CLI in a subprocess and capture everything it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


Run = Callable[..., Result]


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> Result:
    """Run ``python -m tavusctl ARGS`` with the test environment plus ``env``."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "tavusctl", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def tavusctl(tmp_path: Path) -> Run:
    """Run the CLI in ``tmp_path`` (the working directory) unless ``cwd`` is given."""

    def run(*args: str, cwd: Path | None = None, **kwargs: object) -> Result:
        return run_cli(*args, cwd=cwd or tmp_path, **kwargs)  # type: ignore[arg-type]

    return run
