"""The naive approach, measured in the same run against the same emulator.

Naive plan: one list call, then one sequential GET per persona. Naive apply: one sequential
request per change (a POST per new persona, a PATCH per changed one). Every tavusctl figure is
reported as a ratio to these, which stays meaningful on a noisy machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.harness import API_KEY, Emulator, Measurement

Step = Callable[[httpx.Client], None]


@contextmanager
def _client(emulator: Emulator) -> Iterator[httpx.Client]:
    headers = {"x-api-key": API_KEY}
    with httpx.Client(base_url=emulator.url, headers=headers, timeout=60) as client:
        yield client


def _timed(emulator: Emulator, steps: Sequence[Step], total: int) -> Measurement:
    """Run ``steps`` one after the other; scale the time to ``total`` steps if fewer ran."""
    emulator.clear_requests()
    with _client(emulator) as client:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for step in steps:
            step(client)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    made = len(emulator.requests())
    emulator.clear_requests()
    scale = total / len(steps) if steps else 1.0
    return Measurement(
        wall_s=wall * scale,
        requests=round(made * scale),
        cpu_s=cpu * scale,
        extrapolated_from=len(steps) if len(steps) < total else None,
    )


def naive_plan(emulator: Emulator, ids: Sequence[str], sample: int | None = None) -> Measurement:
    """One list call plus one sequential GET per persona (timed on ``sample`` of them)."""
    chosen = ids if sample is None or sample >= len(ids) else ids[:sample]

    def listing(client: httpx.Client) -> None:
        client.get("/v2/personas", params={"persona_type": "user"}).raise_for_status()

    steps: list[Step] = [_get(pid) for pid in chosen]
    head = _timed(emulator, [listing], 1)
    body = _timed(emulator, steps, len(ids))
    return Measurement(
        wall_s=head.wall_s + body.wall_s,
        requests=(head.requests or 0) + (body.requests or 0),
        cpu_s=(head.cpu_s or 0) + (body.cpu_s or 0),
        extrapolated_from=body.extrapolated_from,
    )


def _get(persona_id: str) -> Step:
    def step(client: httpx.Client) -> None:
        client.get(f"/v2/personas/{persona_id}").raise_for_status()

    return step


def naive_patch(emulator: Emulator, changes: Mapping[str, list[dict[str, Any]]]) -> Measurement:
    """One sequential PATCH per changed persona (``changes``: persona id → JSON Patch)."""

    def patch(persona_id: str, ops: list[dict[str, Any]]) -> Step:
        def step(client: httpx.Client) -> None:
            client.patch(f"/v2/personas/{persona_id}", json=ops).raise_for_status()

        return step

    steps = [patch(pid, ops) for pid, ops in changes.items()]
    return _timed(emulator, steps, len(steps))


def naive_create(emulator: Emulator, specs: Sequence[Mapping[str, Any]]) -> Measurement:
    """One sequential POST per persona."""

    def create(spec: Mapping[str, Any]) -> Step:
        def step(client: httpx.Client) -> None:
            client.post("/v2/personas", json=dict(spec)).raise_for_status()

        return step

    return _timed(emulator, [create(s) for s in specs], len(specs))


def naive_validate(folder: Path) -> Measurement:
    """Parse every manifest with plain ``yaml.safe_load``, in process: the floor of reading."""
    files = sorted(folder.rglob("*.yaml"))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for path in files:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    return Measurement(wall_s=time.perf_counter() - wall0, cpu_s=time.process_time() - cpu0)


def interpreter_startup(runs: int) -> Measurement:
    """Median wall time of ``python -c pass``: the floor of any Python CLI's start-up."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return Measurement(wall_s=statistics.median(times))
