"""The project file ``tavusctl.yaml``: default manifest paths, state, and environments.

Read with the manifests' YAML reader, so that every problem has a file:line; checked against
``schemas/project.schema.json`` and then for what a schema cannot say (two environments sharing
one state). Paths in it are relative to it. Where it is found: ``tavusctl.state.locate``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tavusctl.core import pointer
from tavusctl.core.errors import ManifestError
from tavusctl.core.model import Location
from tavusctl.core.project_root import PROJECT_FILE, find_upward
from tavusctl.manifest import schema, yamlsource
from tavusctl.manifest.diagnostics import Diagnostic

PROJECT_SCHEMA = "project.schema.json"
DEFAULT_KEY_ENV = "TAVUS_API_KEY"
ENV_VARIABLE = "TAVUSCTL_ENV"


@dataclass(frozen=True)
class State:
    """Where one state is kept: a lockfile ``path`` (absolute), or a store block."""

    backend: str = "lockfile"
    path: Path | None = None
    url_env: str | None = None
    workspace: str | None = None

    def identity(self, default_workspace: str) -> tuple[object, ...]:
        """What makes two states the same state (for the never-shared rule); a store block
        without ``workspace`` is in ``default_workspace``."""
        if self.backend == "lockfile":
            return ("lockfile", self.path.resolve() if self.path else None)
        return (self.backend, self.url_env, self.workspace or default_workspace)

    def describe(self, folder: Path | None = None, default_workspace: str = "default") -> str:
        """The state in words; a lockfile's path relative to ``folder`` when inside it."""
        if self.backend == "lockfile" and self.path is not None:
            if folder is not None and self.path.is_relative_to(folder):
                return str(self.path.relative_to(folder))
            return str(self.path)
        return f"{self.backend} workspace {self.workspace or default_workspace}"


@dataclass(frozen=True)
class Environment:
    """One named account: where its key is read from, its API URL, its state and variables."""

    name: str
    api_key_env: str = DEFAULT_KEY_ENV
    api_url: str | None = None
    state: State | None = None
    vars: Mapping[str, object] = field(default_factory=dict)
    var_locations: Mapping[str, Location] = field(default_factory=dict)
    location: Location | None = None


@dataclass(frozen=True)
class Project:
    """A read project file. ``display`` names it in messages."""

    file: Path
    display: str
    manifests: tuple[Path, ...] = ()
    state: State | None = None
    environments: Mapping[str, Environment] = field(default_factory=dict)
    name: str | None = None  # ``name:``; default: the folder's name

    @property
    def folder(self) -> Path:
        return self.file.parent

    def default_workspace(self, environment: str | None) -> str:
        """The PostgreSQL workspace of a state block that names none: the project's ``name``
        (else its folder's name), then ``/ENVIRONMENT`` (``acme-agents/prod``). Two
        environments of one project, or two projects sharing one database, never share a
        workspace by accident; ``name`` keeps clones in folders of other names together."""
        return default_workspace(self.name or self.folder.name, environment)

    def state_of(self, environment: Environment | None) -> State | None:
        """The state block that applies: the environment's, else the top-level one."""
        if environment is not None and environment.state is not None:
            return environment.state
        return self.state

    def environment(self, name: str | None, how: str = "--env") -> Environment | None:
        """The environment ``name`` selects (None without environments); UsageError-free:
        raises ManifestError naming the environments when it is missing or unknown."""
        if not self.environments:
            if name is not None:
                raise ManifestError(
                    f"{how} {name} was given, but {self.display} declares no environments. "
                    "Remove it, or declare environments in the project file."
                )
            return None
        names = ", ".join(self.environments)
        if name is None:
            raise ManifestError(
                f"{self.display} declares the environments {names}: choose one with --env NAME "
                f"(or {ENV_VARIABLE})."
            )
        if name not in self.environments:
            raise ManifestError(
                f"{how} {name}: {self.display} declares no environment of that name; it "
                f"declares {names}."
            )
        return self.environments[name]


def default_workspace(project: str, environment: str | None) -> str:
    """``PROJECT/ENVIRONMENT`` (``PROJECT`` alone without one), from the project folder's name
    with anything but letters, digits, ``.``, ``_`` and ``-`` made ``-``."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", project).strip("-") or "default"
    return name if environment is None else f"{name}/{environment}"


def read(path: Path, display: str | None = None) -> tuple[Project | None, list[Diagnostic]]:
    """The project file at ``path`` and every problem in it (a Project only when none)."""
    shown = display or str(path)
    try:
        documents = yamlsource.read_file(path, shown)
    except yamlsource.SourceError as exc:
        return None, [Diagnostic(exc.location, "error", exc.message)]
    if len(documents) != 1:
        where = Location(shown, 1, 1)
        message = (
            "The project file must hold exactly one YAML document "
            f"(apiVersion: tavusctl/v1, kind: Project); it holds {len(documents)}."
        )
        return None, [Diagnostic(where, "error", message)]
    doc = documents[0]
    problems = [_diagnostic(doc, f) for f in _check(doc.value)]
    if problems:
        return None, sorted(problems)
    project = _build(path, shown, doc)
    problems = list(_shared_states(project, doc))
    return (None if problems else project), problems


def read_or_raise(path: Path, display: str | None = None) -> Project:
    """:func:`read`, raising ManifestError that lists every problem, one per line."""
    project, problems = read(path, display)
    if project is None:
        raise ManifestError("\n".join(str(d) for d in problems))
    return project


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema.load_schema(PROJECT_SCHEMA))


def _check(value: object) -> list[schema.Finding]:
    if not isinstance(value, dict):
        return [schema.Finding("", "error", "The project file must be a mapping (kind: Project).")]
    findings: list[schema.Finding] = []
    for error in _validator().iter_errors(value):
        tokens = list(error.absolute_path)
        if error.validator == "type" and tokens[-1:] == ["state"]:
            findings.append(schema.Finding(pointer.join(tokens), "error", _state_message(tokens)))
        else:
            findings.extend(_worded(f) for f in schema.translate(error))
    findings.extend(_misplaced_store_fields(value))
    return list(dict.fromkeys(findings))  # jsonschema repeats one `required` per missing key


# The fields of a state block that belong to one backend only.
_BACKEND_FIELDS = {"path": "lockfile", "url_env": "postgres", "workspace": "postgres"}


def _misplaced_store_fields(value: dict[str, Any]) -> list[schema.Finding]:
    """A state block's field of the other backend (``path`` beside ``backend: postgres``):
    what a schema can say only as an unreadable ``if``/``then``."""
    blocks: list[tuple[list[Any], object]] = [(["state"], value.get("state"))]
    environments = value.get("environments")
    if isinstance(environments, dict):
        blocks += [
            (["environments", name, "state"], body.get("state"))
            for name, body in environments.items()
            if isinstance(body, dict)
        ]
    found = []
    for tokens, block in blocks:
        if not isinstance(block, dict) or block.get("backend") not in ("lockfile", "postgres"):
            continue
        for key, backend in _BACKEND_FIELDS.items():
            if key in block and block["backend"] != backend:
                name = ".".join(str(t) for t in tokens)
                message = (
                    f"{name}.{key} is for backend {backend}, but this state is backend "
                    f"{block['backend']}: remove {key} (or set backend: {backend})."
                )
                found.append(schema.Finding(pointer.join([*tokens, key]), "error", message, True))
    return found


def _worded(finding: schema.Finding) -> schema.Finding:
    """The manifests' wording, said of the project file."""
    text = finding.message.replace("The manifest", "The project file")
    return replace(finding, message=text.replace("the manifest", "the project file"))


def _state_message(tokens: list[Any]) -> str:
    name = ".".join(str(t) for t in tokens)
    return (
        f"{name} must be a lockfile path (state: state/prod.lock) or a block "
        "(state: {backend: postgres, url_env: TAVUSCTL_STATE_URL, workspace: NAME})."
    )


def _diagnostic(doc: yamlsource.Document, finding: schema.Finding) -> Diagnostic:
    where = doc.key_location if finding.at_key else doc.value_location
    return Diagnostic(where(finding.path), finding.severity, finding.message)


def _build(path: Path, display: str, doc: yamlsource.Document) -> Project:
    value: dict[str, Any] = doc.value
    folder = path.parent
    environments = {
        name: _environment(name, body, folder, doc)
        for name, body in (value.get("environments") or {}).items()
    }
    return Project(
        path,
        display,
        tuple(folder / p for p in value.get("manifests", ())),
        _state(value.get("state"), folder),
        environments,
        value.get("name"),
    )


def _environment(
    name: str, body: dict[str, Any], folder: Path, doc: yamlsource.Document
) -> Environment:
    base = f"/environments/{pointer.escape(name)}"
    variables: dict[str, object] = dict(body.get("vars") or {})
    return Environment(
        name,
        body.get("api_key_env", DEFAULT_KEY_ENV),
        body.get("api_url"),
        _state(body.get("state"), folder),
        variables,
        {k: doc.value_location(f"{base}/vars/{pointer.escape(k)}") for k in variables},
        doc.key_location(base),
    )


def _state(value: object, folder: Path) -> State | None:
    if isinstance(value, str):
        return State(path=folder / value)
    if isinstance(value, dict):
        backend = str(value.get("backend", "lockfile"))
        path = value.get("path")
        if backend == "lockfile":
            return State(path=folder / (path if isinstance(path, str) else "tavus.lock"))
        return State(backend, None, value.get("url_env"), value.get("workspace"))
    return None


def _shared_states(project: Project, doc: yamlsource.Document) -> list[Diagnostic]:
    """Every environment has a state (its own ``state``, else the top-level one), and two
    environments can never share one: an error at the second."""
    first: dict[tuple[object, ...], str] = {}
    out = []
    for env in project.environments.values():
        base = f"/environments/{pointer.escape(env.name)}"
        state = project.state_of(env)
        if state is None:
            message = (
                f"environments.{env.name} has no state: give it one (state: "
                f"state/{env.name}.lock), or put a PostgreSQL block at the top level "
                "(state: {backend: postgres, url_env: NAME}), which gives each environment its "
                "own workspace."
            )
            out.append(Diagnostic(doc.key_location(base), "error", message))
            continue
        default = project.default_workspace(env.name)
        key = state.identity(default)
        if key in first:
            own = env.state is not None
            where = doc.value_location(f"{base}/state") if own else doc.key_location(base)
            name = (
                f"environments.{env.name}.state"
                if own
                else (
                    f"environments.{env.name} has no state of its own, so its state, the top-level "
                    "one,"
                )
            )
            out.append(
                Diagnostic(
                    where,
                    "error",
                    f"{name} is {state.describe(project.folder, default)}, the state of "
                    f"environment {first[key]} too. Two environments can never share a state "
                    "(each would forget or adopt the other's resources): give each its own.",
                )
            )
        else:
            first[key] = env.name
    return out


def find(start: Path) -> Path | None:
    """``tavusctl.yaml`` looked for from ``start`` upward, stopping at the repository root."""
    return find_upward(start, (PROJECT_FILE,))[0]
