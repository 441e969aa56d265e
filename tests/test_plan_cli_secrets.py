"""No secret value and no API key in anything `tavusctl plan` writes, in any format, at any
verbosity, in saved plans, and in errors: every byte of stdout, stderr and the files is scanned.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.cli import Result
from tests.support.emulator import Emulator
from tests.support.planning import SECRETS, Workspace, actions, secret_spec

API_KEY = "tvk-Pq9Zr7Lm3Wst"
ROTATED = {"LLM_API_KEY": "sk-rotated-Hq7Ls2Vwxy", "LLM_HEADER": "Bearer rot-Gh4Kp1Rstu"}
DASHBOARD_HEADER = "Bearer dash-Mn5Rt8Uvwz"
RUNS = [
    ("text",),
    ("-v", "text"),
    ("-vv", "text"),
    ("-v", "json"),
    ("-vv", "json"),
    ("-v", "markdown"),
    ("-vv", "markdown"),
]


def _needles() -> list[str]:
    """Every secret in play, the API key, and what a masking API would show of each."""
    values = [*SECRETS.values(), *ROTATED.values(), DASHBOARD_HEADER, API_KEY]
    return [*values, *(f"****{v[-4:]}" for v in values), *(v[-8:] for v in values)]


def _leaks(texts: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{needle!r} in {where}" for where, text in texts for needle in _needles() if needle in text]  # fmt: skip


def _files(root: Path) -> list[tuple[str, str]]:
    """The text of every file in the workspace (plan files, lockfile, anything stray)."""
    return [(str(p), p.read_bytes().decode(errors="replace")) for p in root.rglob("*") if p.is_file()]  # fmt: skip


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Workspace:
    return Workspace(tmp_path, dataclasses.replace(emulator, api_key=API_KEY))


def _scenario(ws: Workspace) -> None:
    """Secrets in every kind of change: a create, a rotation, a dashboard edit, a recreate."""
    ws.write("created", secret_spec("created"))
    ws.sync("rotated", secret_spec("rotated"))
    drifted = ws.sync("drifted", secret_spec("drifted"))
    edit = [{"op": "replace", "path": "/layers/llm/headers/Authorization", "value": DASHBOARD_HEADER}]  # fmt: skip
    ws.emulator.edit_persona(drifted, edit)
    ws.delete_live(ws.sync("gone", secret_spec("gone")))
    ws.env = dict(ROTATED)  # the keys were rotated in the environment since the last apply


def _run(ws: Workspace, flags: tuple[str, ...], index: int) -> Result:
    *verbosity, fmt = flags
    return ws.plan("--format", fmt, "-o", f"run{index}.plan", options=tuple(verbosity))


@pytest.mark.parametrize("secrets", ["stored", "masked"])
def test_no_secret_or_api_key_in_any_output_or_file(ws: Workspace, secrets: str) -> None:
    ws.emulator.configure(secrets=secrets)
    _scenario(ws)
    if secrets == "stored":
        live = str(ws.api("GET", "/v2/personas?limit=100").json())
        assert SECRETS["LLM_API_KEY"] in live, "the API should return the secret in clear"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: _run(ws, RUNS[i], i), range(len(RUNS))))
    for flags, result in zip(RUNS, results, strict=True):
        assert result.code == 0, f"{flags}: {result.output}"
        if flags[-1] == "json":  # scripts read stdout: nothing else may be mixed into it
            assert json.loads(result.stdout)["has_changes"] is True
    outputs = [(f"{f} {stream}", getattr(r, stream)) for f, r in zip(RUNS, results, strict=True) for stream in ("stdout", "stderr")]  # fmt: skip
    assert _leaks([*outputs, *_files(ws.root)]) == []
    assert len(list(ws.root.glob("run*.plan"))) == len(RUNS)


def test_the_plan_still_sends_the_rotated_and_reverted_secrets(ws: Workspace) -> None:
    """The scan above means something only if those plans do touch the secrets."""
    _scenario(ws)
    plan = actions(ws.plan_json())
    rotated = {(o["op"], o["path"], o["sensitive"]) for o in plan["rotated"]["operations"]}
    assert rotated == {
        ("replace", "/layers/llm/api_key", True),
        ("replace", "/layers/llm/headers/Authorization", True),
    }
    reverted = plan["drifted"]["operations"]
    assert [o["path"] for o in reverted] == ["/layers/llm/api_key", "/layers/llm/headers/Authorization"]  # fmt: skip
    assert {(o["value"], o["old"], o["sensitive"]) for o in reverted} == {("(sensitive value)",) * 2 + (True,)}  # fmt: skip
    assert {plan["created"]["action"], plan["gone"]["action"]} == {"create", "recreate"}


def test_an_api_error_echoing_the_key_at_high_verbosity_shows_no_key(ws: Workspace) -> None:
    _scenario(ws)
    echo = {"message": f"upstream failed for key {API_KEY}"}
    fast = {"Retry-After": "0"}
    ws.emulator.inject("GET", "/v2/personas", status=500, body=echo, count=20, headers=fast)
    result = ws.plan(options=("-vv",))
    assert result.code == 1
    assert "HTTP 500" in result.stderr
    assert _leaks([("stdout", result.stdout), ("stderr", result.stderr)]) == []
