"""A create left in flight by a killed run must not be created a second time by the next run.

Found with SIGKILL against an emulator with `--latency-ms 3000 --jitter-ms 2990` (a slow API):
the killed run's POST landed after the next run had already listed the account for it, so the
next run created the persona again. Reproduced here deterministically with the in-process
emulator: a transport makes the dead run's POST land just after the new run's list.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from tavusctl.apply.execute import execute
from tavusctl.plan.content import now_iso
from tavusctl.plan.model import Action, ActionKind, Plan
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.store import LockfileStore
from tests.support.inproc import InProcess

BODY = {"persona_name": "Ann", "system_prompt": "You are Ann."}


# The dead run's POST lands this long after its intent; the client timeout bounds a POST.
LANDS_AFTER = 0.3
TIMEOUT = 0.6


class LandsLater(httpx.AsyncBaseTransport):
    """Creates ``body`` on the account (the dead run's POST) ``LANDS_AFTER`` seconds from now,
    seen by the first request sent after that (or at the end, by :meth:`land`)."""

    def __init__(self, emu: InProcess, body: dict[str, Any]) -> None:
        self.inner, self.emu, self.body = emu.transport, emu, body
        self.at, self.landed = time.monotonic() + LANDS_AFTER, False

    async def land(self) -> None:
        if not self.landed:
            self.landed = True
            await self.emu.seed(self.body)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if time.monotonic() >= self.at:
            await self.land()
        return await self.inner.handle_async_request(request)


async def resume_after_a_kill(lock_path: Path) -> int:
    emu = InProcess()
    lock = Lockfile(entries={"Persona/ann": LockEntry(None, BODY, intent_at=now_iso())})
    lockfile.write(lock_path, lock)
    transport = emu.transport = LandsLater(emu, BODY)
    action = Action(ActionKind.CREATE, "Persona/ann", "ann", body=BODY, applied=BODY)
    async with emu.client(timeout=TIMEOUT) as client:
        await execute(Plan((action,)), client, LockfileStore(lock_path), lock, settle=0)
    await transport.land()  # whatever happened, the dead run's POST lands in the end
    return len(await emu.personas())


def test_a_create_still_in_flight_from_a_killed_run_is_not_made_twice(tmp_path: Path) -> None:
    assert asyncio.run(resume_after_a_kill(tmp_path / "tavus.lock")) == 1
