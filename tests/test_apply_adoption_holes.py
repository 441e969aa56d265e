"""Adoption after a lost create answer, against servers that misbehave: secrets in lists, a
server that trims what it stores, a server whose clock is behind, lookalike personas made by
another lockfile. One POST landed means one persona, never a duplicate, never another's."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tavusctl.plan.model import Action, ActionKind
from tavusctl.plan.redact import hashed
from tavusctl.state.lockfile import LockEntry, Lockfile
from tests.support.hostile import Rewriting
from tests.support.inproc import InProcess
from tests.test_apply import SALT, apply, body, on_disk, sync


def create(name: str, spec: dict[str, Any]) -> Action:
    return Action(ActionKind.CREATE, f"Persona/{name}", name, body=spec, applied=hashed(spec, SALT))


def posts(log: list[tuple[str, str]]) -> int:
    return log.count(("POST", "/v2/personas"))


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "tavus.lock"


@sync
async def test_a_persona_with_a_secret_in_a_list_is_adopted_after_a_lost_answer(lock_path):
    fallbacks = [{"model": "backup", "api_key": "sk-LIST-SECRET-123456"}]
    spec = body("ann", layers={"llm": {"model": "m", "extra_body": {"fallbacks": fallbacks}}})
    emu = InProcess()
    await emu.inject("POST", "/v2/personas", status=502, after_write=True)
    result = await apply(emu, lock_path, create("ann", spec))
    assert result.ok, result.outcomes
    assert posts(await emu.requests()) == 1
    assert len(await emu.personas()) == 1


def trimming(method: str, path: str, body: Any) -> Any:
    """A server that strips the ends of every string it is sent."""
    if method == "POST" and isinstance(body, dict):
        return {k: v.strip() if isinstance(v, str) else v for k, v in body.items()}
    return body


@sync
async def test_a_server_that_trims_what_it_stores_does_not_cause_a_duplicate(lock_path):
    emu = InProcess()
    emu.transport = Rewriting(emu.transport, request=trimming)
    await emu.inject("POST", "/v2/personas", status=502, after_write=True)
    spec = body("ann", system_prompt="You are ann.\n")  # a ${file:} prompt keeps its newline
    result = await apply(emu, lock_path, create("ann", spec))
    assert result.ok, result.outcomes
    assert posts(await emu.requests()) == 1
    assert len(await emu.personas()) == 1


def behind(method: str, path: str, doc: Any) -> Any:
    """A server whose created_at is local time without a zone, hours behind UTC."""

    def shift(item: Any) -> Any:
        if isinstance(item, dict) and isinstance(item.get("created_at"), str):
            when = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
            return {**item, "created_at": (when - timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")}
        return item

    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        return {**doc, "data": [shift(i) for i in doc["data"]]}
    return shift(doc)


@sync
async def test_a_server_clock_behind_the_client_does_not_cause_duplicates(lock_path):
    emu = InProcess()
    emu.transport = Rewriting(emu.transport, response=behind)
    await emu.inject("POST", "/v2/personas", status=502, after_write=True, count=2)
    result = await apply(emu, lock_path, create("ann", body("ann")))
    assert posts(await emu.requests()) == 1
    assert len(await emu.personas()) == 1
    assert result.ok, result.outcomes


@sync
async def test_a_resumed_intent_is_adopted_whatever_the_server_clock(lock_path):
    emu = InProcess()
    emu.transport = Rewriting(emu.transport, response=behind)
    [pid] = await emu.seed(body("ann"))  # what the killed run's POST created
    intent = LockEntry(None, body("ann"), "2999-01-01T00:00:00.000Z", exclude=())
    lock = Lockfile(salt=SALT).with_entry("Persona/ann", intent)
    result = await apply(emu, lock_path, create("ann", body("ann")), lock=lock)
    assert [o.persona_id for o in result.outcomes] == [pid]
    assert posts(await emu.requests()) == 0


@sync
async def test_a_lookalike_made_before_the_intent_is_never_adopted(lock_path):
    emu = InProcess()
    [theirs] = await emu.seed(body("ann"))  # another lockfile's, made a minute ago
    await emu.inject("POST", "/v2/personas", status=502)  # ours never lands
    result = await apply(emu, lock_path, create("ann", body("ann")))
    assert result.ok, result.outcomes
    assert on_disk(lock_path)["Persona/ann"].id != theirs
    assert len(await emu.personas()) == 2


@sync
async def test_two_new_lookalikes_are_ambiguous_and_neither_is_taken(lock_path):
    emu = InProcess()
    intent = LockEntry(None, body("ann"), "2026-01-01T00:00:00.000Z", exclude=())
    await emu.seed(body("ann"), body("ann"))
    lock = Lockfile(salt=SALT).with_entry("Persona/ann", intent)
    result = await apply(emu, lock_path, create("ann", body("ann")), lock=lock)
    [outcome] = result.outcomes
    assert outcome.status == "failed" and "cannot tell which one it made" in (outcome.reason or "")
    assert result.lock.entries["Persona/ann"].id is None
    assert posts(await emu.requests()) == 0
