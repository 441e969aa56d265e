"""The shipped GitHub workflows, run for real: their shell steps, extracted from the YAML, in a
git repository against the emulator, with GitHub's environment files and a fake ``gh`` that
records what it would post (see tests/support/actions.py and tests/support/fake_gh.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tavusctl.state import lockfile
from tests.support.actions import JobRun, Runner, load
from tests.support.emulator import Emulator
from tests.support.planning import manifest_text, spec

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "examples" / "ci" / "github"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "dev",
           "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com"}  # fmt: skip
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Repo:
    """A pushed project (``work``, cloned from the bare ``origin``) and a runner for its jobs."""

    work: Path
    origin: Path
    runner: Runner
    gh_state: Path

    def write(self, name: str, body: dict[str, Any]) -> None:
        path = self.work / "personas" / f"{name}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(manifest_text(name, body), encoding="utf-8")

    def push(self, message: str) -> None:
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", message)
        git(self.work, "push", "-q", "origin", "HEAD:main")

    def job(self, workflow: str, job: str) -> JobRun:
        self.runner.env["GITHUB_SHA"] = git(self.work, "rev-parse", "HEAD").strip()
        return self.runner.run_job(WORKFLOWS / workflow, job)

    def gh(self) -> dict[str, Any]:
        return dict(json.loads(self.gh_state.read_text())) if self.gh_state.exists() else {}


@pytest.fixture
def repo(tmp_path: Path, emulator: Emulator) -> Repo:
    origin, work, temp, bin_dir = (tmp_path / n for n in ("origin.git", "work", "temp", "bin"))
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "main")
    temp.mkdir()
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(f"#!{sys.executable}\n" + (ROOT / "tests/support/fake_gh.py").read_text())
    gh.chmod(0o755)
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = {
        "PATH": path, "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
        "GITHUB_REPOSITORY": "acme/personas", "GITHUB_REF_NAME": "main",
        "GITHUB_WORKSPACE": str(work), "RUNNER_TEMP": str(temp),
        "FAKE_GH_STATE": str(tmp_path / "gh.json"),
        "TAVUS_API_URL": emulator.url, "TAVUSCTL_TIMEOUT": "5",
    }  # fmt: skip
    contexts = {
        "github": {"event": {"pull_request": {"number": 7}}, "token": "gh-token",
                   "ref_name": "main", "repository": "acme/personas"},
        "secrets": {"TAVUS_API_KEY": emulator.api_key},
        "matrix": {},
    }  # fmt: skip
    runner = Runner(work, temp, env, contexts)
    project = Repo(work, origin, runner, tmp_path / "gh.json")
    project.write("greeter", spec("greeter"))
    project.write("helper", spec("helper"))
    project.push("Two personas")
    return project


def test_the_plan_comment_is_posted_once_and_updated_on_the_next_push(repo: Repo) -> None:
    first = repo.job("tavusctl-plan.yml", "plan")
    assert not first.failed, [(s.name, s.stdout, s.stderr) for s in first.steps]
    assert first.step("tavusctl validate --format github").ran
    comments = repo.gh()["comments"]
    assert len(comments) == 1 and comments[0]["issue"] == 7
    body = comments[0]["body"]
    assert body.startswith("<!-- tavusctl-plan:default -->\n### tavusctl plan")
    assert "**Plan: 2 to create, 0 to update" in body
    assert "Plan: 2 to create" in first.summary  # the job summary shows the plan too
    repo.write("greeter", spec("greeter", system_prompt="You greet visitors."))
    repo.push("Greeter prompt")
    second = repo.job("tavusctl-plan.yml", "plan")
    assert not second.failed
    comments = repo.gh()["comments"]
    assert len(comments) == 1 and comments[0]["edits"] == 1, comments
    assert "You greet visitors." in comments[0]["body"]
    assert (
        "Updated the plan comment"
        in second.step(
            "Post the plan on the pull request (one comment, updated on every push)"
        ).stdout
    )


def test_an_invalid_manifest_fails_the_plan_job_with_annotations_and_posts_nothing(
    repo: Repo,
) -> None:
    (repo.work / "personas" / "broken.yaml").write_text(
        "apiVersion: tavusctl/v1\nkind: Persona\nmetadata: {name: broken}\nspec:\n  modle: x\n"
    )
    run = repo.job("tavusctl-plan.yml", "plan")
    assert run.failed
    validate = run.step("tavusctl validate --format github")
    assert validate.code == 1 and "::error file=personas/broken.yaml,line=5" in validate.stdout
    assert repo.gh().get("comments", []) == []


def test_a_failed_apply_still_commits_the_lockfile(repo: Repo, emulator: Emulator) -> None:
    other = repo.work.parent / "other"
    git(repo.work.parent, "clone", "-q", str(repo.origin), str(other))
    (other / "README.md").write_text("pushed while apply ran\n")
    git(other, "add", "-A")
    git(other, "commit", "-qm", "Someone else's commit")
    git(other, "push", "-q", "origin", "HEAD:main")
    emulator.inject("POST", "/v2/personas", status=400, count=1, body={"error": "Bad voice"})
    run = repo.job("tavusctl-apply.yml", "apply")
    assert run.failed and run.step("tavusctl apply --auto-approve").code == 1
    commit = run.step("Commit the state (also when apply failed)")
    assert commit.ran and commit.code == 0, commit.stderr
    log = git(repo.origin, "log", "--format=%s", "main")
    assert log.splitlines()[0].startswith("tavusctl: record the apply of ")
    assert "Someone else's commit" in log  # rebased on what was pushed meanwhile
    lock = lockfile.parse(git(repo.origin, "show", "main:tavus.lock"), "tavus.lock")
    created = [e for e in lock.entries.values() if e.id]
    assert len(created) == 1 and len(emulator.list_personas()) == 1


def test_an_apply_with_nothing_new_commits_nothing(repo: Repo) -> None:
    assert not repo.job("tavusctl-apply.yml", "apply").failed
    head = git(repo.origin, "rev-parse", "main")
    git(repo.work, "pull", "-q", "origin", "main")
    again = repo.job("tavusctl-apply.yml", "apply")
    assert not again.failed
    assert (
        "The state did not change."
        in again.step("Commit the state (also when apply failed)").stdout
    )
    assert git(repo.origin, "rev-parse", "main") == head


def test_drift_opens_one_issue_and_updates_it_later(repo: Repo, emulator: Emulator) -> None:
    assert not repo.job("tavusctl-apply.yml", "apply").failed
    quiet = repo.job("tavusctl-drift.yml", "drift")
    assert not quiet.failed and repo.gh().get("issues", []) == []
    persona = emulator.list_personas()[0]
    edit = [{"op": "replace", "path": "/system_prompt", "value": "Edited in the dashboard."}]
    emulator.edit_persona(persona["persona_id"], edit)
    first = repo.job("tavusctl-drift.yml", "drift")
    assert not first.failed, [(s.name, s.stderr) for s in first.steps]
    issues = repo.gh()["issues"]
    assert len(issues) == 1 and issues[0]["labels"] == ["tavusctl-drift"]
    assert "Edited in the dashboard." in issues[0]["body"]
    emulator.create_persona(spec("greeter"))  # a look-alike made by hand
    assert not repo.job("tavusctl-drift.yml", "drift").failed
    issues = repo.gh()["issues"]
    assert len(issues) == 1 and "unmanaged" in issues[0]["body"]


def test_the_runner_refuses_an_expression_inside_a_script(repo: Repo, tmp_path: Path) -> None:
    workflow = tmp_path / "bad.yml"
    text = (WORKFLOWS / "tavusctl-plan.yml").read_text()
    workflow.write_text(text.replace('body="$RUNNER_TEMP', 'body="${{ runner.temp }}'))
    with pytest.raises(AssertionError, match="an expression inside a script"):
        repo.runner.run_job(workflow, "plan")


@pytest.mark.slow
def test_the_actions_install_step_installs_tavusctl_from_the_actions_checkout(
    tmp_path: Path,
) -> None:
    """The one step the workflow tests skip, run for real: a virtualenv with tavusctl from this
    repository, put on PATH for the steps after."""
    action = load(ROOT / "action.yml")
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "install")
    github_path = tmp_path / "github_path"
    github_path.write_text("")
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path), "GITHUB_PATH": str(github_path),
           "ACTION_PATH": str(ROOT)}  # fmt: skip
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                          env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (bin_dir,) = github_path.read_text().split()
    version = subprocess.run([f"{bin_dir}/tavusctl", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("tavusctl, version")
