"""A project folder for end-to-end apply tests: manifests, the CLI, and every byte it wrote.

The persona manifests carry a secret (``layers.llm.api_key`` from ``${env:LLM_API_KEY}``) and
the emulator account is reached with a distinctive API key, so that :meth:`Workspace.leaks`
can scan everything the CLI printed and every file it left for either value.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tavusctl.state.lockfile import Lockfile
from tavusctl.state.store import LockfileStore, StateStore
from tests.support.cli import Result, run_cli
from tests.support.postgres import PASSWORD

SECRET = "llm-secret-value-4f9c2d7e81"
API_KEY = "tvs-account-key-b37a01e95c"
SECRET_ENV = "LLM_API_KEY"
STATE_URL_ENV = "TEAM_STATE_URL"  # where the PostgreSQL connection string is, when one is used


def spec(name: str, **more: Any) -> dict[str, Any]:
    """A persona spec with a secret: unique ``persona_name`` per manifest name."""
    llm = {"model": "my-model", "base_url": "https://llm.example.com/v1"}
    return {
        "persona_name": f"Persona {name}",
        "system_prompt": f"You are {name}.",
        "layers": {"llm": {**llm, "api_key": "${env:" + SECRET_ENV + "}"}},
        **more,
    }


@dataclass
class Workspace:
    """``root`` holds ``manifests/`` and ``tavus.lock``; ``run`` is the CLI there.

    With ``state_url``, the state is kept in that PostgreSQL database instead (workspace
    ``state_workspace``), and ``tavus.lock`` is never written.
    """

    root: Path
    url: str
    api_key: str = API_KEY
    results: list[Result] = field(default_factory=list)
    state_url: str | None = None
    state_workspace: str = "team"

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    @property
    def lock_path(self) -> Path:
        return self.root / "tavus.lock"

    @property
    def env(self) -> dict[str, str]:
        # A short timeout: a run resuming a killed run's create waits out the rest of it.
        return {
            "TAVUS_API_URL": self.url,
            "TAVUS_API_KEY": self.api_key,
            SECRET_ENV: SECRET,
            "TAVUSCTL_TIMEOUT": "3",
            **self.state_env,
        }

    @property
    def state_env(self) -> dict[str, str]:
        """The variables choosing the PostgreSQL store (none for the lockfile)."""
        if self.state_url is None:
            return {}
        return {
            "TAVUSCTL_STATE_URL_ENV": STATE_URL_ENV,
            STATE_URL_ENV: self.state_url,
            "TAVUSCTL_STATE_WORKSPACE": self.state_workspace,
        }

    def store(self) -> StateStore:
        """The store the CLI runs use."""
        if self.state_url is None:
            return LockfileStore(self.lock_path)
        from tavusctl.state.postgres import PostgresStore

        return PostgresStore(self.state_url, self.state_workspace)

    def write(
        self, name: str, persona: dict[str, Any] | None = None, kind: str = "Persona"
    ) -> Path:
        """Write the manifest of the ``kind`` named ``name`` (default: the persona :func:`spec`)
        to ``manifests/NAME.yaml``, or ``manifests/KIND-NAME.yaml`` for a kind other than
        Persona."""
        doc = {
            "apiVersion": "tavusctl/v1",
            "kind": kind,
            "metadata": {"name": name},
            "spec": persona or spec(name),
        }
        self.manifests.mkdir(exist_ok=True)
        stem = name if kind == "Persona" else f"{kind.lower()}-{name}"
        path = self.manifests / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return path

    def run(
        self, *args: str, input: str | None = None, cwd_sub: str | None = None, **env: str
    ) -> Result:
        """Run ``tavusctl ARGS`` in ``root`` (or its subfolder ``cwd_sub``); the result is kept
        for :meth:`leaks`."""
        cwd = self.root / cwd_sub if cwd_sub else self.root
        result = run_cli(*args, cwd=cwd, env={**self.env, **env}, input=input)
        self.results.append(result)
        return result

    def start(self, *args: str, stdin: int | None = None) -> subprocess.Popen[str]:
        """Start ``tavusctl ARGS`` in ``root`` in the background, its output piped."""
        return subprocess.Popen(
            [sys.executable, "-m", "tavusctl", *args],
            stdin=stdin,
            cwd=self.root,
            env={**os.environ, "NO_COLOR": "1", **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def apply(self, *args: str, **env: str) -> Result:
        """``tavusctl apply manifests --auto-approve ARGS``."""
        return self.run("apply", "manifests", "--auto-approve", *args, **env)

    def plan_json(self, *args: str) -> dict[str, Any]:
        """``tavusctl plan manifests --format json ARGS``, parsed; plan must succeed."""
        result = self.run("plan", "manifests", "--format", "json", *args)
        assert result.code == 0, result.output
        return dict(json.loads(result.stdout))

    def lock(self) -> Lockfile:
        return self.store().read()

    def ids(self) -> dict[str, str | None]:
        """Persona id by lockfile key."""
        return {key: entry.id for key, entry in self.lock().entries.items()}

    def leaks(self) -> list[str]:
        """Where the secret, the API key or the database password appears: in CLI output,
        any file under ``root``, or the state."""
        found = []
        for where, data in self._written():
            found += [f"{what} in {where}" for what, value in _SECRETS if value in data]
        return found

    def _written(self) -> Iterator[tuple[str, bytes]]:
        for number, result in enumerate(self.results):
            yield f"stdout of run {number}", result.stdout.encode()
            yield f"stderr of run {number}", result.stderr.encode()
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                yield str(path.relative_to(self.root)), path.read_bytes()
        if self.state_url is not None:
            yield "the state", self.store().read_with_text()[1].encode()


_SECRETS = (
    ("the secret", SECRET.encode()),
    ("the API key", API_KEY.encode()),
    ("the database password", PASSWORD.encode()),
)


def changing(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, key) of every changing action of a JSON plan."""
    return [
        (a["action"], a["key"]) for a in plan["actions"] if a["action"] not in ("noop", "orphan")
    ]
