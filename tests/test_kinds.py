"""A second kind, defined here only, goes through plan -> apply -> plan like a persona.

``Widget`` is no Tavus resource: it takes a plain JSON body on update (not JSON Patch), has
its id in ``uuid`` and a secret ``token`` the API never shows. Registering it is the one step
a new kind needs; the planner, differ, executor, fetcher and client are used as they are.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tavusctl import kinds
from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.api.retry import RetryPolicy
from tavusctl.apply.execute import execute
from tavusctl.commands.common import recorded_ids
from tavusctl.core.model import Location, Resource
from tavusctl.core.secrets import SecretRule
from tavusctl.kinds import Kind, UpdateStyle
from tavusctl.plan.model import ActionKind, Plan
from tavusctl.plan.planner import make_plan
from tavusctl.state import lockfile
from tavusctl.state.store import LockfileStore

WIDGET = Kind(
    name="Widget",
    noun="widget",
    collection="/v2/widgets",
    id_field="uuid",
    name_field="name",
    secrets=SecretRule(keys=frozenset({"token"})),
    update=UpdateStyle.JSON_BODY,
    server_owned=frozenset({"uuid", "created_at", "updated_at"}),
)


@pytest.fixture(autouse=True)
def widget_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(kinds.KINDS, WIDGET.name, WIDGET)
    yield


class FakeWidgetApi:
    """Widgets in memory behind ``/v2/widgets``; every other list is empty. Tokens are stored
    and never shown; a PATCH body replaces the fields it names (``null`` clears one)."""

    def __init__(self) -> None:
        self.widgets: dict[str, dict[str, Any]] = {}
        self.ids = (f"w{n}" for n in itertools.count(1))
        self.writes: list[tuple[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rstrip("/")
        body = json.loads(request.content) if request.content else None
        if request.method != "GET":
            self.writes.append((request.method, body))
        if path != WIDGET.collection and not path.startswith(WIDGET.collection + "/"):
            return httpx.Response(200, json={"data": [], "total_count": 0})
        wid = path.removeprefix(WIDGET.collection).lstrip("/")
        return self._answer(request.method, wid, body)

    def _answer(self, method: str, wid: str, body: Any) -> httpx.Response:
        if method == "POST":
            wid = next(self.ids)
            self.widgets[wid] = {"uuid": wid, "created_at": "2026-01-01T00:00:00Z", **body}
            return httpx.Response(200, json={"uuid": wid})
        if method == "GET" and not wid:
            shown = [self._shown(w) for w in self.widgets.values()]
            return httpx.Response(200, json={"data": shown, "total_count": len(shown)})
        if wid not in self.widgets:
            return httpx.Response(404, json={"message": "no such widget"})
        if method == "PATCH":
            self.widgets[wid].update(body)
            self.widgets[wid] = {k: v for k, v in self.widgets[wid].items() if v is not None}
        if method == "DELETE":
            del self.widgets[wid]
            return httpx.Response(204)
        return httpx.Response(200, json=self._shown(self.widgets[wid]))

    @staticmethod
    def _shown(widget: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in widget.items() if k != "token"}


async def no_sleep(_seconds: float) -> None:
    """Retries do not wait."""


def widget(key_name: str, **spec: Any) -> Resource:
    return Resource(kind="Widget", name=key_name, spec=spec, location=Location("w.yaml", 1, 1))


async def plan_against(
    client: TavusClient, lock_path: Path, desired: list[Resource], *, prune: bool = False
) -> Plan:
    lock = lockfile.read(lock_path)
    live = await fetch_account(client, recorded_ids(lock))
    return make_plan(desired, lock, live.objects, prune=prune)


async def apply(client: TavusClient, lock_path: Path, plan: Plan) -> None:
    result = await execute(
        plan, client, LockfileStore(lock_path), lockfile.read(lock_path), settle=0
    )
    assert result.ok, result.outcomes
    assert result.warnings == ()


def kinds_of(plan: Plan) -> list[tuple[str, ActionKind]]:
    return [(a.key, a.kind) for a in plan.actions]


def test_a_kind_defined_in_a_test_round_trips_plan_apply_and_an_empty_plan(
    tmp_path: Path,
) -> None:
    api, lock_path = FakeWidgetApi(), tmp_path / "tavus.lock"
    lockfile.write(lock_path, lockfile.Lockfile())  # one salt for every plan
    first = [widget("gear", name="Gear", size=3, tags=["a"], token="t-123456")]
    changed = [widget("gear", name="Gear", size=4, tags=["a"], token="t-123456")]

    async def scenario() -> None:
        transport = httpx.MockTransport(api.handle)
        retry = RetryPolicy(sleep=no_sleep)
        async with TavusClient("http://fake", "key", transport=transport, retry=retry) as client:
            plan = await plan_against(client, lock_path, first)
            assert kinds_of(plan) == [("Widget/gear", ActionKind.CREATE)]
            await apply(client, lock_path, plan)
            again = await plan_against(client, lock_path, first)
            assert kinds_of(again) == [("Widget/gear", ActionKind.NOOP)]

            update = await plan_against(client, lock_path, changed)
            assert kinds_of(update) == [("Widget/gear", ActionKind.UPDATE)]
            await apply(client, lock_path, update)
            assert api.writes[-1] == ("PATCH", {"size": 4})  # a plain body, not JSON Patch
            after = await plan_against(client, lock_path, changed)
            assert kinds_of(after) == [("Widget/gear", ActionKind.NOOP)]

            gone = await plan_against(client, lock_path, [], prune=True)
            assert kinds_of(gone) == [("Widget/gear", ActionKind.DELETE)]
            await apply(client, lock_path, gone)

    asyncio.run(scenario())
    assert api.widgets == {}
    assert api.writes[0] == (
        "POST",
        {"name": "Gear", "size": 3, "tags": ["a"], "token": "t-123456"},
    )
    assert "t-123456" not in (tmp_path / "tavus.lock").read_text()


def test_a_changed_secret_of_the_test_kind_is_sent_and_shown_as_sensitive(
    tmp_path: Path,
) -> None:
    api, lock_path = FakeWidgetApi(), tmp_path / "tavus.lock"
    lockfile.write(lock_path, lockfile.Lockfile())  # one salt for every plan

    async def scenario() -> Plan:
        transport = httpx.MockTransport(api.handle)
        retry = RetryPolicy(sleep=no_sleep)
        async with TavusClient("http://fake", "key", transport=transport, retry=retry) as client:
            await apply(
                client,
                lock_path,
                await plan_against(client, lock_path, [widget("g", token="old-1")]),
            )
            rotated = await plan_against(client, lock_path, [widget("g", token="new-2")])
            await apply(client, lock_path, rotated)
            return rotated

    rotated = asyncio.run(scenario())
    (op,) = rotated.actions[0].operations
    assert (op.path, op.sensitive) == ("/token", True)
    assert api.writes[-1] == ("PATCH", {"token": "new-2"})
