"""Environments through the real CLI: one repository, two Tavus accounts (two API keys on one
emulator are two accounts), tavusctl.yaml found upward, ${var:} per environment."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.support.cli import Result, run_cli
from tests.support.emulator import Emulator

STAGING_KEY = "staging-key-7f3a9c1e"
PROD_KEY = "prod-key-2b8d4e6f"
PERSONA = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: support
spec:
  persona_name: Support ${var:suffix}
  system_prompt: You help.
  default_replica_id: ${var:face}
"""


def project(url: str, *, prod_vars: str = "{suffix: Prod, face: r4067604db72}") -> str:
    return f"""\
apiVersion: tavusctl/v1
kind: Project
manifests: [personas]
environments:
  staging:
    api_key_env: TAVUS_API_KEY_STAGING
    api_url: {url}
    state: state/staging.lock
    vars: {{suffix: Staging, face: r90bbd427f71}}
  prod:
    api_key_env: TAVUS_API_KEY_PROD
    api_url: {url}
    state: state/prod.lock
    vars: {prod_vars}
"""


@pytest.fixture
def repo(tmp_path: Path, emulator: Emulator) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "support.yaml").write_text(PERSONA, encoding="utf-8")
    (tmp_path / "tavusctl.yaml").write_text(project(emulator.url), encoding="utf-8")
    return tmp_path


def run(repo: Path, *args: str, cwd: Path | None = None, **env: str) -> Result:
    keys = {"TAVUS_API_KEY_STAGING": STAGING_KEY, "TAVUS_API_KEY_PROD": PROD_KEY}
    result = run_cli(*args, cwd=cwd or repo, env={**keys, "TAVUSCTL_TIMEOUT": "5", **env})
    assert STAGING_KEY not in result.output and PROD_KEY not in result.output
    return result


def personas(emulator: Emulator, key: str) -> list[dict[str, object]]:
    return dataclasses.replace(emulator, api_key=key).list_personas()


def test_one_repository_applies_to_two_accounts(repo: Path, emulator: Emulator) -> None:
    for env in ("staging", "prod"):
        result = run(repo, "apply", "--auto-approve", "--env", env, cwd=repo / "personas")
        assert result.code == 0, result.output
    (staging,) = personas(emulator, STAGING_KEY)
    (prod,) = personas(emulator, PROD_KEY)
    assert (staging["persona_name"], staging["default_replica_id"]) == (
        "Support Staging",
        "r90bbd427f71",
    )
    assert (prod["persona_name"], prod["default_replica_id"]) == ("Support Prod", "r4067604db72")
    assert staging["persona_id"] != prod["persona_id"]
    for env, persona in (("staging", staging), ("prod", prod)):
        lock = json.loads((repo / "state" / f"{env}.lock").read_text(encoding="utf-8"))
        assert [e["id"] for e in lock["resources"].values()] == [persona["persona_id"]]
    assert not (repo / "tavus.lock").exists()
    again = run(repo, "plan", "--detailed-exitcode", TAVUSCTL_ENV="prod")
    assert again.code == 0, again.output


def test_without_env_the_environments_are_listed(repo: Path) -> None:
    result = run(repo, "plan")
    assert result.code == 1
    assert "tavusctl.yaml declares the environments staging, prod: choose one with --env" in (
        result.stderr
    )
    unknown = run(repo, "state", "list", "--env", "qa")
    assert unknown.code == 1 and "declares staging, prod" in unknown.stderr


def test_apply_takes_one_environment(repo: Path, emulator: Emulator) -> None:
    result = run(repo, "apply", "--auto-approve", "--env", "staging", "--env", "prod")
    assert result.code == 1 and "one environment" in result.stderr
    assert emulator.requests() == []


def test_a_missing_key_names_the_environment(repo: Path) -> None:
    result = run_cli("plan", "--env", "prod", cwd=repo)
    assert result.code == 1
    assert "No API key for environment prod: set TAVUS_API_KEY_PROD" in result.stderr


def test_a_variable_missing_in_one_environment(repo: Path, emulator: Emulator) -> None:
    (repo / "tavusctl.yaml").write_text(
        project(emulator.url, prod_vars="{suffix: Prod}"), encoding="utf-8"
    )
    result = run(repo, "validate")
    assert result.code == 1
    assert result.stdout.startswith("personas/support.yaml:8:23: spec.default_replica_id reads")
    assert "environment prod has no variable face" in result.stdout
    assert "staging" not in result.stdout
    plan = run(repo, "apply", "--auto-approve", "--env", "prod")
    assert plan.code == 1 and "environment prod has no variable face" in plan.stderr
    assert not (repo / "state" / "prod.lock").exists()
    assert emulator.requests() == []
    assert run(repo, "validate", "--env", "staging").code == 0


def test_two_environments_sharing_a_state_is_a_load_error(repo: Path, emulator: Emulator) -> None:
    text = project(emulator.url).replace("state/prod.lock", "state/staging.lock")
    (repo / "tavusctl.yaml").write_text(text, encoding="utf-8")
    result = run(repo, "plan", "--env", "prod")
    assert result.code == 1
    assert (
        "tavusctl.yaml:13:12: environments.prod.state is state/staging.lock, the state of environment staging"
        in result.stderr
    )
    assert emulator.requests() == []
    assert run(repo, "validate").code == 1


def test_no_project_file_changes_nothing(tmp_path: Path, emulator: Emulator) -> None:
    (tmp_path / "p.yaml").write_text(
        PERSONA.replace("${var:suffix}", "A").replace("${var:face}", "r90bbd427f71"),
        encoding="utf-8",
    )
    env = {"TAVUS_API_KEY": STAGING_KEY, "TAVUS_API_URL": emulator.url}
    result = run_cli("apply", "--auto-approve", cwd=tmp_path, env=env)
    assert result.code == 0, result.output
    assert (tmp_path / "tavus.lock").exists()
    refused = run_cli("plan", "--env", "prod", cwd=tmp_path, env=env)
    assert refused.code == 1 and "no tavusctl.yaml was found" in refused.stderr


def test_plan_across_environments(repo: Path, emulator: Emulator) -> None:
    assert run(repo, "apply", "--auto-approve", "--env", "staging").code == 0
    many = [f"p{i}" for i in range(40)]
    for name in many:  # changes in both: 40 creates in prod and staging, long prompts
        text = PERSONA.replace("support", name).replace("You help.", "x" * 3000)
        (repo / "personas" / f"{name}.yaml").write_text(text, encoding="utf-8")
    md = run(repo, "plan", "--env", "staging", "--env", "prod", "--format", "markdown",
             "--detailed-exitcode")  # fmt: skip
    assert md.code == 2, md.output
    assert len(md.stdout) <= 60_000
    assert "| environment | create | update | delete | drift |" in md.stdout
    assert "| staging | 40 | 0 | 0 | 0 |" in md.stdout
    assert "| prod | 41 | 0 | 0 | 0 |" in md.stdout
    assert "<summary>staging: Plan: 40 to create" in md.stdout
    assert "<summary>prod: Plan: 41 to create" in md.stdout
    assert md.stdout.count("<!-- tavusctl-plan:") == 1
    shown = run(repo, "plan", "--all-envs")
    assert shown.code == 0, shown.output
    assert "=== Environment staging ===" in shown.stdout
    assert "=== Environment prod ===" in shown.stdout
    doc = json.loads(run(repo, "plan", "--all-envs", "--format", "json").stdout)
    assert list(doc["environments"]) == ["staging", "prod"] and doc["has_changes"]
    assert doc["environments"]["prod"]["summary"]["create"] == 41


def test_plan_across_environments_without_changes(repo: Path) -> None:
    for env in ("staging", "prod"):
        assert run(repo, "apply", "--auto-approve", "--env", env).code == 0
    result = run(repo, "plan", "--all-envs", "--detailed-exitcode")
    assert result.code == 0, result.output


def test_each_state_records_its_environment_and_refuses_another(
    repo: Path, emulator: Emulator
) -> None:
    assert run(repo, "apply", "--auto-approve", "--env", "staging").code == 0
    lock = json.loads((repo / "state" / "staging.lock").read_text(encoding="utf-8"))
    assert lock["account"]["environment"] == "staging"
    before = (repo / "state" / "staging.lock").read_bytes()
    emulator.clear_requests()
    result = run(repo, "apply", "--auto-approve", "--env", "prod", "--lockfile",
                 "state/staging.lock")  # fmt: skip
    assert result.code == 1
    assert "state/staging.lock is the state of environment staging, not of environment prod" in (
        result.stderr
    )
    assert emulator.requests() == []
    assert (repo / "state" / "staging.lock").read_bytes() == before
    assert not (repo / "state" / "prod.lock").exists()


def test_staging_state_with_the_production_key_names_the_environment(
    repo: Path, emulator: Emulator
) -> None:
    assert run(repo, "apply", "--auto-approve", "--env", "staging").code == 0
    before = (repo / "state" / "staging.lock").read_bytes()
    result = run(repo, "apply", "--auto-approve", "--env", "staging",
                 TAVUS_API_KEY_STAGING=PROD_KEY)  # fmt: skip
    assert result.code == 1, result.output
    assert "This is environment staging" in result.stderr
    assert (repo / "state" / "staging.lock").read_bytes() == before
    assert personas(emulator, PROD_KEY) == []


def test_diff_shows_what_production_lacks(repo: Path, emulator: Emulator) -> None:
    for env in ("staging", "prod"):
        assert run(repo, "apply", "--auto-approve", "--env", env).code == 0
    same = run(repo, "diff", "--env", "staging", "--env", "prod")
    assert same.code == 2, same.output  # the variables differ
    assert "~ Persona/support: 2 fields differ" in same.stdout
    assert '/persona_name: "Support Staging" (staging) -> "Support Prod" (prod)' in same.stdout
    text = PERSONA.replace("support", "greeter")
    (repo / "personas" / "greeter.yaml").write_text(text, encoding="utf-8")
    assert run(repo, "apply", "--auto-approve", "--env", "staging").code == 0
    emulator.clear_requests()
    result = run(repo, "diff", "--env", "staging", "--env", "prod")
    assert result.code == 2
    assert "+ Persona/greeter: in staging (p" in result.stdout
    assert "prod lacks it" in result.stdout
    assert all(r["method"] == "GET" for r in emulator.requests())
    one = run(repo, "diff", "--env", "staging")
    assert one.code == 1 and "diff compares two environments" in one.stderr
