"""A workspace for end-to-end plan tests: manifests, a lockfile and personas on the emulator.

The test writes manifests and a lockfile the way a user and an earlier apply would have, creates
personas through the emulator's Tavus API as any client would, then runs the real
``tavusctl plan`` in a subprocess against the emulator over HTTP.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import yaml

from tavusctl.plan.redact import hashed
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tests.support.cli import Result, run_cli
from tests.support.emulator import Emulator

SALT = "5a175a175a175a175a175a175a175a17"
# Secret values used by the tests; none of them may ever be written anywhere. Their last four
# characters (what a masking API shows) are not hex digits, so no hash can contain them by chance.
SECRETS = {"LLM_API_KEY": "sk-live-Qm2xZp9vRw4z", "LLM_HEADER": "Bearer hdr-Jk8sTq3LnYpq"}
_ENV_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")


def spec(name: str, **more: Any) -> dict[str, Any]:
    """A small valid persona spec for ``name``; ``more`` adds or overrides top-level fields."""
    return {"persona_name": name.title(), "system_prompt": f"You are {name}.", **more}


def secret_spec(
    name: str, key_var: str = "LLM_API_KEY", layers: Mapping[str, Any] = {}, **more: Any
) -> dict[str, Any]:
    """A spec whose LLM layer reads an API key (from ``key_var``) and a header from the
    environment; ``layers`` adds other layers."""
    llm = {
        "model": "my-model",
        "base_url": "https://llm.example.com/v1",
        "api_key": f"${{env:{key_var}}}",
        "headers": {"Authorization": "${env:LLM_HEADER}"},
    }
    return spec(name, layers={"llm": llm, **layers}, **more)


def manifest_text(name: str, body: Mapping[str, Any]) -> str:
    """The YAML of a Persona manifest named ``name`` with spec ``body``."""
    doc = {"apiVersion": "tavusctl/v1", "kind": "Persona", "metadata": {"name": name}}
    return yaml.safe_dump({**doc, "spec": dict(body)}, sort_keys=False)


def resolved(value: Any, env: Mapping[str, str]) -> Any:
    """``value`` with every ``${env:NAME}`` string replaced by its value in ``env``."""
    if isinstance(value, Mapping):
        return {k: resolved(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v, env) for v in value]
    match = _ENV_REF.match(value) if isinstance(value, str) else None
    return env[match.group(1)] if match else value


@dataclass
class Workspace:
    """A folder with ``manifests/`` and ``tavus.lock``, and the emulator account behind it."""

    root: Path
    emulator: Emulator
    env: dict[str, str] = field(default_factory=lambda: dict(SECRETS))
    entries: dict[str, LockEntry] = field(default_factory=dict)

    @property
    def lock_path(self) -> Path:
        return self.root / "tavus.lock"

    def write(self, name: str, body: Mapping[str, Any]) -> Path:
        """Write (or rewrite) the manifest of ``name``."""
        path = self.root / "manifests" / f"{name}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(manifest_text(name, body), encoding="utf-8")
        return path

    def forget_manifest(self, name: str) -> None:
        (self.root / "manifests" / f"{name}.yaml").unlink()

    def api(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """Call the emulator's Tavus API as any client would (logged, with the API key)."""
        headers = {"x-api-key": self.emulator.api_key}
        url = f"{self.emulator.url}{path}"
        response = httpx.request(method, url, json=body, headers=headers, timeout=10)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response

    def create_live(self, body: Mapping[str, Any]) -> str:
        """POST the persona (secrets resolved) to the emulator; its id."""
        answer = self.api("POST", "/v2/personas", resolved(body, self.env)).json()
        return str(answer["persona_id"])

    def delete_live(self, persona_id: str) -> None:
        self.api("DELETE", f"/v2/personas/{persona_id}")

    def record(self, name: str, persona_id: str, body: Mapping[str, Any]) -> None:
        """Record ``name`` in the lockfile as applied with ``body`` (secrets hashed)."""
        self._remember(name, persona_id, body, f"manifests/{name}.yaml")
        self._save_lock()

    def sync_many(self, bodies: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
        """:meth:`sync` for many personas at once: one manifest file, one seed call, one
        lockfile write (seeding is the emulator's bulk hook, so these creates are not logged)."""
        path = self.root / "manifests" / "many.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text("---\n".join(manifest_text(n, b) for n, b in bodies.items()))
        seed = {"api_key": self.emulator.api_key, "personas": [resolved(b, self.env) for b in bodies.values()]}  # fmt: skip
        answer = self.emulator.admin.post(f"{self.emulator.url}/_emulator/seed", json=seed)
        ids = dict(zip(bodies, answer.json()["persona_ids"], strict=True))
        for name, body in bodies.items():
            self._remember(name, ids[name], body, "manifests/many.yaml")
        self._save_lock()
        return ids

    def _remember(
        self, name: str, persona_id: str, body: Mapping[str, Any], file: str | None = None
    ) -> None:
        """Record ``name`` as an apply from ``file`` (relative to the lockfile) would."""
        applied = hashed(resolved(body, self.env), SALT)
        self.entries[f"Persona/{name}"] = LockEntry(persona_id, applied, file=file)

    def _save_lock(self) -> None:
        lockfile.write(self.lock_path, Lockfile(salt=SALT, entries=dict(self.entries)))

    def sync(self, name: str, body: Mapping[str, Any]) -> str:
        """What a successful apply leaves: manifest, live persona and lockfile entry agree."""
        self.write(name, body)
        persona_id = self.create_live(body)
        self.record(name, persona_id, body)
        return persona_id

    def plan(self, *args: str, options: tuple[str, ...] = ()) -> Result:
        """Run ``tavusctl [OPTIONS] plan manifests ARGS`` in the workspace."""
        env = {**self.emulator.env, **self.env}
        return run_cli(*options, "plan", "manifests", *args, cwd=self.root, env=env)

    def plan_json(self, *args: str, code: int = 0) -> dict[str, Any]:
        """The JSON plan; fails the test unless the CLI exits with ``code``."""
        result = self.plan("--format", "json", *args)
        assert result.code == code, result.output
        assert "Traceback" not in result.stderr, result.stderr
        doc: dict[str, Any] = json.loads(result.stdout)
        _plan_validator().validate(doc)  # every JSON plan the tests see keeps to its schema
        return doc


@functools.cache
def _plan_validator() -> Any:
    import jsonschema

    text = resources.files("tavusctl").joinpath("schemas/plan.schema.json").read_text()
    return jsonschema.Draft202012Validator(json.loads(text))


def actions(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The actions of a JSON plan by persona name."""
    return {a["name"]: a for a in doc["actions"]}


def kinds(doc: Mapping[str, Any]) -> dict[str, str]:
    """What the JSON plan does with each persona, by name."""
    return {a["name"]: a["action"] for a in doc["actions"]}
