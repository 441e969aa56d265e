"""`pre-commit try-repo` with this repository runs its hooks on a sample project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
GOOD = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: greeter
spec:
  persona_name: Greeter
  system_prompt: You greet visitors.
"""
BROKEN = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: broken
spec:
  modle: x
  system_prompt: Hi.
"""


def run(cwd: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}  # fmt: skip
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_try_repo_validates_a_sample_project_and_formats_it(tmp_path: Path) -> None:
    sample, home = tmp_path / "sample", tmp_path / "pre-commit-home"
    (sample / "personas").mkdir(parents=True)
    (sample / "personas" / "greeter.yaml").write_text(GOOD)
    run(tmp_path, "git", "init", "-q", str(sample), home=home)
    run(sample, "git", "add", "-A", home=home)
    hook = (str(PRE_COMMIT), "try-repo", str(ROOT))

    passed = run(sample, *hook, "tavusctl-validate", "--all-files", home=home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "tavusctl validate" in passed.stdout and "Passed" in passed.stdout

    (sample / "personas" / "broken.yaml").write_text(BROKEN)
    run(sample, "git", "add", "-A", home=home)
    failed = run(sample, *hook, "tavusctl-validate", "--all-files", home=home)
    assert failed.returncode == 1
    assert "personas/broken.yaml:6:3: Unknown field 'modle'" in failed.stdout

    (sample / "personas" / "broken.yaml").unlink()
    (sample / "docker-compose.yml").write_text("services:\n    web: {image: nginx}\n")
    messy = GOOD.replace("  persona_name: Greeter\n  system_prompt", "    persona_name: Greeter\n    system_prompt")  # fmt: skip
    (sample / "personas" / "greeter.yaml").write_text(messy)
    run(sample, "git", "add", "-A", home=home)
    formatted = run(sample, *hook, "tavusctl-fmt", "--all-files", home=home)
    assert formatted.returncode == 1  # pre-commit fails a hook that changed files
    assert (sample / "personas" / "greeter.yaml").read_text() == GOOD
    assert (sample / "docker-compose.yml").read_text() == "services:\n    web: {image: nginx}\n"
