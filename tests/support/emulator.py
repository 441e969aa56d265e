"""The emulator fixtures: one real server per session, reset for every test.

``emulator_server`` runs ``create_app`` under uvicorn on a free loopback port in a background
thread; ``emulator`` resets it and returns an :class:`Emulator` handle that drives the
``/_emulator/`` hooks.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tavusctl.emulator.app import create_app
from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.server import bind, url_of, uvicorn_config

API_KEY = "test-key"
_UNSET: Any = object()


def without_nulls(doc: Any) -> Any:
    """``doc`` with every null-valued key left out, at any depth: a read as ``--unset-fields
    absent`` would show it (the default shows unset fields as null, as a recorded GET does)."""
    if isinstance(doc, dict):
        return {k: without_nulls(v) for k, v in doc.items() if v is not None}
    if isinstance(doc, list):
        return [without_nulls(v) for v in doc]
    return doc


@dataclass(frozen=True)
class EmulatorServer:
    """A running emulator: its base URL."""

    url: str


@dataclass
class Emulator:
    """A handle on the (freshly reset) emulator for one test."""

    url: str
    admin: httpx.Client = field(repr=False)
    api_key: str = API_KEY

    @property
    def env(self) -> dict[str, str]:
        """Environment for ``run_cli``: point tavusctl at this emulator.

        The timeout is short: the emulator answers fast, and a run that resumes a create
        intent waits out the rest of the timeout before looking for the persona."""
        return {"TAVUS_API_URL": self.url, "TAVUS_API_KEY": self.api_key, "TAVUSCTL_TIMEOUT": "5"}

    def requests(self) -> list[dict[str, Any]]:
        """Every Tavus API request so far: method, path, query, status, parsed body."""
        return list(self._call("GET", "requests").json()["requests"])

    def clear_requests(self) -> None:
        """Forget the requests logged so far."""
        self._call("DELETE", "requests")

    def inject(self, method: str, path: str, *, status: int = 500, count: int = 1, body: Any = _UNSET,
               headers: dict[str, str] | None = None, drop: bool = False, after_write: bool = False) -> None:  # fmt: skip
        """Answer the next ``count`` requests for ``method path`` with ``status`` (or drop them)."""
        spec = {"method": method, "path": path, "status": status, "count": count,
                "headers": headers or {}, "drop": drop, "after_write": after_write}  # fmt: skip
        if body is not _UNSET:
            spec["body"] = body
        self._call("POST", "inject", json=spec)

    def configure(self, **switches: Any) -> dict[str, Any]:
        """Change switches (EmulatorConfig fields) until the next reset; returns the config."""
        return dict(self._call("POST", "config", json=switches).json())

    def edit_persona(self, persona_id: str, ops: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Edit a persona behind tavusctl's back; the new document, or None if nothing changed."""
        response = self._call("PATCH", f"personas/{persona_id}", json=ops, key=True)
        return None if response.status_code == 304 else dict(response.json())

    def create_persona(self, body: dict[str, Any]) -> str:
        """Create a persona directly (not logged); returns its id."""
        response = self._call("POST", "seed", json={"api_key": self.api_key, "personas": [body]})
        return str(response.json()["persona_ids"][0])

    def list_personas(self) -> list[dict[str, Any]]:
        """Every user persona of the test account, oldest first, as stored."""
        return list(self._call("GET", "personas", key=True).json()["data"])

    def stored(self, collection: str) -> list[dict[str, Any]]:
        """Every object of a 2026 collection (``tools``) of the test account, as stored."""
        return list(self._call("GET", f"objects/{collection}", key=True).json()["data"])

    def _call(self, method: str, hook: str, *, key: bool = False, **kwargs: Any) -> httpx.Response:
        headers = {"x-api-key": self.api_key} if key else {}
        response = self.admin.request(
            method, f"{self.url}/_emulator/{hook}", headers=headers, **kwargs
        )
        if response.status_code >= 400:
            raise AssertionError(
                f"Emulator hook {method} {hook} failed: {response.status_code} {response.text}"
            )
        return response


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """The emulator (default switches) served by uvicorn on a free loopback port in a thread."""
    import uvicorn

    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn_config(create_app(EmulatorConfig())))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        raise RuntimeError("The emulator did not start within 10 seconds.")
    yield EmulatorServer(url_of(sock))
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def emulator_admin_client() -> Iterator[httpx.Client]:
    """One keep-alive client for the hooks (an httpx.Client costs an SSL context to build)."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def emulator(emulator_server: EmulatorServer, emulator_admin_client: httpx.Client) -> Emulator:
    """The shared emulator, reset to its starting state (switches included) for this test."""
    handle = Emulator(emulator_server.url, admin=emulator_admin_client)
    handle._call("POST", "reset")
    return handle


@contextlib.contextmanager
def emulator_process(
    *args: str, cwd: Path | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run the real ``tavusctl emulator --port 0 ARGS`` in a subprocess; yield it and its URL.

    The process is killed on exit if it is still running.
    """
    command = [sys.executable, "-m", "tavusctl", "emulator", "--port", "0", *args]
    proc = subprocess.Popen(command, cwd=cwd, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"http://\S+", line)
        if match is None:
            raise AssertionError(f"The emulator did not start: {line}{proc.stderr.read()}")
        yield proc, match.group(0)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()
