"""What ``tavusctl init`` writes: the files of a new project, as text. Pure: no I/O but reading
the templates shipped in this package.

The CI templates are YAML with ``@@NAME@@`` placeholders (GitHub's ``${{ }}`` and the shell's
``$`` stay untouched). Without environments the GitHub workflows are exactly the files in
``examples/ci/github/`` of the repository (a test keeps them equal).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from tavusctl import __version__

# Where the Action and the pre-commit hooks live: the repository of this tavusctl. A team that
# mirrors tavusctl changes these two lines in the files init wrote.
SOURCE = "https://github.com/tavusctl/tavusctl"
ACTION = f"tavusctl/tavusctl@v{__version__}"
MANIFESTS = "personas"
WORKFLOWS = ("tavusctl-plan.yml", "tavusctl-apply.yml", "tavusctl-drift.yml")
CI_CHOICES = ("github", "gitlab", "none")


@dataclass(frozen=True)
class Options:
    """What to scaffold: the CI system, the environments, the default branch."""

    ci: str = "github"
    environments: tuple[str, ...] = ()
    branch: str = "main"


def files(options: Options) -> dict[str, str]:
    """Every file of a new project, by path relative to the project root."""
    out = {
        "tavusctl.yaml": project_file(options.environments),
        f"{MANIFESTS}/example.yaml": EXAMPLE_MANIFEST,
        ".gitignore": GITIGNORE,
        ".gitattributes": gitattributes(options.environments),
        ".pre-commit-config.yaml": PRE_COMMIT_CONFIG,
        ".vscode/settings.json": VSCODE_SETTINGS,
    }
    if options.ci == "github":
        for name in WORKFLOWS:
            out[f".github/workflows/{name}"] = github_workflow(name, options)
    elif options.ci == "gitlab":
        out[".gitlab-ci.yml"] = gitlab_ci(options)
    return out


def state_files(environments: Sequence[str]) -> list[str]:
    """The state file of each environment (or the one lockfile)."""
    return [f"state/{env}.lock" for env in environments] or ["tavus.lock"]


def committed_files(environments: Sequence[str]) -> list[str]:
    """What CI commits after an apply: each state file and its journal (left by a killed apply,
    see tavusctl/state/journal.py)."""
    return [name for path in state_files(environments) for name in (path, f"{path}.journal")]


def key_variable(environment: str | None) -> str:
    """The variable an environment's API key is read from."""
    suffix = "" if environment is None else "_" + environment.upper().replace("-", "_")
    return "TAVUS_API_KEY" + suffix


def project_file(environments: Sequence[str]) -> str:
    """``tavusctl.yaml``, as design.md describes it."""
    head = (
        "# yaml-language-server: $schema=schemas/project.schema.json\n"
        "# The tavusctl project file. Paths are relative to this file.\n"
        "apiVersion: tavusctl/v1\n"
        "kind: Project\n"
        f"manifests: [{MANIFESTS}]              # default PATHs of validate, plan and apply\n"
    )
    if not environments:
        return head + "state: tavus.lock                # what tavusctl applied: commit it\n"
    lines = ["environments:                    # select one with --env NAME or TAVUSCTL_ENV"]
    for env, state in zip(environments, state_files(environments), strict=True):
        lines += [
            f"  {env}:",
            f"    api_key_env: {key_variable(env)}",
            f"    state: {state}",
            "    vars: {}",
        ]
    return head + "\n".join(lines) + "\n"


def _template(*parts: str) -> str:
    return resources.files(__name__).joinpath(*parts).read_text(encoding="utf-8")


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    assert "@@" not in text, "every placeholder of a CI template is filled"
    return text


def github_workflow(name: str, options: Options) -> str:
    """One GitHub workflow; with environments, a matrix job per environment."""
    envs = options.environments
    secrets = ["      TAVUSCTL_ENV: ${{ matrix.environment }}"] if envs else []
    secrets += [
        f"      {var}: ${{{{ secrets.{var} }}}}"
        for var in ([key_variable(e) for e in envs] or [key_variable(None)])
    ]
    matrix = (
        "    strategy:\n      fail-fast: false\n      matrix:\n"
        f"        environment: [{', '.join(envs)}]\n"
        if envs
        else ""
    )
    return _fill(
        _template("github", name),
        {
            "MATRIX": matrix,
            "MATRIX_SUFFIX": "-${{ matrix.environment }}" if envs else "",
            "SECRETS": "\n".join(secrets),
            "ACTION": ACTION,
            "BRANCH": options.branch,
            "STATE_FILES": " ".join(committed_files(envs)),
        },
    )


def gitlab_ci(options: Options) -> str:
    """The GitLab CI template; with environments, a parallel matrix per environment."""
    envs = options.environments
    matrix = (
        f"  parallel:\n    matrix:\n      - TAVUSCTL_ENV: [{', '.join(envs)}]\n" if envs else ""
    )
    keys = ", ".join(key_variable(e) for e in envs)
    return _fill(
        _template("gitlab", "gitlab-ci.yml"),
        {
            "GITLAB_MATRIX": matrix,
            "GITLAB_ENV_SUFFIX": "-$TAVUSCTL_ENV" if envs else "",
            "ENV_KEYS_NOTE": f" (or one per environment: {keys})" if envs else "",
            "PIP_SPEC": f"git+{SOURCE}@v{__version__}",
            "STATE_FILES": " ".join(committed_files(envs)),
        },
    )


EXAMPLE_MANIFEST = """\
# yaml-language-server: $schema=../schemas/manifest.schema.json
#
# An example persona. Edit it, then `tavusctl plan` shows what would change on the account
# and `tavusctl apply` makes it so. Secrets come from the environment: api_key: ${env:NAME}.
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: example                  # identity: renaming it means another persona
spec:
  persona_name: Example Assistant
  system_prompt: |-
    You are a friendly assistant on a video call. Keep answers short and ask one question at
    a time.
  default_replica_id: r90bbd427f71
  layers:
    perception:
      perception_model: raven-1
    conversational_flow:
      turn_detection_model: sparrow-1
"""

GITIGNORE = """\
# tavusctl: the guard file older tavusctl versions left beside the lockfile (runs now lock a
# file in the temporary folder, outside the working tree); never commit it
*.lock.lock
"""
MERGE_DRIVER = "git config merge.tavusctl.driver 'tavusctl state merge-driver %O %A %B'"


def gitattributes(environments: Sequence[str]) -> str:
    """The state files merge with tavusctl's merge driver (set up once per clone)."""
    head = f"# tavusctl merges its state entry by entry; once per clone: {MERGE_DRIVER}\n"
    return head + "".join(f"{path} merge=tavusctl\n" for path in state_files(environments))


PRE_COMMIT_CONFIG = f"""\
repos:
  - repo: {SOURCE}
    rev: v{__version__}
    hooks:
      - id: tavusctl-validate
        args: [{MANIFESTS}]
      - id: tavusctl-fmt
"""

VSCODE_SETTINGS = (
    json.dumps(
        {"yaml.schemas": {"./schemas/manifest.schema.json": f"{MANIFESTS}/**/*.y*ml"}}, indent=2
    )
    + "\n"
)
