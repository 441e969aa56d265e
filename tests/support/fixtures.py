"""Fixtures most CLI tests share: the emulator on the workspace's account, a workspace whose
leaks fail the test, three personas applied. Loaded by ``tests/conftest.py``.

A module marked ``pytest.mark.repository_root`` gets a workspace that is a repository root (it
holds ``.git``), so that nothing is looked for above it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.emulator import Emulator
from tests.support.workspace import API_KEY, Workspace

NAMES = ("ann", "bob", "cid")
WRITES = ("POST", "PATCH", "DELETE")


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The emulator, used with the workspace's distinctive API key (its own account)."""
    return dataclasses.replace(emulator, api_key=API_KEY)


@pytest.fixture
def ws(request: pytest.FixtureRequest, tmp_path: Path, emu: Emulator) -> Iterator[Workspace]:
    """A workspace on the emulator; afterwards nothing written may hold the secret or key."""
    if request.node.get_closest_marker("repository_root") is not None:
        (tmp_path / ".git").mkdir()
    workspace = Workspace(tmp_path, emu.url)
    yield workspace
    assert workspace.leaks() == []


@pytest.fixture
def applied(ws: Workspace, emu: Emulator) -> dict[str, str]:
    """Three personas (ann, bob, cid) applied; their ids by name. The request log is cleared."""
    for name in NAMES:
        ws.write(name)
    result = ws.apply()
    assert result.code == 0, result.output
    emu.clear_requests()
    return {key.removeprefix("Persona/"): str(pid) for key, pid in ws.ids().items()}


def writes(emu: Emulator) -> list[dict[str, Any]]:
    """The writes the emulator received (POST, PATCH, DELETE), in order."""
    return [r for r in emu.requests() if r["method"] in WRITES]
