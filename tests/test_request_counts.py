"""Apply at scale costs what the network makes unavoidable, counted in requests (never seconds).

One write per change and a few list pages of reads; a one-field change is a small patch, not
the persona. A regression to per-persona GETs or to sending whole personas fails here (plan's
counts: test_plan_cli_scale.py). The real CLI runs against the real emulator; the account is
seeded in bulk through the emulator's seed hook.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import httpx

from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tests.support.cli import Run
from tests.support.emulator import Emulator

PAGE = 100  # the emulator's largest page size
ONE_PERSONA = re.compile(r"/v2/personas/[^/]+")


def _spec(i: int) -> dict[str, Any]:
    return {
        "persona_name": f"Agent {i}",
        "pipeline_mode": "full",
        "system_prompt": f"You are agent {i}. " + "Answer briefly and politely. " * 40,
        "layers": {"conversational_flow": {"turn_taking_patience": "medium"}},
    }


def _manifests(folder: Path, specs: list[dict[str, Any]]) -> None:
    folder.mkdir(exist_ok=True)
    for i, spec in enumerate(specs):
        doc = {
            "apiVersion": "tavusctl/v1",
            "kind": "Persona",
            "metadata": {"name": f"agent-{i}"},
            "spec": spec,
        }
        (folder / f"agent-{i}.yaml").write_text(json.dumps(doc))  # JSON is YAML


def _in_sync(emulator: Emulator, cwd: Path, specs: list[dict[str, Any]]) -> list[str]:
    """Seed the account with ``specs`` and record them in ``cwd/tavus.lock``; their ids."""
    response = httpx.post(
        f"{emulator.url}/_emulator/seed", json={"api_key": emulator.api_key, "personas": specs}
    )
    ids: list[str] = response.json()["persona_ids"]
    entries = {
        f"Persona/agent-{i}": LockEntry(id=pid, applied=spec)
        for i, (pid, spec) in enumerate(zip(ids, specs, strict=True))
    }
    lockfile.write(cwd / "tavus.lock", Lockfile(entries=entries))
    emulator.clear_requests()
    return ids


def _count(log: list[dict[str, Any]], method: str, pattern: re.Pattern[str] | None = None) -> int:
    return sum(
        1
        for r in log
        if r["method"] == method and (pattern is None or pattern.fullmatch(r["path"]))
    )


def test_apply_of_a_one_field_change_sends_one_small_patch_per_persona(
    tavusctl: Run, emulator: Emulator, tmp_path: Path
) -> None:
    specs = [_spec(i) for i in range(60)]
    _in_sync(emulator, tmp_path, specs)
    _manifests(tmp_path / "m", [{**s, "persona_name": s["persona_name"] + " v2"} for s in specs])

    result = tavusctl("apply", "m", "--auto-approve", "--parallelism", "8", env=emulator.env)

    assert result.code == 0, result.output
    log = emulator.requests()
    patches = [r for r in log if r["method"] == "PATCH"]
    assert len(patches) == 60
    assert len(log) - len(patches) <= math.ceil(60 / PAGE) + 2
    assert max(len(json.dumps(p["body"], separators=(",", ":"))) for p in patches) < 300


def test_apply_creating_personas_posts_each_exactly_once(
    tavusctl: Run, emulator: Emulator, tmp_path: Path
) -> None:
    _manifests(tmp_path / "m", [_spec(i) for i in range(40)])

    result = tavusctl("apply", "m", "--auto-approve", "--parallelism", "8", env=emulator.env)

    assert result.code == 0, result.output
    log = emulator.requests()
    assert _count(log, "POST") == 40
    assert _count(log, "GET", ONE_PERSONA) == 0
    assert len(log) - 40 <= math.ceil(40 / PAGE) + 2


def test_apply_keeps_one_connection_alive_per_request_in_flight(
    tavusctl: Run, emulator: Emulator, tmp_path: Path
) -> None:
    """At --parallelism 32 every PATCH reuses one of at most 32 kept-alive connections (issue
    17: httpx keeps 20 by default, so most answers closed one and the next request opened
    another: 943 TCP connections for 1,020 requests at N = 1,000)."""
    specs = [_spec(i) for i in range(160)]
    _in_sync(emulator, tmp_path, specs)
    _manifests(tmp_path / "m", [{**s, "persona_name": s["persona_name"] + " v2"} for s in specs])
    emulator.configure(latency_ms=100)  # all 32 in flight at once

    result = tavusctl("apply", "m", "--auto-approve", "--parallelism", "32", env=emulator.env)

    assert result.code == 0, result.output
    log = emulator.requests()
    assert _count(log, "PATCH") == 160
    assert len({r["client"] for r in log}) <= 32
