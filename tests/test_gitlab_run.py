"""The shipped GitLab CI template, run for real: each job's ``script`` (one bash shell, stopping
at the first failure, as GitLab's runner does) and ``after_script`` (always, in a shell of its
own), in a git repository against the emulator and a fake GitLab API on a loopback port. The
``before_script`` (pip install of tavusctl) is skipped: tavusctl is already installed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tavusctl.state import lockfile
from tests.support.emulator import Emulator
from tests.support.fake_gitlab import GitLab, serve
from tests.support.planning import manifest_text, spec
from tests.test_workflows_run import git

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
REMOTE = "https://oauth2:glpat-test@gitlab.test/acme/personas.git"


@dataclass
class Job:
    code: int
    output: str
    after_code: int | None
    after_output: str


@dataclass
class Project:
    work: Path
    origin: Path
    env: dict[str, str]
    gitlab: GitLab

    def write(self, name: str, body: dict[str, Any]) -> None:
        (self.work / "personas").mkdir(exist_ok=True)
        (self.work / "personas" / f"{name}.yaml").write_text(manifest_text(name, body))

    def push(self, message: str) -> None:
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", message)
        git(self.work, "push", "-q", "origin", "HEAD:main")

    def run(self, job: str, **variables: str) -> Job:
        template = yaml.safe_load(TEMPLATE.read_text())
        spec_ = template[job]
        env = {**self.env, **{k: str(v) for k, v in template["variables"].items()}, **variables}
        env["CI_COMMIT_SHORT_SHA"] = git(self.work, "rev-parse", "--short", "HEAD").strip()
        main = self._shell(spec_["script"], env)
        after = self._shell(spec_["after_script"], env) if "after_script" in spec_ else None
        return Job(
            main.returncode,
            main.stdout + main.stderr,
            after.returncode if after else None,
            after.stdout + after.stderr if after else "",
        )

    def _shell(self, items: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        script = "set -eo pipefail\n" + "\n".join(items)
        return subprocess.run(["bash", "-c", script], cwd=self.work, env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator) -> Iterator[Project]:
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "main")
    with serve() as gitlab:
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
        env = {
            "PATH": path, "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
            # the template pushes to GitLab over https: send that URL to the bare origin
            "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{origin}.insteadOf",
            "GIT_CONFIG_VALUE_0": REMOTE,
            "CI_API_V4_URL": gitlab.url, "CI_PROJECT_ID": "1", "CI_MERGE_REQUEST_IID": "7",
            "CI_SERVER_HOST": "gitlab.test", "CI_PROJECT_PATH": "acme/personas",
            "CI_COMMIT_BRANCH": "main", "TAVUSCTL_GITLAB_TOKEN": gitlab.token,
            "TAVUS_API_URL": emulator.url, "TAVUS_API_KEY": emulator.api_key,
            "TAVUSCTL_TIMEOUT": "5",
        }  # fmt: skip
        project = Project(work, origin, env, gitlab)
        project.write("greeter", spec("greeter"))
        project.write("helper", spec("helper"))
        project.push("Two personas")
        yield project


def test_the_merge_request_note_is_posted_once_and_updated(project: Project) -> None:
    first = project.run("tavusctl-plan")
    assert first.code == 0, first.output
    assert len(project.gitlab.notes) == 1
    assert project.gitlab.notes[0]["body"].startswith("<!-- tavusctl-plan:default -->")
    project.write("greeter", spec("greeter", system_prompt="You greet visitors."))
    project.push("Greeter prompt")
    assert project.run("tavusctl-plan").code == 0
    (note,) = project.gitlab.notes
    assert note["edits"] == 1 and "You greet visitors." in note["body"]


def test_a_failed_apply_still_commits_the_state(project: Project, emulator: Emulator) -> None:
    emulator.inject("POST", "/v2/personas", status=400, count=1, body={"error": "Bad voice"})
    job = project.run("tavusctl-apply")
    assert job.code == 1
    assert job.after_code == 0, job.after_output
    head = git(project.origin, "log", "-1", "--format=%s", "main")
    assert head.startswith("tavusctl: record the apply of ") and "[skip ci]" in head
    lock = lockfile.parse(git(project.origin, "show", "main:tavus.lock"), "tavus.lock")
    assert len([e for e in lock.entries.values() if e.id]) == 1


def test_drift_opens_one_issue_and_updates_it(project: Project, emulator: Emulator) -> None:
    assert project.run("tavusctl-apply").code == 0
    assert project.run("tavusctl-drift").code == 0 and project.gitlab.issues == []
    persona = emulator.list_personas()[0]
    emulator.edit_persona(persona["persona_id"], [{"op": "replace", "path": "/system_prompt", "value": "Edited."}])  # fmt: skip
    first = project.run("tavusctl-drift")
    assert first.code == 0, first.output
    assert len(project.gitlab.issues) == 1 and project.gitlab.issues[0]["labels"] == ["tavusctl-drift"]  # fmt: skip
    emulator.create_persona(spec("greeter"))
    assert project.run("tavusctl-drift").code == 0
    (issue,) = project.gitlab.issues
    assert "unmanaged" in issue["description"] and "Edited." in issue["description"]
