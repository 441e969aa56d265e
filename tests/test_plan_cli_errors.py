"""`tavusctl plan` with bad input, end to end: one clear sentence on stderr, exit 1, no traceback,
nothing lost, and nothing sent to the account that did not need to be."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import Result, run_cli
from tests.support.emulator import Emulator
from tests.support.planning import Workspace, spec


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Workspace:
    return Workspace(tmp_path, emulator)


def _failed_cleanly(result: Result) -> str:
    """The error text, after checking the run failed the way a user error should."""
    assert result.code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: "), result.stderr
    return result.stderr


BROKEN_MANIFESTS = {
    "yaml-syntax": (
        "spec:\n  persona_name: Ann\n  - oops\n  context: Hi\n",
        "manifests/ann.yaml:7:3",
    ),
    "misspelt-field": ("spec:\n  persona_nme: Ann\n", "manifests/ann.yaml:6:3"),
}


@pytest.mark.parametrize(("spec_text", "where"), BROKEN_MANIFESTS.values(), ids=list(BROKEN_MANIFESTS))  # fmt: skip
def test_a_broken_manifest_is_named_by_file_line_and_column_before_any_request(
    ws: Workspace, spec_text: str, where: str
) -> None:
    envelope = "apiVersion: tavusctl/v1\nkind: Persona\nmetadata:\n  name: ann\n"
    (ws.root / "manifests").mkdir()
    (ws.root / "manifests" / "ann.yaml").write_text(envelope + spec_text)
    error = _failed_cleanly(ws.plan())
    assert re.search(rf"{re.escape(where)}: ", error), error
    assert ws.emulator.requests() == []


CORRUPT_LOCKFILES = {
    "not-json": ('{"version": 1, "salt": "ab", "resources": {', "not valid JSON"),
    "newer-version": ('{"version": 99, "salt": "ab", "resources": {}}\n', "version 99"),
    "bad-entry": ('{"version": 1, "salt": "ab", "resources": {"Persona/ann": 3}}\n', "malformed"),
}


@pytest.mark.parametrize(("text", "says"), CORRUPT_LOCKFILES.values(), ids=list(CORRUPT_LOCKFILES))
def test_a_corrupt_lockfile_stops_the_plan_and_is_left_untouched(
    ws: Workspace, text: str, says: str
) -> None:
    ws.write("ann", spec("ann"))
    ws.lock_path.write_text(text)
    error = _failed_cleanly(ws.plan("-o", "out.plan"))
    assert "tavus.lock" in error and says in error, error
    assert ws.lock_path.read_text() == text
    assert not (ws.root / "out.plan").exists()


def test_an_api_failing_with_500_is_a_clear_error_naming_the_status(ws: Workspace) -> None:
    ws.sync("ann", spec("ann"))
    # Retry-After: 0 keeps the retries (which must all fail too) from slowing the suite.
    ws.emulator.inject("GET", "/v2/personas", status=500, count=20, headers={"Retry-After": "0"})
    error = _failed_cleanly(ws.plan())
    assert "HTTP 500" in error and "GET /v2/personas" in error, error


def test_a_missing_api_key_is_a_clear_error(ws: Workspace) -> None:
    ws.write("ann", spec("ann"))
    env = {"TAVUS_API_URL": ws.emulator.url}
    error = _failed_cleanly(run_cli("plan", "manifests", cwd=ws.root, env=env))
    assert "TAVUS_API_KEY" in error and "--api-key" in error, error
    assert ws.emulator.requests() == []


@pytest.mark.parametrize("url", ["http://tavusapi.example.com", "http://10.20.30.40:8787"])
def test_plain_http_to_a_non_loopback_host_is_refused(ws: Workspace, url: str) -> None:
    ws.write("ann", spec("ann"))
    env = {"TAVUS_API_URL": url, "TAVUS_API_KEY": ws.emulator.api_key}
    error = _failed_cleanly(run_cli("plan", "manifests", cwd=ws.root, env=env, timeout=20))
    assert url in error and "https://" in error, error


def test_a_plan_file_that_cannot_be_written_is_a_clear_error(ws: Workspace) -> None:
    ws.sync("ann", spec("ann"))  # a lockfile: no notice that none was found
    result = ws.plan("-o", "no-such-folder/out.plan")
    assert result.code == 1, result.output
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: Cannot write the plan file no-such-folder/out.plan")
