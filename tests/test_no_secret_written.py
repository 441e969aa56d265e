"""Zero bytes of any secret in anything tavusctl writes.

One project whose personas hold secrets everywhere a secret can be (the LLM api_key, an api_key
inside a list, a header, an Azure-style query parameter, a TTS key too short to scrub as a
substring), long and short, with characters JSON escapes (``"``, ``\\``, ``é``), and an API key
of its own. Every command runs at every verbosity, in every output format; then stdout, stderr,
every file left in the project (plan files, the lockfile, exported manifests) and the emulator's
request log are searched for each secret in each form it could be written in. A tool (the 2026
registry) carries a bearer token and a header value too; Tavus reads them back as ``********``,
which must never be sent back. A second project does the same for the commands that came later:
environments (a plan of several, diff), drift, fmt, init, and the state moved into PostgreSQL
and pulled out again (its password scanned too); a third keeps its state in PostgreSQL through
tavusctl.yaml and runs every state command on it, and its errors, scanning the rows written too.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml

from tests.support.cli import Result, run_cli
from tests.support.emulator import Emulator
from tests.support.postgres import PASSWORD, PostgresServer

API_KEY = "tvs-scan-account-key-0123456789ab"
SECRETS = {
    "LLM_KEY": 'sk-LONG-"esc\\aped"-é-0123456789abcdef',
    "LIST_KEY": "sk-in-a-list-fedcba9876543210",
    "HDR_TOKEN": "hdr-token-5555aaaa",
    "QUERY_KEY": "qk-77f1",
    "TTS_KEY": "Zq!",
    "TOOL_TOKEN": 'tool-bearer-"tok"-0f1e2d3c4b',
    "TOOL_HEADER": "tool-hdr-99887766",
}
STARS = "********"

TOOL = """apiVersion: tavusctl/v1
kind: Tool
metadata: {name: lookup}
spec:
  name: lookup
  description: Look a patient up.
  parameters: {type: object, properties: {q: {type: string}}}
  delivery:
    api:
      url: https://clinic.example.com/lookup/{q}
      headers: {X-Clinic-Key: "${env:TOOL_HEADER}"}
      auth: {type: bearer, token: "${env:TOOL_TOKEN}"}
"""

MANIFEST = """apiVersion: tavusctl/v1
kind: Persona
metadata: {name: NAME}
spec:
  persona_name: PERSONA
  system_prompt: You are a test persona.
  layers:
    llm:
      model: my-model
      base_url: https://llm.example.com/v1
      api_key: ${env:LLM_KEY}
      headers: {Authorization: "Bearer ${env:HDR_TOKEN}"}
      default_query: {api-version: "2024-01-01", api-key: "${env:QUERY_KEY}"}
      extra_body:
        fallbacks: [{model: backup, api_key: "${env:LIST_KEY}"}]
    tts: {tts_engine: cartesia, api_key: "${env:TTS_KEY}"}
"""

VERBOSITY: tuple[list[str], ...] = ([], ["-v"], ["-vv"])


def forms(value: str) -> set[bytes]:
    """Every way ``value`` could be written: as is, JSON-escaped, URL-encoded."""
    texts = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    texts |= {quote(value, safe=""), quote_plus(value)}
    return {t.encode() for t in texts}


class Project:
    def __init__(self, root: Path, emulator: Emulator) -> None:
        self.root, self.emulator = root, emulator
        self.results: list[tuple[str, Result]] = []
        self.env = {**emulator.env, "TAVUS_API_KEY": API_KEY, **SECRETS}

    def write(self, name: str, persona: str) -> None:
        (self.root / "m").mkdir(exist_ok=True)
        text = MANIFEST.replace("NAME", name).replace("PERSONA", persona)
        (self.root / "m" / f"{name}.yaml").write_text(text)

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> Result:
        result = run_cli(*args, cwd=self.root, env=self.env)
        self.results.append((" ".join(args), result))
        assert result.code in ok, (args, result.output)
        return result

    def written(self) -> Iterator[tuple[str, bytes]]:
        for args, result in self.results:
            yield f"stdout of `{args}`", result.stdout.encode()
            yield f"stderr of `{args}`", result.stderr.encode()
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                yield str(path.relative_to(self.root)), path.read_bytes()
        log = self.emulator.admin.get(f"{self.emulator.url}/_emulator/requests")
        yield "the emulator request log", log.content


@pytest.fixture
def project(tmp_path: Path, emulator: Emulator) -> Project:
    return Project(tmp_path, dataclasses.replace(emulator, api_key=API_KEY))


def test_no_command_at_any_verbosity_writes_any_secret_anywhere(project: Project) -> None:
    project.write("ann", "Ann")
    (project.root / "m" / "tool.yaml").write_text(TOOL)
    for fmt in ("text", "json", "github"):
        project.run("-vv", "validate", "m", "--format", fmt)  # validate logs nothing more at -v
    for v in VERBOSITY:
        for fmt in ("text", "json", "markdown"):
            project.run(*v, "plan", "m", "--format", fmt)
    project.run("plan", "m", "-o", "first.plan")
    project.run("-vv", "apply", "first.plan")
    project.write("bob", "Bob")
    for v in VERBOSITY:
        project.run(*v, "plan", "m", "--detailed-exitcode", ok=(2,))
    project.run("-v", "apply", "m", "--auto-approve")
    (project.root / "m" / "bob.yaml").write_text(
        (project.root / "m" / "bob.yaml").read_text().replace("Bob", "Robert")
    )
    project.run("-vv", "plan", "m", "-o", "second.plan")
    project.run("-vv", "apply", "second.plan")
    for v in VERBOSITY:
        project.run(*v, "state", "list")
        for fmt in ("yaml", "json"):
            project.run(*v, "state", "show", "ann", "--format", fmt)
    # A persona made outside tavusctl, secrets and all: export it, import another.
    (project.root / "m" / "cid.yaml").write_text(MANIFEST.replace("NAME", "cid").replace("PERSONA", "Cid"))  # fmt: skip
    dan = project.emulator.create_persona(_resolved_spec("Dan"))
    eve = project.emulator.create_persona(_resolved_spec("Eve"))
    project.run("-vv", "export", "--out", "exported", dan)
    project.write("eve", "Eve")
    project.run("-vv", "import", "eve", eve, "m")
    project.run("-vv", "apply", "m", "--auto-approve")
    # The tool's URL changes: its delivery is sent whole, with the secrets from the environment.
    (project.root / "m" / "tool.yaml").write_text(TOOL.replace("/lookup/", "/find/"))
    for v in VERBOSITY:
        project.run(*v, "plan", "m", "--detailed-exitcode", ok=(2,))
    project.run("-vv", "plan", "m", "-o", "third.plan")
    project.run("-vv", "apply", "third.plan")
    (tool,) = project.emulator.stored("tools")
    assert tool["delivery"]["api"]["auth"]["token"] == SECRETS["TOOL_TOKEN"]
    project.run("-vv", "state", "show", "Tool/lookup", "--format", "json")
    # Errors: a PATCH refused with the request echoed back.
    (project.root / "m" / "ann.yaml").write_text(
        (project.root / "m" / "ann.yaml").read_text().replace("Ann", "Anne")
    )
    ann = json.loads((project.root / "tavus.lock").read_text())["resources"]["Persona/ann"]["id"]
    echo = {"detail": [{"msg": "invalid", "input": _resolved_spec("Anne")}]}
    project.emulator.inject("PATCH", f"/v2/personas/{ann}", status=422, body=echo, count=3)
    for v in VERBOSITY:
        project.run(*v, "apply", "m", "--auto-approve", ok=(0, 1))
    for v in VERBOSITY:
        project.run(*v, "destroy", "--auto-approve")

    assert leaks(project, {**SECRETS, "TAVUS_API_KEY": API_KEY}) == []
    log = project.emulator.admin.get(f"{project.emulator.url}/_emulator/requests").text
    assert STARS not in log  # the tool's read-back placeholder was never sent


def leaks(project: Project, secrets: dict[str, str]) -> list[str]:
    return [
        f"{name} ({form.decode(errors='replace')!r}) in {where}"
        for where, data in project.written()
        for name, value in secrets.items()
        for form in forms(value)
        if form in data
    ]


STAGING_KEY = "tvs-scan-staging-key-0123456789"
PROD_KEY = "tvs-scan-prod-key-9876543210ab"
PROJECT_FILE = """apiVersion: tavusctl/v1
kind: Project
manifests: [m]
environments:
  staging: {api_key_env: STAGING_KEY, api_url: URL, state: staging.lock}
  prod: {api_key_env: PROD_KEY, api_url: URL, state: prod.lock}
"""


def test_environments_drift_fmt_init_and_moving_the_state_write_no_secret(
    project: Project, postgres_url: str
) -> None:
    project.env.update(STAGING_KEY=STAGING_KEY, PROD_KEY=PROD_KEY, PG_URL=postgres_url)
    url = project.emulator.url
    (project.root / "tavusctl.yaml").write_text(PROJECT_FILE.replace("URL", url))
    project.write("ann", "Ann")
    envs = ("--env", "staging", "--env", "prod")
    for v in VERBOSITY:
        for fmt in ("text", "json", "markdown"):
            project.run(*v, "plan", *envs, "--format", fmt)
    project.run("-vv", "plan", "--all-envs")
    for env in ("staging", "prod"):
        project.run("-vv", "apply", "--env", env, "--auto-approve")
    project.run("-vv", "diff", *envs)
    # An edit in the dashboard: drift reports it, in every format, the secrets still hidden.
    staging = dataclasses.replace(project.emulator, api_key=STAGING_KEY)
    (ann,) = [p["persona_id"] for p in staging.list_personas()]
    staging.edit_persona(ann, [{"op": "replace", "path": "/system_prompt", "value": "Edited."}])
    project.run("-vv", "diff", *envs, ok=(2,))
    for v in VERBOSITY:
        for fmt in ("text", "json", "markdown"):
            project.run(*v, "drift", "--env", "staging", "--format", fmt, ok=(2,))
    for args in (["--check"], ["--diff"], []):
        project.run("-vv", "fmt", *args, "m", ok=(0, 1))
    project.run("-vv", "init", "scaffolded", "--env", "staging", "--env", "prod")
    # The state into PostgreSQL and out again, at every verbosity.
    pg = ("--state-url-env", "PG_URL", "--state-workspace", "scan", "--env", "staging")
    project.run("-vv", *pg, "state", "migrate", "--from", "staging.lock")
    for v in VERBOSITY:
        project.run(*v, *pg, "state", "pull")
        project.run(*v, *pg, "state", "list")
    project.run("-vv", *pg, "state", "pull", "-o", "pulled.lock")

    secrets = {**SECRETS, "STAGING_KEY": STAGING_KEY, "PROD_KEY": PROD_KEY, "PG": PASSWORD}
    assert leaks(project, secrets) == []
    assert (project.root / "pulled.lock").read_bytes() == (
        project.root / "staging.lock"
    ).read_bytes()


def _resolved_spec(persona: str) -> dict[str, object]:
    """The spec of MANIFEST with every secret in clear (as the API holds it)."""
    text = MANIFEST.replace("NAME", persona.lower()).replace("PERSONA", persona)
    doc = yaml.safe_load(text)
    return dict(json.loads(_fill(json.dumps(doc["spec"]))))


def _fill(text: str) -> str:
    for name, value in SECRETS.items():
        text = text.replace("${env:" + name + "}", json.dumps(value)[1:-1])
    return text


def test_no_state_command_on_postgresql_writes_the_password_or_a_secret(
    project: Project, postgres_url: str, postgres_server: PostgresServer
) -> None:
    """The state in PostgreSQL, configured in tavusctl.yaml: every command that touches it, at
    every verbosity, and its errors (an unreachable server, a malformed connection string)."""
    (project.root / "tavusctl.yaml").write_text(
        "manifests: [m]\nstate: {backend: postgres, url_env: SCAN_STATE_URL}\n"
    )
    project.env["SCAN_STATE_URL"] = postgres_url
    project.write("ann", "Ann")
    for v in VERBOSITY:
        project.run(*v, "plan")
    project.run("-vv", "apply", "--auto-approve")
    project.run("-vv", "plan", "-o", "saved.plan")
    project.run("-vv", "apply", "saved.plan")
    for v in VERBOSITY:
        project.run(*v, "state", "list")
        project.run(*v, "state", "show", "ann", "--format", "json")
        project.run(*v, "state", "pull")
        project.run(*v, "state", "unlock", "--auto-approve")
    project.run("-vv", "state", "pull", "-o", "pulled.lock")
    project.run("-vv", "state", "migrate", "--from", "pulled.lock", "--state-workspace", "copy")
    project.run("-vv", "state", "migrate", "--from", "pulled.lock", ok=(1,))  # not empty
    project.run("-vv", "state", "show", "nobody", ok=(1,))
    dead = f"postgresql://scan:{PASSWORD}@127.0.0.1:{postgres_server.port + 1}/x"
    for url in (dead, f"postgresql://scan:{PASSWORD}@127.0.0.1:notaport/x"):
        project.env["SCAN_STATE_URL"] = url
        for v in VERBOSITY:
            project.run(*v, "plan", ok=(1,))
            project.run(*v, "state", "pull", ok=(1,))
    project.env["SCAN_STATE_URL"] = postgres_url
    project.run("-vv", "destroy", "--auto-approve")

    from tavusctl.state.postgres import PostgresStore

    stored = b"".join(
        PostgresStore(postgres_url, workspace).read_with_text()[1].encode()
        for workspace in (project.root.name, "copy")
    )
    assert b"Persona/ann" in stored  # the copy keeps what was destroyed
    everything = [*project.written(), ("the state database", stored)]
    values = {**SECRETS, "TAVUS_API_KEY": API_KEY, "the database password": PASSWORD}
    leaks = [
        f"{name} ({form.decode(errors='replace')!r}) in {where}"
        for where, data in everything
        for name, value in values.items()
        for form in forms(value)
        if form in data
    ]
    assert leaks == []
