"""The shipped CI files pass actionlint and the vendored schemas of GitHub and GitLab."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tavusctl import scaffold

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "ci"
BIN = Path(sys.executable).parent
VARIANTS = {
    "no-environments": scaffold.Options(),
    "two-environments": scaffold.Options(environments=("staging", "prod"), branch="release"),
}


def tool(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / name), *map(str, args)], capture_output=True, text=True, timeout=120
    )


def write_variant(folder: Path, options: scaffold.Options, action: str | None = None) -> None:
    for path, text in scaffold.files(options).items():
        if action is not None:
            text = text.replace(scaffold.ACTION, action)
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name", scaffold.WORKFLOWS)
def test_the_example_workflows_are_what_init_writes(name: str) -> None:
    written = scaffold.files(scaffold.Options())[f".github/workflows/{name}"]
    assert (EXAMPLES / "github" / name).read_text(encoding="utf-8") == written, (
        "examples/ci/github is out of date: copy what `tavusctl init --ci github` writes"
    )


def test_the_example_gitlab_template_is_what_init_writes() -> None:
    written = scaffold.files(scaffold.Options(ci="gitlab"))[".gitlab-ci.yml"]
    assert (EXAMPLES / "gitlab" / ".gitlab-ci.yml").read_text(encoding="utf-8") == written


def test_actionlint_passes_on_the_example_workflows() -> None:
    result = tool("actionlint", *sorted((EXAMPLES / "github").glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_actionlint_passes_on_init_workflows_using_the_local_action(
    tmp_path: Path, variant: str
) -> None:
    """With ``uses: ./`` actionlint also reads action.yml and checks every input given to it."""
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    write_variant(tmp_path, VARIANTS[variant], action="./")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run(
        [str(BIN / "actionlint")], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_an_input_the_action_does_not_have(tmp_path: Path) -> None:
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    write_variant(tmp_path, scaffold.Options(), action="./")
    workflow = tmp_path / ".github/workflows/tavusctl-apply.yml"
    text = workflow.read_text().replace("command: apply", "comand: apply")
    workflow.write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run(
        [str(BIN / "actionlint")], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "comand" in result.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_workflows_pass_githubs_workflow_schema(tmp_path: Path, variant: str) -> None:
    write_variant(tmp_path, VARIANTS[variant])
    files = sorted((tmp_path / ".github/workflows").glob("*.yml"))
    result = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_action_passes_githubs_action_schema() -> None:
    result = tool(
        "check-jsonschema", "--builtin-schema", "vendor.github-actions", ROOT / "action.yml"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_gitlab_template_passes_gitlabs_schema(tmp_path: Path, variant: str) -> None:
    options = scaffold.Options(ci="gitlab", environments=VARIANTS[variant].environments)
    write_variant(tmp_path, options)
    result = tool(
        "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", tmp_path / ".gitlab-ci.yml"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: 3\n    stepz: []\n")
    result = tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", broken)
    assert result.returncode == 1
