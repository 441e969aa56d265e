"""`tavusctl apply` end to end: a secret dropped from the manifest, under an API that omits
secrets on read, is removed on the lockfile's word; one already deleted in the dashboard is a
warning, and the run still succeeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Result, run_cli
from tests.support.emulator import Emulator
from tests.support.planning import SECRETS, Workspace, kinds, secret_spec


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Workspace:
    return Workspace(tmp_path, emulator)


def _apply(ws: Workspace) -> Result:
    env = {**ws.emulator.env, **ws.env}
    return run_cli("apply", "manifests", "--auto-approve", cwd=ws.root, env=env)


def _llm(ws: Workspace) -> dict[str, object]:
    [stored] = ws.emulator.list_personas()
    return dict(stored["layers"]["llm"])


@pytest.mark.parametrize("deleted_in_dashboard", [False, True], ids=["kept", "deleted"])
def test_a_dropped_secret_the_api_hides_is_removed_and_the_next_plan_is_empty(
    ws: Workspace, deleted_in_dashboard: bool
) -> None:
    ws.emulator.configure(secrets="omitted")
    pid = ws.sync("ann", secret_spec("ann"))
    assert _llm(ws)["api_key"] == SECRETS["LLM_API_KEY"]
    if deleted_in_dashboard:
        ws.emulator.edit_persona(pid, [{"op": "remove", "path": "/layers/llm/api_key"}])
    dropped = secret_spec("ann", persona_name="Annie")
    del dropped["layers"]["llm"]["api_key"]
    ws.write("ann", dropped)

    result = _apply(ws)

    assert result.code == 0, result.output
    assert "api_key" not in _llm(ws)
    assert ws.emulator.list_personas()[0]["persona_name"] == "Annie"
    refused = "the Tavus API refused to remove /layers/llm/api_key (HTTP 422)"
    assert (refused in result.stderr) is deleted_in_dashboard, result.stderr
    assert SECRETS["LLM_API_KEY"] not in result.output
    assert kinds(ws.plan_json("--detailed-exitcode", code=0)) == {"ann": "noop"}
