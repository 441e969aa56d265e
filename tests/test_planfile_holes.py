"""Saved plans are bound to the API key they were made with: an edited plan is refused, and
the file gives no offline oracle for guessing a secret."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tavusctl.core.secrets import hash_secret
from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, SECRET, Workspace


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Iterator[Workspace]:
    workspace = Workspace(tmp_path, emulator.url)
    yield workspace
    assert workspace.leaks() == []


def saved_noop(ws: Workspace) -> tuple[Path, dict[str, Any]]:
    ws.write("ann")
    assert ws.apply().code == 0
    result = ws.run("plan", "manifests", "-o", "release.plan")
    assert result.code == 0, result.output
    path = ws.root / "release.plan"
    return path, json.loads(path.read_text())


def test_a_noop_edited_into_an_update_to_another_host_is_refused(ws: Workspace, emulator):
    path, doc = saved_noop(ws)
    action = doc["actions"][0]
    assert action["kind"] == "noop"
    action["kind"] = "update"
    action["operations"] = [
        {"op": "replace", "path": "/layers/llm/base_url", "value": "https://evil.example",
         "drift": False, "sensitive": False, "old": "https://llm.example.com/v1"}
    ]  # fmt: skip
    path.write_text(json.dumps(doc))
    emulator.clear_requests()
    result = ws.run("apply", "release.plan")
    assert result.code == 1
    assert "was changed after tavusctl wrote it" in result.stderr, result.stderr
    assert [r["method"] for r in emulator.requests() if r["method"] != "GET"] == []


def test_a_plan_is_refused_with_another_api_key(ws: Workspace):
    saved_noop(ws)
    result = ws.run("apply", "release.plan", TAVUS_API_KEY="tvs-other-account-key-0000")
    assert result.code == 1
    assert "or was made with another API key" in result.stderr


def test_an_unedited_plan_still_applies(ws: Workspace):
    saved_noop(ws)
    result = ws.run("apply", "release.plan")
    assert result.code == 0, result.output


def test_the_plan_file_is_no_offline_oracle_for_its_secrets(ws: Workspace):
    ws.write("ann")
    assert ws.run("plan", "manifests", "-o", "release.plan").code == 0
    text = (ws.root / "release.plan").read_text()
    salt = json.loads(text)["salt"]
    # With only the file, a guess of the secret cannot be checked against any hash in it.
    guessable = {hash_secret(SECRET, salt), hash_secret(hash_secret(SECRET, salt), salt)}
    hashes = set(re.findall(r"sha256:[0-9a-f]{64}", text))
    assert hashes and not hashes & guessable
    assert API_KEY not in text
