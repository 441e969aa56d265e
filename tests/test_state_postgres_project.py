"""The PostgreSQL state configured in tavusctl.yaml (``state: {backend: postgres, ...}``), at the
top level and per environment: which store each command uses, the default workspace, the
options that win over the file, the file's errors, and what is said. Real server, real
emulator, real CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg
import pytest

from tavusctl.state.postgres import PostgresStore
from tests.support.cli import Result, run_cli
from tests.support.emulator import Emulator
from tests.support.postgres import PASSWORD

STAGING_KEY = "staging-key-7f3a9c1e"
PROD_KEY = "prod-key-2b8d4e6f"
URL_ENV = "TEAM_STATE_URL"
PERSONA = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: support
spec:
  persona_name: Support ${var:suffix}
  system_prompt: You help.
"""
PLAIN = PERSONA.replace(" ${var:suffix}", "")


def two_envs(url: str, staging: str, prod: str) -> str:
    """A project file whose environments keep their states as ``staging`` and ``prod`` say."""
    return f"""\
apiVersion: tavusctl/v1
kind: Project
manifests: [personas]
environments:
  staging:
    api_key_env: TAVUS_API_KEY_STAGING
    api_url: {url}
    state: {staging}
    vars: {{suffix: Staging}}
  prod:
    api_key_env: TAVUS_API_KEY_PROD
    api_url: {url}
    state: {prod}
    vars: {{suffix: Prod}}
"""


POSTGRES = "{backend: postgres, url_env: " + URL_ENV + "}"


def make_repo(root: Path, project: str, persona: str = PERSONA) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "personas").mkdir()
    (root / "personas" / "support.yaml").write_text(persona, encoding="utf-8")
    (root / "tavusctl.yaml").write_text(project, encoding="utf-8")
    return root


def run(
    root: Path, postgres_url: str, *args: str, cwd: Path | str | None = None, **env: str
) -> Result:
    base = {
        "TAVUS_API_KEY_STAGING": STAGING_KEY,
        "TAVUS_API_KEY_PROD": PROD_KEY,
        "TAVUS_API_KEY": PROD_KEY,
        URL_ENV: postgres_url,
        "TAVUSCTL_TIMEOUT": "5",
    }
    result = run_cli(*args, cwd=Path(cwd or root), env={**base, **env})
    for secret in (STAGING_KEY, PROD_KEY, PASSWORD):
        assert secret not in result.output, (args, result.output)
    assert "Traceback" not in result.output
    return result


def workspaces(postgres_url: str) -> dict[str, list[str]]:
    """Every workspace in the database and the keys it records."""
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute("SELECT to_regclass('tavusctl_workspaces')").fetchone()
        if found is None or found[0] is None:
            return {}
        rows = conn.execute(
            "SELECT w.workspace, e.key FROM tavusctl_workspaces w "
            "LEFT JOIN tavusctl_entries e USING (workspace) ORDER BY 1, 2"
        ).fetchall()
    out: dict[str, list[str]] = {}
    for workspace, key in rows:
        out.setdefault(workspace, [])
        if key is not None:
            out[workspace].append(key)
    return out


def recorded(postgres_url: str, workspace: str) -> dict[str, object]:
    """The lockfile JSON of ``workspace``."""
    return dict(json.loads(PostgresStore(postgres_url, workspace).read_with_text()[1] or "{}"))


def personas(emulator: Emulator, key: str) -> list[dict[str, object]]:
    return dataclasses.replace(emulator, api_key=key).list_personas()


def test_two_environments_on_one_database_keep_separate_workspaces(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    repo = make_repo(tmp_path / "acme-agents", two_envs(emulator.url, POSTGRES, POSTGRES))
    for env in ("staging", "prod"):
        result = run(repo, postgres_url, "apply", "--auto-approve", "--env", env)
        assert result.code == 0, result.output
        assert f"No state is recorded in PostgreSQL workspace 'acme-agents/{env}'" in result.stderr
    assert workspaces(postgres_url) == {
        "acme-agents/prod": ["Persona/support"],
        "acme-agents/staging": ["Persona/support"],
    }
    (staging,) = personas(emulator, STAGING_KEY)
    (prod,) = personas(emulator, PROD_KEY)
    for env, persona in (("staging", staging), ("prod", prod)):
        state = recorded(postgres_url, f"acme-agents/{env}")
        entry = state["resources"]["Persona/support"]  # type: ignore[index]
        assert entry["id"] == persona["persona_id"]
        assert state["account"]["environment"] == env  # type: ignore[index]
        listed = run(repo, postgres_url, "state", "list", "--env", env, cwd=repo / "personas")
        assert listed.code == 0 and str(persona["persona_id"]) in listed.stdout
        plan = run(repo, postgres_url, "plan", "--env", env, "--detailed-exitcode")
        assert plan.code == 0, plan.output
    assert not list(repo.rglob("*.lock")), "no lockfile is written"

    both = run(repo, postgres_url, "plan", "--all-envs", "--format", "json")
    assert both.code == 0, both.output
    assert json.loads(both.stdout)["has_changes"] is False


def test_a_top_level_block_without_environments(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    project = f"manifests: [personas]\nstate: {POSTGRES}\n"
    repo = make_repo(tmp_path / "solo", project, PLAIN)
    url = {"TAVUS_API_URL": emulator.url}
    emulator = dataclasses.replace(emulator, api_key=PROD_KEY)
    applied = run(repo, postgres_url, "apply", "--auto-approve", **url)
    assert applied.code == 0, applied.output
    assert workspaces(postgres_url) == {"solo": ["Persona/support"]}
    assert not (repo / "tavus.lock").exists()

    (persona,) = emulator.list_personas()
    listed = run(repo, postgres_url, "state", "list", cwd=repo / "personas", **url)
    assert str(persona["persona_id"]) in listed.stdout
    pulled = run(repo, postgres_url, "state", "pull", "-o", "backup.lock", **url)
    assert pulled.code == 0, pulled.output
    assert json.loads((repo / "backup.lock").read_text())["resources"]["Persona/support"]["id"]

    # The same project applied from a subfolder is the same workspace: nothing to do.
    plan = run(repo, postgres_url, "plan", "--detailed-exitcode", cwd=repo / "personas", **url)
    assert plan.code == 0, plan.output


def test_migrate_and_pull_per_environment_and_a_lockfile_environment_beside_postgres(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    """staging keeps its lockfile, prod moves into PostgreSQL with state migrate --env prod."""
    lockfiles = two_envs(emulator.url, "state/staging.lock", "state/prod.lock")
    repo = make_repo(tmp_path / "acme", lockfiles)
    for env in ("staging", "prod"):
        assert run(repo, postgres_url, "apply", "--auto-approve", "--env", env).code == 0
    original = (repo / "state/prod.lock").read_bytes()

    (repo / "tavusctl.yaml").write_text(
        two_envs(
            emulator.url,
            "state/staging.lock",
            "{backend: postgres, url_env: " + URL_ENV + ", workspace: acme-prod}",
        )
    )
    migrated = run(
        repo, postgres_url, "state", "migrate", "--from", "state/prod.lock", "--env", "prod"
    )
    assert migrated.code == 0, migrated.output
    assert "PostgreSQL workspace 'acme-prod'" in migrated.stdout
    assert workspaces(postgres_url) == {"acme-prod": ["Persona/support"]}
    (repo / "state/prod.lock").rename(repo / "prod.lock.bak")
    pulled = run(repo, postgres_url, "--env", "prod", "state", "pull")
    assert pulled.stdout.encode() == original
    for env in ("staging", "prod"):
        plan = run(repo, postgres_url, "plan", "--env", env, "--detailed-exitcode")
        assert plan.code == 0, plan.output
    assert not (repo / "state/prod.lock").exists()
    assert (repo / "state/staging.lock").exists()


def test_options_win_over_the_file(tmp_path: Path, emulator: Emulator, postgres_url: str) -> None:
    block = "{backend: postgres, url_env: " + URL_ENV + ", workspace: from-file}"
    repo = make_repo(tmp_path / "proj", f"manifests: [personas]\nstate: {block}\n", PLAIN)
    url = {"TAVUS_API_URL": emulator.url}

    assert (
        run(repo, postgres_url, "apply", "--auto-approve", "--state-workspace", "flag", **url).code
        == 0
    )
    assert (
        run(repo, postgres_url, "state", "list", TAVUSCTL_STATE_WORKSPACE="var", **url).stdout == ""
    )
    assert list(workspaces(postgres_url)) == ["flag"]

    # Another variable named by the option (its URL wins over the file's variable).
    other = run(
        repo,
        "postgresql://nobody:x@127.0.0.1:1/none",  # what the file's variable now holds
        "state",
        "list",
        "--state-url-env",
        "OTHER_URL",
        "--state-workspace",
        "flag",
        OTHER_URL=postgres_url,
        **url,
    )
    assert other.code == 0, other.output
    assert "support" in other.stdout

    # --lockfile wins over the file's block: the lockfile store (empty, so the persona the
    # workspace manages is an unmanaged one of the same name to it).
    local = run(repo, postgres_url, "plan", "--lockfile", "local.lock", **url)
    assert local.code == 1, local.output
    assert "No lockfile found at local.lock (--lockfile)" in local.stderr
    assert "an unmanaged persona with this persona_name exists" in local.stdout
    assert list(workspaces(postgres_url)) == ["flag"]


def test_the_environments_block_wins_over_the_top_level_one(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    """staging names its own block; prod has none and takes the top-level one, in a workspace
    of its own; a third environment with a lockfile keeps it."""
    staging = "{backend: postgres, url_env: " + URL_ENV + ", workspace: st}"
    envs = two_envs(emulator.url, staging, "PROD").replace("    state: PROD\n", "")
    envs += f"  qa:\n    api_url: {emulator.url}\n    state: qa.lock\n    vars: {{suffix: QA}}\n"
    top = "name: acme\nstate: {backend: postgres, url_env: " + URL_ENV + "}\n"
    repo = make_repo(tmp_path / "mixed", top + envs)
    for env in ("staging", "prod", "qa"):
        result = run(repo, postgres_url, "apply", "--auto-approve", "--env", env)
        assert result.code == 0, result.output
    assert workspaces(postgres_url) == {"acme/prod": ["Persona/support"], "st": ["Persona/support"]}
    assert (repo / "qa.lock").exists() and not (repo / "tavus.lock").exists()


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "{backend: postgress, url_env: U}",
            "tavusctl.yaml:8:22: environments.staging.state.backend is the string 'postgress', "
            "which is not allowed. Allowed: lockfile, postgres. Did you mean 'postgres'?",
        ),
        (
            "{backend: postgres}",
            "tavusctl.yaml:8:5: environments.staging.state is missing the required field "
            "'url_env'. Add it.",
        ),
        (
            "{backend: postgres, url_env: 5}",
            "tavusctl.yaml:8:41: environments.staging.state.url_env must be a string, not the "
            "number 5.",
        ),
        (
            "{backend: postgres, url_env: U, workspace: [a]}",
            "tavusctl.yaml:8:55: environments.staging.state.workspace must be a string",
        ),
        (
            "{backend: postgres, url_env: U, path: x.lock}",
            "tavusctl.yaml:8:44: environments.staging.state.path is for backend lockfile",
        ),
    ],
)
def test_a_wrong_block_is_a_located_error(
    tmp_path: Path, emulator: Emulator, postgres_url: str, block: str, expected: str
) -> None:
    repo = make_repo(tmp_path / "bad", two_envs(emulator.url, block, "p.lock"))
    for args in (("plan", "--env", "prod"), ("validate",), ("state", "pull", "--env", "prod")):
        result = run(repo, postgres_url, *args)
        assert result.code == 1, result.output
        assert expected in result.output
    assert workspaces(postgres_url) == {}


def test_an_unset_variable_named_by_the_file_is_a_clear_error(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    repo = make_repo(tmp_path / "acme", two_envs(emulator.url, POSTGRES, "p.lock"))
    result = run(repo, postgres_url, "plan", "--env", "staging", **{URL_ENV: ""})
    assert result.code == 1
    assert result.stderr.startswith(
        "Error: The state is configured in PostgreSQL (by environments.staging.state in "
        f"tavusctl.yaml), but the environment variable {URL_ENV} "
    )


def test_messages_name_the_state_and_its_workspace_never_a_lockfile(
    tmp_path: Path, emulator: Emulator, postgres_url: str
) -> None:
    repo = make_repo(tmp_path / "acme", two_envs(emulator.url, "s.lock", POSTGRES))
    server = postgres_url.rsplit("@", 1)[1]  # host:port/db
    where = f"the state in PostgreSQL workspace 'acme/prod' ({server})"
    env = ("--env", "prod")

    empty = run(repo, postgres_url, "destroy", "--auto-approve", *env)
    assert empty.stdout.startswith(f"{where[:1].upper()}{where[1:]} records no personas")
    assert run(repo, postgres_url, "apply", "--auto-approve", *env).code == 0
    missing = run(repo, postgres_url, "state", "show", "nobody", *env)
    assert missing.code == 1
    assert f"'nobody' is not in {where}." in missing.stderr
    (persona,) = personas(emulator, PROD_KEY)
    again = run(repo, postgres_url, "import", "support", str(persona["persona_id"]), *env)
    assert again.code == 1
    assert f"Persona/support is already in {where}" in again.stderr
    moved = run(repo, postgres_url, "state", "mv", "support", "support", *env)
    assert f"is already in {where}" in moved.stderr
    unknown = run(repo, postgres_url, "conversation", "nobody", *env)
    assert f"'nobody' is not in {where}." in unknown.stderr
    for result in (empty, missing, again, moved, unknown):
        assert "lockfile" not in result.output
