"""Saved plans are bound to the API key they were made with: an edited plan is refused, and
the file gives no offline oracle for guessing a secret."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tavusctl.core.errors import PlanError
from tavusctl.core.secrets import hash_secret
from tavusctl.plan import saved as planfile
from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, SECRET, Workspace
from tests.test_planfile import KEY, saved_text


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


def _resigned(doc: dict[str, Any]) -> str:
    """``doc`` with a valid mac (as if made with the key): only its content is wrong."""
    doc = {k: v for k, v in doc.items() if k != "mac"}
    doc["mac"] = KEY.mac(doc)
    return json.dumps(doc)


def _valid_doc() -> dict[str, Any]:
    return dict(json.loads(saved_text()))


def _bad_path(doc: dict[str, Any]) -> None:
    doc["actions"][0]["operations"] = [
        {"op": "replace", "path": "persona_name", "value": "x", "drift": False, "sensitive": False}
    ]


def _bad_id(doc: dict[str, Any]) -> None:
    doc["actions"][0]["persona_id"] = ["x"]


@pytest.mark.parametrize("edit", [_bad_path, _bad_id], ids=["path-without-slash", "id-a-list"])
def test_a_plan_file_with_bad_content_is_a_plan_error_even_with_a_valid_mac(edit) -> None:
    doc = _valid_doc()
    edit(doc)
    with pytest.raises(PlanError, match="is malformed"):
        planfile.loads(_resigned(doc), KEY, "plan.json")


def test_a_deeply_nested_plan_file_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="nested more than 64 levels deep"):
        planfile.loads('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", KEY, "plan.json")
