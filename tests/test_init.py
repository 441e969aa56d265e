"""`tavusctl init`: a project that validates and plans with no edit, and never a clobbered file."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.support.cli import Run
from tests.support.emulator import Emulator


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_init_then_validate_plan_and_apply_work_with_no_edit(
    tavusctl: Run, tmp_path: Path, emulator: Emulator
) -> None:
    created = tavusctl("init", "project")
    assert created.code == 0, created.output
    root = tmp_path / "project"
    assert "TAVUS_API_KEY" in created.stdout
    validated = tavusctl("validate", cwd=root)
    assert validated.code == 0, validated.output
    planned = tavusctl("plan", "--detailed-exitcode", cwd=root, env=emulator.env)
    assert planned.code == 2, planned.output
    assert "Persona/example will be created" in planned.stdout
    assert tavusctl("apply", "--auto-approve", cwd=root, env=emulator.env).code == 0
    again = tavusctl("plan", "--detailed-exitcode", cwd=root, env=emulator.env)
    assert again.code == 0, again.output


def test_init_writes_the_project_file_schemas_and_editor_settings_that_fit_together(
    tavusctl: Run, tmp_path: Path
) -> None:
    created = tavusctl("init")
    assert created.code == 0
    project = yaml.safe_load((tmp_path / "tavusctl.yaml").read_text())
    assert project == {"apiVersion": "tavusctl/v1", "kind": "Project",
                       "manifests": ["personas"], "state": "tavus.lock"}  # fmt: skip
    example = tmp_path / "personas" / "example.yaml"
    first = example.read_text().splitlines()[0]
    schema = (example.parent / first.removeprefix("# yaml-language-server: $schema=")).resolve()
    assert schema == (tmp_path / "schemas" / "manifest.schema.json").resolve()
    assert json.loads(schema.read_text())["title"] == "tavusctl manifest"
    settings = json.loads((tmp_path / ".vscode" / "settings.json").read_text())
    assert (tmp_path / next(iter(settings["yaml.schemas"]))).is_file()
    assert "*.lock.lock" in (tmp_path / ".gitignore").read_text()
    assert "tavus.lock merge=tavusctl" in (tmp_path / ".gitattributes").read_text()
    assert "git config merge.tavusctl.driver" in created.stdout
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    assert [h["id"] for h in hooks["repos"][0]["hooks"]] == ["tavusctl-validate", "tavusctl-fmt"]
    workflows = sorted(p.name for p in (tmp_path / ".github" / "workflows").iterdir())
    assert workflows == ["tavusctl-apply.yml", "tavusctl-drift.yml", "tavusctl-plan.yml"]


def test_init_in_a_project_with_any_of_its_files_lists_them_and_writes_nothing(
    tavusctl: Run, tmp_path: Path
) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "example.yaml").write_text("# mine\n")
    before = files_under(tmp_path)
    result = tavusctl("init")
    assert result.code == 1
    assert "2 files of a new project already exist" in result.stderr
    assert ".gitignore, personas/example.yaml" in result.stderr
    assert "Traceback" not in result.stderr
    assert files_under(tmp_path) == before


def test_init_for_gitlab_and_for_no_ci(tavusctl: Run, tmp_path: Path) -> None:
    assert tavusctl("init", "g", "--ci", "gitlab").code == 0
    assert (tmp_path / "g" / ".gitlab-ci.yml").is_file()
    assert not (tmp_path / "g" / ".github").exists()
    assert tavusctl("init", "n", "--ci", "none").code == 0
    assert not (tmp_path / "n" / ".github").exists()
    assert not (tmp_path / "n" / ".gitlab-ci.yml").exists()


def test_init_declares_environments_each_with_its_key_and_state(
    tavusctl: Run, tmp_path: Path
) -> None:
    assert tavusctl("init", "--env", "staging", "--env", "prod").code == 0
    project = yaml.safe_load((tmp_path / "tavusctl.yaml").read_text())
    assert "state" not in project
    assert project["environments"] == {
        "staging": {"api_key_env": "TAVUS_API_KEY_STAGING", "state": "state/staging.lock", "vars": {}},
        "prod": {"api_key_env": "TAVUS_API_KEY_PROD", "state": "state/prod.lock", "vars": {}},
    }  # fmt: skip
    attributes = (tmp_path / ".gitattributes").read_text()
    assert "state/staging.lock merge=tavusctl\nstate/prod.lock merge=tavusctl\n" in attributes
    plan = (tmp_path / ".github/workflows/tavusctl-plan.yml").read_text()
    assert "environment: [staging, prod]" in plan
    assert "TAVUS_API_KEY_PROD: ${{ secrets.TAVUS_API_KEY_PROD }}" in plan


def test_init_refuses_a_bad_environment_name(tavusctl: Run, tmp_path: Path) -> None:
    result = tavusctl("init", "--env", "Prod_1")
    assert result.code == 1 and "'Prod_1' is not a valid environment name" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_schema_write_copies_the_shipped_schemas(tavusctl: Run, tmp_path: Path) -> None:
    result = tavusctl("schema", "--write", "schemas")
    assert result.code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert names == [
        "guardrail-spec.schema.json",
        "manifest.schema.json",
        "objectives-spec.schema.json",
        "pal-spec.schema.json",  # manifest.schema.json refers to it for kind: Pal
        "persona-spec.schema.json",
        "plan.schema.json",
        "project.schema.json",
        "pronunciation-dictionary-spec.schema.json",
        "tool-spec.schema.json",
    ]
    printed = tavusctl("schema")
    assert json.loads(printed.stdout) == json.loads(
        (tmp_path / "schemas" / "manifest.schema.json").read_text()
    )
