"""Creates of personas with the same persona_name and content ("twins") never share an id.

A create whose answer was lost looks for its persona on the account. If a twin's POST has
already created the twin's persona but its answer is still on the way, the search must not
take that persona: both would then record one id, and one persona would be missing while every
later plan said "No changes". The in-process emulator plays the server; a transport holds the
twin's answer until the search has listed the account.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx

from tavusctl.apply.execute import execute
from tavusctl.plan.model import Action, ActionKind, Plan
from tavusctl.state import lockfile
from tavusctl.state.lockfile import Lockfile
from tavusctl.state.store import LockfileStore
from tests.support.inproc import InProcess

TWIN = {"persona_name": "Twin", "system_prompt": "You are one of two."}


class Interleave(httpx.AsyncBaseTransport):
    """Orders the twins' requests: the failed POST is answered once the other POST has created
    its persona (or after a moment, if it is not sent meanwhile), and that POST's answer is
    delivered only after the account has been listed."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.created, self.listed = asyncio.Event(), asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "GET" and request.url.path == "/v2/personas":
            self.listed.set()
        elif request.method == "POST" and response.status_code >= 500:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.created.wait(), timeout=0.5)
        elif request.method == "POST" and not self.listed.is_set():
            self.created.set()
            await self.listed.wait()
            await asyncio.sleep(0.05)  # the search has chosen by now
        return response


def twin(name: str) -> Action:
    return Action(ActionKind.CREATE, f"Persona/{name}", name, body=TWIN, applied=TWIN)


async def run_twins(lock_path: Path) -> tuple[set[str | None], list[str]]:
    emu = InProcess()
    await emu.inject("POST", "/v2/personas", status=500)  # the first POST fails before writing
    emu.transport = Interleave(emu.transport)
    async with emu.client() as client:
        plan = Plan((twin("left"), twin("right")))
        result = await asyncio.wait_for(
            execute(plan, client, LockfileStore(lock_path), Lockfile(), parallelism=2, settle=0),
            timeout=30,
        )
    assert result.ok, result.outcomes
    recorded = {e.id for e in lockfile.read(lock_path).entries.values()}
    return recorded, [p["persona_id"] for p in await emu.personas()]


def test_a_lost_create_never_adopts_a_twin_whose_answer_is_on_its_way(tmp_path: Path) -> None:
    recorded, on_account = asyncio.run(run_twins(tmp_path / "tavus.lock"))

    assert len(on_account) == 2
    assert recorded == set(on_account)
