"""A create left in flight by a killed run must not be created a second time by the next run.

Found with SIGKILL against an emulator with `--latency-ms 3000 --jitter-ms 2990` (a slow API):
the killed run's POST landed after the next run had already listed the account for it, so the
next run created the persona again. Reproduced here deterministically with the in-process
emulator: a transport makes the dead run's POST land just after the new run's list.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tavusctl import lockfile
from tavusctl.apply import execute
from tavusctl.content import now_iso
from tavusctl.lockfile import LockEntry, Lockfile
from tavusctl.plan import Action, ActionKind, Plan
from tests.support.inproc import InProcess

BODY = {"persona_name": "Ann", "system_prompt": "You are Ann."}


class LandsAfterTheFirstList(httpx.AsyncBaseTransport):
    """Creates ``body`` on the account (the dead run's POST) right after the first list."""

    def __init__(self, emu: InProcess, body: dict[str, Any]) -> None:
        self.inner, self.emu, self.body = emu.transport, emu, body
        self.landed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "GET" and request.url.path == "/v2/personas" and not self.landed:
            self.landed = True
            await self.emu.seed(self.body)
        return response


async def resume_after_a_kill(lock_path: Path) -> int:
    emu = InProcess()
    lock = Lockfile(entries={"Persona/ann": LockEntry(None, BODY, intent_at=now_iso())})
    lockfile.write(lock_path, lock)
    emu.transport = LandsAfterTheFirstList(emu, BODY)
    action = Action(ActionKind.CREATE, "Persona/ann", "ann", body=BODY, applied=BODY)
    async with emu.client() as client:
        await execute(Plan((action,)), client, lock_path, lock, settle=0)
    return len(await emu.personas())


@pytest.mark.xfail(
    strict=True,
    reason="Reported, not fixed: resuming an intent searches once, at once; a POST of the "
    "killed run still in flight on a slow server lands afterwards. Needs a design decision "
    "(how long a recent intent is waited for).",
)
def test_a_create_still_in_flight_from_a_killed_run_is_not_made_twice(tmp_path: Path) -> None:
    assert asyncio.run(resume_after_a_kill(tmp_path / "tavus.lock")) == 1
