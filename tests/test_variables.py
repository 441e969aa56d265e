"""${var:NAME}: the selected environment's variables in manifests, and metadata.environments."""

from __future__ import annotations

from pathlib import Path

from tavusctl.manifest import load, project

HEAD = "apiVersion: tavusctl/v1\nkind: Persona\nmetadata:\n  name: p\n"


def _env(name: str = "prod", **variables: object) -> project.Environment:
    return project.Environment(name, vars=variables)


def _load(tmp_path: Path, body: str, env: project.Environment | None) -> load.LoadResult:
    (tmp_path / "p.yaml").write_text(HEAD + body, encoding="utf-8")
    return load.load([tmp_path], environment=env, environ={"K": "secret-value"})


def test_whole_value_keeps_the_type_and_text_takes_strings_and_numbers(tmp_path: Path) -> None:
    body = (
        "spec:\n  persona_name: 'Ann ${var:suffix} v${var:n}'\n  system_prompt: s\n"
        "  default_replica_id: ${var:face}\n  layers:\n    llm:\n      model: m\n"
        "      speculative_inference: ${var:fast}\n"
    )
    result = _load(tmp_path, body, _env(suffix="staging", n=2, face="r90bbd427f71", fast=True))
    assert not result.errors, result.errors
    spec = result.resources[0].spec
    assert spec["persona_name"] == "Ann staging v2"
    assert spec["default_replica_id"] == "r90bbd427f71"
    assert spec["layers"]["llm"]["speculative_inference"] is True


def test_a_missing_variable_names_the_environment_file_and_line(tmp_path: Path) -> None:
    body = "spec:\n  persona_name: a\n  system_prompt: s\n  default_replica_id: ${var:face}\n"
    result = _load(tmp_path, body, _env("staging"))
    (error,) = result.errors
    assert str(error).startswith(f"{tmp_path / 'p.yaml'}:8:")
    assert "environment staging has no variable face" in error.message
    assert "environments.staging.vars in tavusctl.yaml" in error.message


def test_no_environment_selected(tmp_path: Path) -> None:
    body = "spec:\n  persona_name: ${var:name}\n  system_prompt: s\n"
    (error,) = _load(tmp_path, body, None).errors
    assert "no environment is selected" in error.message


def test_a_structure_inside_text_is_refused(tmp_path: Path) -> None:
    body = "spec:\n  persona_name: 'x ${var:l}'\n  system_prompt: s\n"
    (error,) = _load(tmp_path, body, _env(l=[1, 2])).errors
    assert "inside text" in error.message and "environment prod" in error.message


def test_a_secret_field_refuses_variables(tmp_path: Path) -> None:
    body = (
        "spec:\n  persona_name: a\n  system_prompt: s\n  layers:\n    llm:\n      model: m\n"
        "      api_key: ${var:key}\n"
    )
    errors = _load(tmp_path, body, _env(key="sk-1")).errors
    assert any("never secrets" in e.message and "${env:NAME}" in e.message for e in errors)
    assert all("sk-1" not in e.message for e in errors)


def test_metadata_environments_limits_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: tavusctl/v1\nkind: Persona\nmetadata:\n  name: p\n"
        "  environments: [staging]\nspec:\n  persona_name: ${var:only_staging}\n"
        "  system_prompt: s\n",
        encoding="utf-8",
    )
    staging = load.load([tmp_path], environment=_env("staging", only_staging="x"))
    assert [r.name for r in staging.resources] == ["p"] and not staging.errors
    prod = load.load([tmp_path], environment=_env("prod"))
    assert prod.resources == () and not prod.diagnostics
