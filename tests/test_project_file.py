"""The project file tavusctl.yaml: read with locations, checked by its schema, states unshared."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavusctl import scaffold
from tavusctl.core.errors import ManifestError
from tavusctl.manifest import project


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tavusctl.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_what_init_writes_reads(tmp_path: Path) -> None:
    for envs in ((), ("staging", "prod")):
        path = _write(tmp_path, scaffold.project_file(envs))
        found = project.read_or_raise(path)
        assert found.manifests == (tmp_path / scaffold.MANIFESTS,)
        assert list(found.environments) == list(envs)
        if envs:
            prod = found.environments["prod"]
            assert prod.api_key_env == "TAVUS_API_KEY_PROD"
            assert prod.state == project.State(path=tmp_path / "state/prod.lock")


def test_full_example(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "apiVersion: tavusctl/v1\nkind: Project\nmanifests: [personas]\nenvironments:\n"
        "  staging:\n    api_key_env: K_STAGING\n    api_url: http://x\n"
        "    state: state/staging.lock\n    vars:\n      face: r1\n      n: 3\n"
        "  prod:\n    state:\n      backend: postgres\n      url_env: TAVUSCTL_STATE_URL\n"
        "      workspace: acme-prod\n    vars: {face: r2}\n",
    )
    found = project.read_or_raise(path)
    staging = found.environments["staging"]
    assert staging.vars == {"face": "r1", "n": 3}
    assert staging.api_url == "http://x"
    assert staging.var_locations["n"].line == 11
    assert found.environments["prod"].state == project.State(
        "postgres", None, "TAVUSCTL_STATE_URL", "acme-prod"
    )
    assert found.environments["prod"].api_key_env == "TAVUS_API_KEY"


def test_problems_are_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "apiVersion: tavusctl/v1\nkind: Project\nmanifest: [x]\nenvironments:\n"
        "  Prod:\n    state: a.lock\n  staging:\n    state: 3\n",
    )
    found, problems = project.read(path, "tavusctl.yaml")
    assert found is None
    text = "\n".join(str(p) for p in problems)
    assert (
        "tavusctl.yaml:3:1: Unknown field 'manifest' in the project file. Did you mean 'manifests'?"
        in text
    )
    assert "tavusctl.yaml:5:" in text and "Prod" in text
    assert "tavusctl.yaml:8:12: environments.staging.state must be a lockfile path" in text


def test_two_environments_sharing_a_state(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "apiVersion: tavusctl/v1\nkind: Project\nenvironments:\n"
        "  staging:\n    state: s.lock\n  prod:\n    state: ./s.lock\n",
    )
    with pytest.raises(ManifestError) as err:
        project.read_or_raise(path, "tavusctl.yaml")
    assert str(err.value).startswith("tavusctl.yaml:7:12: environments.prod.state is ")
    assert "state of environment staging too" in str(err.value)


def test_choosing_an_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, scaffold.project_file(("staging", "prod")))
    found = project.read_or_raise(path, "tavusctl.yaml")
    assert found.environment("prod") is found.environments["prod"]
    with pytest.raises(ManifestError, match="declares the environments staging, prod: choose"):
        found.environment(None)
    with pytest.raises(ManifestError, match="declares staging, prod"):
        found.environment("qa")
    plain = project.read_or_raise(_write(tmp_path, scaffold.project_file(())))
    assert plain.environment(None) is None
    with pytest.raises(ManifestError, match="declares no environments"):
        plain.environment("prod")


def test_default_workspace_is_the_project_folder_and_environment(tmp_path: Path) -> None:
    folder = tmp_path / "Acme Agents!"
    folder.mkdir()
    block = "{backend: postgres, url_env: U}"
    path = _write(
        folder,
        f"state: {block}\nenvironments:\n  staging:\n    state: {block}\n"
        f"  prod:\n    state: {block}\n",
    )
    found = project.read_or_raise(path)  # two blocks without a workspace: not shared
    assert found.default_workspace("prod") == "Acme-Agents/prod"
    assert found.default_workspace(None) == "Acme-Agents"
    assert found.state_of(found.environments["staging"]) == found.environments["staging"].state
    assert found.state_of(None) == project.State("postgres", None, "U", None)
    assert project.default_workspace("...", "prod") == ".../prod"
    assert project.default_workspace("--", None) == "default"


def test_a_named_workspace_equal_to_a_derived_one_is_shared(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    folder.mkdir()
    path = _write(
        folder,
        "environments:\n  staging:\n    state: {backend: postgres, url_env: U}\n"
        "  prod:\n    state: {backend: postgres, url_env: U, workspace: acme/staging}\n",
    )
    with pytest.raises(ManifestError, match="postgres workspace acme/staging, the state of"):
        project.read_or_raise(path, "tavusctl.yaml")


def test_an_environment_without_a_state_takes_the_top_level_one(tmp_path: Path) -> None:
    top = "name: acme\nstate: {backend: postgres, url_env: U}\n"
    envs = "environments:\n  staging: {vars: {a: 1}}\n  prod:\n    state: p.lock\n"
    found = project.read_or_raise(_write(tmp_path, top + envs))
    staging = found.environments["staging"]
    assert staging.state is None
    assert found.state_of(staging) == project.State("postgres", None, "U", None)
    assert found.default_workspace("staging") == "acme/staging"

    shared = "state: tavus.lock\nenvironments:\n  staging: {}\n  prod: {}\n"
    _, problems = project.read(_write(tmp_path, shared), "tavusctl.yaml")
    assert [str(p) for p in problems] == [
        "tavusctl.yaml:4:3: environments.prod has no state of its own, so its state, the "
        "top-level one, is tavus.lock, the state of environment staging too. Two environments "
        "can never share a state (each would forget or adopt the other's resources): give "
        "each its own."
    ]
    named = (
        "state: {backend: postgres, url_env: U, workspace: w}\nenvironments:\n  a: {}\n  b: {}\n"
    )
    _, problems = project.read(_write(tmp_path, named), "tavusctl.yaml")
    assert "environments.b has no state of its own" in str(problems[0])
    _, problems = project.read(_write(tmp_path, "environments:\n  prod: {}\n"), "tavusctl.yaml")
    assert [str(p) for p in problems] == [
        "tavusctl.yaml:2:3: environments.prod has no state: give it one (state: "
        "state/prod.lock), or put a PostgreSQL block at the top level (state: {backend: "
        "postgres, url_env: NAME}), which gives each environment its own workspace."
    ]


def test_the_project_name_names_the_default_workspace(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: acme-agents\nstate: {backend: postgres, url_env: U}\n")
    found = project.read_or_raise(path)
    assert found.default_workspace("prod") == "acme-agents/prod"
    assert found.default_workspace(None) == "acme-agents"
    _, problems = project.read(_write(tmp_path, "name: 'a b'\n"), "tavusctl.yaml")
    assert [str(p) for p in problems] == [
        "tavusctl.yaml:1:7: name 'a b' is not a valid project name: it must match "
        "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ (for example acme-agents)."
    ]
