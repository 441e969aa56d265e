"""Run the emulator as a subprocess, and measure a command run as another subprocess.

A measurement is the child's wall time, CPU time (user + system) and peak RSS, read with
``os.wait4`` on that child alone, plus the number of Tavus API requests it made, read from
the emulator's request log (cleared before each run; admin routes ignored).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

API_KEY = "bench-key"
ADMIN = "/_emulator"
LISTENING = re.compile(r"listening on (http://\S+)")


def tavusctl_argv() -> list[str]:
    """How to run tavusctl: the console script beside this Python, else ``python -m``."""
    script = Path(sys.executable).parent / "tavusctl"
    if script.exists():
        return [str(script)]
    found = shutil.which("tavusctl")
    return [found] if found else [sys.executable, "-m", "tavusctl"]


def command_exists(name: str) -> bool:
    """Whether ``tavusctl <name> --help`` works (the command is wired into the CLI)."""
    proc = subprocess.run(
        [*tavusctl_argv(), name, "--help"], capture_output=True, text=True, timeout=30
    )
    return proc.returncode == 0


@dataclass(frozen=True)
class Measurement:
    """What one run cost. ``cpu_s``/``peak_rss_mb`` are ``None`` for in-process baselines."""

    wall_s: float
    requests: int | None = None
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    exit_code: int = 0
    stderr_tail: str = ""
    extrapolated_from: int | None = None  # baseline timed on this many items, scaled to N
    runs_wall_s: tuple[float, ...] = ()  # every repetition, when this is the median of several
    log: tuple[Mapping[str, Any], ...] = field(default=(), repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall_s, 4),
            "requests": self.requests,
            "cpu_s": None if self.cpu_s is None else round(self.cpu_s, 4),
            "peak_rss_mb": None if self.peak_rss_mb is None else round(self.peak_rss_mb, 1),
            "exit_code": self.exit_code,
            "extrapolated_from": self.extrapolated_from,
            "runs_wall_s": [round(w, 4) for w in self.runs_wall_s],
        }


class Emulator:
    """``tavusctl emulator`` in a subprocess on a free loopback port, with its admin hooks."""

    def __init__(self, *switches: str, latency_ms: int = 50) -> None:
        # --port 0 lets the emulator bind any free port itself and say which: no race with
        # other processes picking ports at the same time.
        argv = [*tavusctl_argv(), "emulator", "--host", "127.0.0.1", "--port", "0"]
        argv += ["--latency-ms", str(latency_ms), "--api-key", API_KEY, *switches]
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)
        self.url = self._wait_for_url()
        self.admin = httpx.Client(base_url=self.url, timeout=120)
        self.admin.get(f"{ADMIN}/requests").raise_for_status()

    def _wait_for_url(self, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := LISTENING.search(self._tail()):
                return found.group(1).rstrip("/")
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the emulator exited with {self.proc.returncode}: {self._tail()}"
                )
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError(
            f"the emulator did not say where it listens within {timeout} s: {self._tail()}"
        )

    def _tail(self) -> str:
        # pread: the child shares this file's offset, so never move it
        fd = self._log.fileno()
        size = os.fstat(fd).st_size
        return os.pread(fd, 4000, max(0, size - 4000)).decode(errors="replace")

    @property
    def env(self) -> dict[str, str]:
        """Environment variables pointing tavusctl at this emulator."""
        return {"TAVUS_API_URL": self.url, "TAVUS_API_KEY": API_KEY}

    def reset(self) -> None:
        """Forget every persona and the request log."""
        self.admin.post(f"{ADMIN}/reset").raise_for_status()
        self.clear_requests()

    def requests(self) -> list[dict[str, Any]]:
        """The Tavus API requests logged since the last clear (admin routes left out)."""
        response = self.admin.get(f"{ADMIN}/requests")
        response.raise_for_status()
        logged: list[dict[str, Any]] = response.json()["requests"]
        return [r for r in logged if not str(r.get("path", "")).startswith(ADMIN)]

    def clear_requests(self) -> None:
        self.admin.delete(f"{ADMIN}/requests").raise_for_status()

    def seed(self, specs: Sequence[Mapping[str, Any]]) -> list[str]:
        """Create personas directly in the store (no latency); their ids, in order."""
        response = self.admin.post(f"{ADMIN}/seed", json={"api_key": API_KEY, "personas": specs})
        if response.status_code == 404:
            ids = asyncio.run(_create_all(self.url, specs))
        else:
            response.raise_for_status()
            ids = _ids_from(response.json())
        self.clear_requests()
        return ids

    def close(self) -> None:
        """Stop the emulator process (the one this object started) and wait for it."""
        self.admin.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ids_from(body: Any) -> list[str]:
    """The ids in a seed response, whatever the emulator calls them."""
    if isinstance(body, dict):
        for key in ("ids", "persona_ids", "data", "personas"):
            if key in body:
                return _ids_from(body[key])
    if isinstance(body, list):
        return [item if isinstance(item, str) else str(item["persona_id"]) for item in body]
    raise RuntimeError(f"unexpected seed response: {str(body)[:200]}")


async def _create_all(url: str, specs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Fallback seeding when the emulator has no seed hook: concurrent POSTs."""
    limits = httpx.Limits(max_connections=64)
    headers = {"x-api-key": API_KEY}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as c:
        gate = asyncio.Semaphore(64)

        async def create(spec: Mapping[str, Any]) -> str:
            async with gate:
                response = await c.post("/v2/personas", json=spec)
                response.raise_for_status()
                return str(response.json()["persona_id"])

        return list(await asyncio.gather(*(create(s) for s in specs)))


LAUNCHER = Path(__file__).with_name("launch.py")


def measure(
    argv: Sequence[str],
    emulator: Emulator | None,
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = 600,
) -> Measurement:
    """Run ``argv`` once; its own wall, CPU and peak RSS, and the API requests it made.

    The command is started by a small launcher process (see ``launch.py``) so that its peak
    RSS is its own, not that of this process it would otherwise be forked from.
    """
    if emulator is not None:
        emulator.clear_requests()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile(suffix=".json") as out:
        launcher = [sys.executable, str(LAUNCHER), out.name, "--", *argv]
        proc = subprocess.Popen(
            launcher,
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # so that a timeout can stop the command too
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        result = json.loads(Path(out.name).read_text() or "{}")
        err.seek(0)
        tail = err.read().decode(errors="replace")[-1500:]
    log = tuple(emulator.requests()) if emulator is not None else ()
    return Measurement(
        wall_s=result.get("wall_s", timeout),
        requests=len(log) if emulator is not None else None,
        cpu_s=result.get("cpu_s"),
        peak_rss_mb=result["peak_rss_kib"] / 1024 if "peak_rss_kib" in result else None,
        exit_code=result.get("exit_code", -9),
        stderr_tail=tail,
        log=log,
    )
