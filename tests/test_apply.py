"""The apply executor against the in-process emulator, with plans built by hand."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest

from tavusctl.apply.execute import ApplyResult, Event, execute, preconditions
from tavusctl.core.values import MISSING
from tavusctl.plan.model import Action, ActionKind, Operation, Plan
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.store import LockfileStore
from tests.support.inproc import InProcess

SALT = "0" * 32


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test function in its own event loop."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def body(name: str, **more: Any) -> dict[str, Any]:
    return {"persona_name": name.title(), "system_prompt": f"You are {name}.", **more}


def create(
    name: str, spec: dict[str, Any] | None = None, kind: ActionKind = ActionKind.CREATE
) -> Action:
    spec = spec or body(name)
    return Action(kind, f"Persona/{name}", name, body=spec, applied=spec)


def update(name: str, persona_id: str, *ops: Operation, applied: Any = None) -> Action:
    return Action(
        ActionKind.UPDATE,
        f"Persona/{name}",
        name,
        persona_id=persona_id,
        operations=ops,
        applied=applied or {"persona_name": "x"},
    )


def delete(name: str, persona_id: str | None) -> Action:
    return Action(ActionKind.DELETE, f"Persona/{name}", name, persona_id=persona_id)


async def apply(
    emu: InProcess, path: Path, *actions: Action, lock: Lockfile | None = None, **kw: Any
) -> ApplyResult:
    lock = lock or Lockfile(salt=SALT)
    kw.setdefault("settle", 0)
    async with emu.client() as client:
        return await execute(Plan(tuple(actions)), client, LockfileStore(path), lock, **kw)


def on_disk(path: Path) -> dict[str, LockEntry]:
    return dict(lockfile.read(path).entries)


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "tavus.lock"


@sync
async def test_apply_creates_personas_and_records_their_ids(lock_path: Path) -> None:
    emu = InProcess()
    result = await apply(emu, lock_path, create("ann"), create("bob"), create("cid"))
    live = {p["persona_id"]: p for p in await emu.personas()}
    entries = on_disk(lock_path)
    assert [o.status for o in result.outcomes] == ["succeeded"] * 3
    assert {e.id for e in entries.values()} == set(live)
    assert all(e.intent_at is None for e in entries.values())
    assert live[entries["Persona/bob"].id or ""]["persona_name"] == "Bob"
    assert entries["Persona/bob"].applied == body("bob")
    assert result.lock.entries == entries
    assert result.warnings == ()


@sync
async def test_the_intent_is_on_disk_before_the_post_and_the_id_right_after(
    lock_path: Path,
) -> None:
    emu = InProcess()
    seen_at_post: list[LockEntry] = []
    seen_at_event: list[LockEntry] = []

    def before(request: httpx.Request) -> None:
        if request.method == "POST":
            seen_at_post.append(on_disk(lock_path)["Persona/ann"])

    def event(e: Event) -> None:
        if e.what == "created":
            seen_at_event.append(on_disk(lock_path)[e.key])

    emu.wrap(before)
    await apply(
        emu, lock_path, create("ann"), now=lambda: "2026-01-01T00:00:00.000Z", on_event=event
    )
    assert seen_at_post == [LockEntry(None, body("ann"), "2026-01-01T00:00:00.000Z", exclude=())]
    assert seen_at_event[0].id == on_disk(lock_path)["Persona/ann"].id is not None


@sync
async def test_every_success_is_on_disk_when_many_run_at_once(lock_path: Path) -> None:
    emu = InProcess()
    missing_when_reported: list[str] = []

    def event(e: Event) -> None:
        if e.what == "created" and on_disk(lock_path)[e.key].id != e.message:
            missing_when_reported.append(e.key)

    names = [f"p{i:02}" for i in range(30)]
    result = await apply(emu, lock_path, *(create(n) for n in names), parallelism=8, on_event=event)
    assert missing_when_reported == []
    assert sorted(on_disk(lock_path)) == [f"Persona/{n}" for n in names]
    assert len(await emu.personas()) == 30
    assert result.ok


@sync
async def test_update_sends_test_operations_before_the_patch(lock_path: Path) -> None:
    emu = InProcess()
    [pid] = await emu.seed(body("ann", context="old context"))
    ops = (
        Operation("replace", "/persona_name", "Annie", old="Ann"),
        Operation("add", "/layers", {"llm": {"model": "m"}}, old=MISSING),
        Operation("remove", "/context", old="old context"),
    )
    applied = {
        "persona_name": "Annie",
        "system_prompt": "You are ann.",
        "layers": {"llm": {"model": "m"}},
    }
    result = await apply(emu, lock_path, update("ann", pid, *ops, applied=applied))
    assert result.ok
    assert await emu.bodies("PATCH") == [
        [
            {"op": "test", "path": "/persona_name", "value": "Ann"},
            {"op": "test", "path": "/context", "value": "old context"},
            {"op": "replace", "path": "/persona_name", "value": "Annie"},
            {"op": "add", "path": "/layers", "value": {"llm": {"model": "m"}}},
            {"op": "remove", "path": "/context"},
        ]
    ]
    [live] = await emu.personas()
    assert live["persona_name"] == "Annie" and "context" not in live
    assert on_disk(lock_path)["Persona/ann"] == LockEntry(pid, applied)


@sync
async def test_no_preconditions_sends_only_the_operations(lock_path: Path) -> None:
    emu = InProcess()
    [pid] = await emu.seed(body("ann"))
    op = Operation("replace", "/persona_name", "Annie", old="Ann")
    await apply(emu, lock_path, update("ann", pid, op), preconditions=False)
    assert await emu.bodies("PATCH") == [[op.to_patch()]]


def test_preconditions_skip_secrets_absent_paths_and_repeats() -> None:
    action = update(
        "ann",
        "p1",
        Operation("replace", "/layers/llm/api_key", "new", old="old", sensitive=True),
        Operation("replace", "/layers/llm/headers/Authorization", "b", old="a"),
        Operation("add", "/context", "c", old=MISSING),
        Operation("replace", "/persona_name", "B", old="A"),
        Operation("replace", "/persona_name", "C", old="A"),
        Operation("replace", "/layers/llm/model", None, old=None),
    )
    assert preconditions(action) == [
        {"op": "test", "path": "/persona_name", "value": "A"},
        {"op": "test", "path": "/layers/llm/model", "value": None},
    ]


@pytest.mark.parametrize("status", [422, 400])
@sync
async def test_an_edit_made_since_the_plan_fails_the_patch_and_is_kept(
    lock_path: Path, status: int
) -> None:
    emu = InProcess(patch_error_status=status)
    [pid] = await emu.seed(body("ann"))
    await emu.edit(pid, [{"op": "replace", "path": "/persona_name", "value": "Edited"}])
    before = Lockfile(salt=SALT).with_entry("Persona/ann", LockEntry(pid, {"persona_name": "Ann"}))
    lockfile.write(lock_path, before)
    op = Operation("replace", "/persona_name", "Annie", old="Ann")
    result = await apply(emu, lock_path, update("ann", pid, op), lock=before)
    [outcome] = result.outcomes
    assert outcome.status == "failed"
    assert f"persona {pid} was changed by someone else since the plan" in (outcome.reason or "")
    assert "Persona/ann was left as it is" in (outcome.reason or "")
    assert (await emu.personas())[0]["persona_name"] == "Edited"
    assert lockfile.read(lock_path) == before


@pytest.mark.parametrize("missing_status", [400, 404])
@sync
async def test_delete_removes_the_persona_and_its_entry_even_if_already_gone(
    lock_path: Path, missing_status: int
) -> None:
    emu = InProcess(missing_status=missing_status)
    [pid, other] = await emu.seed(body("ann"), body("bob"))
    lock = (
        Lockfile(salt=SALT)
        .with_entry("Persona/ann", LockEntry(pid, {}))
        .with_entry("Persona/gone", LockEntry("p00000000000", {}))
        .with_entry("Persona/bob", LockEntry(other, {}))
    )
    result = await apply(
        emu, lock_path, delete("ann", pid), delete("gone", "p00000000000"), lock=lock
    )
    assert result.ok
    assert [p["persona_id"] for p in await emu.personas()] == [other]
    assert sorted(on_disk(lock_path)) == ["Persona/bob"]


@sync
async def test_an_intent_left_by_a_crashed_run_is_adopted_not_created_again(
    lock_path: Path,
) -> None:
    emu = InProcess()
    [other, pid] = await emu.seed(body("ann"), body("ann"))  # `other` is recorded elsewhere
    lock = (
        Lockfile(salt=SALT)
        .with_entry("Persona/ann", LockEntry(None, body("ann"), "2000-01-01T00:00:00.000Z"))
        .with_entry("Persona/twin", LockEntry(other, body("ann")))
    )
    result = await apply(emu, lock_path, create("ann"), lock=lock)
    assert [(o.status, o.persona_id, o.reason) for o in result.outcomes] == [
        ("succeeded", pid, "adopted")
    ]
    assert ("POST", "/v2/personas") not in await emu.requests()
    assert on_disk(lock_path)["Persona/ann"] == LockEntry(pid, body("ann"))


@sync
async def test_an_intent_with_nothing_created_since_leads_to_one_create(lock_path: Path) -> None:
    emu = InProcess()
    await emu.seed(body("ann"))  # same content, but created before the intent: not ours
    intent = "2999-01-01T00:00:00.000Z"
    lock = Lockfile(salt=SALT).with_entry("Persona/ann", LockEntry(None, body("ann"), intent))
    result = await apply(emu, lock_path, create("ann"), lock=lock)
    assert result.ok
    assert (await emu.requests()).count(("POST", "/v2/personas")) == 1
    assert len(await emu.personas()) == 2


@sync
async def test_an_adopted_intent_for_an_older_manifest_asks_for_another_apply(
    lock_path: Path,
) -> None:
    emu = InProcess()
    [pid] = await emu.seed(body("ann"))
    old = Lockfile(salt=SALT).with_entry(
        "Persona/ann", LockEntry(None, body("ann"), "2000-01-01T00:00:00.000Z")
    )
    result = await apply(emu, lock_path, create("ann", body("ann", context="new")), lock=old)
    [outcome] = result.outcomes
    assert outcome.status == "failed" and "run apply again" in (outcome.reason or "")
    assert on_disk(lock_path)["Persona/ann"] == LockEntry(pid, body("ann"))
    assert len(await emu.personas()) == 1


@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"status": 502}, {"status": 504}, {"drop": True}, {"status": 429}],
    ids=["500", "502", "504", "dropped", "429"],
)
@sync
async def test_a_create_whose_answer_is_lost_is_adopted_not_duplicated(
    lock_path: Path, fault: dict[str, Any]
) -> None:
    emu = InProcess()
    await emu.inject("POST", "/v2/personas", after_write=True, **fault)
    result = await apply(emu, lock_path, create("ann"), create("bob"))
    personas = await emu.personas()
    assert sorted(p["persona_name"] for p in personas) == ["Ann", "Bob"]
    assert {e.id for e in on_disk(lock_path).values()} == {p["persona_id"] for p in personas}
    assert [o.reason for o in result.outcomes].count("adopted after an unknown outcome") == 1
    assert (await emu.requests()).count(("POST", "/v2/personas")) == 2


@sync
async def test_a_create_refused_with_429_before_writing_is_sent_again(lock_path: Path) -> None:
    emu = InProcess()
    await emu.inject("POST", "/v2/personas", status=429, count=2, headers={"Retry-After": "1"})
    result = await apply(emu, lock_path, create("ann"))
    assert result.ok
    assert len(await emu.personas()) == 1
    assert (await emu.requests()).count(("POST", "/v2/personas")) == 3


@sync
async def test_a_create_that_failed_before_writing_is_sent_once_more(lock_path: Path) -> None:
    emu = InProcess()
    await emu.inject("POST", "/v2/personas", status=500)
    result = await apply(emu, lock_path, create("ann"))
    assert result.ok
    assert len(await emu.personas()) == 1
    assert (await emu.requests()).count(("POST", "/v2/personas")) == 2


@sync
async def test_two_unknown_creates_fail_keep_the_intent_and_the_next_run_finishes(
    lock_path: Path,
) -> None:
    emu = InProcess()
    await emu.inject("POST", "/v2/personas", status=503, count=2)
    first = await apply(emu, lock_path, create("ann"))
    [outcome] = first.outcomes
    assert outcome.status == "failed" and "run apply again" in (outcome.reason or "")
    assert on_disk(lock_path)["Persona/ann"].id is None
    assert await emu.personas() == []
    second = await apply(emu, lock_path, create("ann"), lock=lockfile.read(lock_path))
    assert second.ok
    [live] = await emu.personas()
    assert on_disk(lock_path)["Persona/ann"] == LockEntry(live["persona_id"], body("ann"))


@sync
async def test_one_failure_does_not_stop_the_others(lock_path: Path) -> None:
    emu = InProcess()
    ids = await emu.seed(body("ann"), body("bob"), body("cid"))
    stale = Operation("replace", "/persona_name", "X", old="Not what it is")
    good = Operation("add", "/context", "ok", old=MISSING)
    result = await apply(
        emu,
        lock_path,
        update("ann", ids[0], good),
        update("bob", ids[1], stale),
        update("cid", ids[2], good),
        create("dan"),
    )
    assert [o.status for o in result.outcomes] == ["succeeded", "failed", "succeeded", "succeeded"]
    assert sorted(on_disk(lock_path)) == ["Persona/ann", "Persona/cid", "Persona/dan"]
    assert not result.ok


@sync
async def test_fail_fast_skips_what_has_not_started(lock_path: Path) -> None:
    emu = InProcess()
    ids = await emu.seed(body("ann"), body("bob"))
    stale = Operation("replace", "/persona_name", "X", old="Not what it is")
    result = await apply(
        emu,
        lock_path,
        update("ann", ids[0], stale),
        update("bob", ids[1], Operation("add", "/context", "ok", old=MISSING)),
        create("cid"),
        parallelism=1,
        fail_fast=True,
    )
    assert [o.status for o in result.outcomes] == ["failed", "skipped", "skipped"]
    assert await emu.bodies("POST") == []


@sync
async def test_read_back_reports_fields_the_server_changed_but_never_secrets(
    lock_path: Path,
) -> None:
    emu = InProcess(secrets="masked")
    secret = "sk-live-abcdef123456"
    spec = body("ann", layers={"llm": {"model": "m", "api_key": secret}})
    applied = body("ann", layers={"llm": {"model": "m", "api_key": "sha256:" + "0" * 64}})

    async def normalise(request: httpx.Request) -> None:
        # Something on the server side rewrites the model right after the create.
        if request.method == "GET" and request.url.path.startswith("/v2/personas/"):
            pid = request.url.path.rsplit("/", 1)[1]
            await emu.edit(pid, [{"op": "replace", "path": "/layers/llm/model", "value": "M2"}])

    emu.wrap(normalise)
    action = Action(ActionKind.CREATE, "Persona/ann", "ann", body=spec, applied=applied)
    result = await apply(emu, lock_path, action)
    assert result.ok
    [warning] = result.warnings
    assert "Persona/ann (p" in warning
    assert 'changed /layers/llm/model from "m" to "M2"' in warning
    assert secret not in json.dumps(result.warnings) + lock_path.read_text()


@sync
async def test_read_back_of_many_personas_lists_instead_of_reading_each(lock_path: Path) -> None:
    emu = InProcess()
    await apply(emu, lock_path, *(create(f"p{i:02}") for i in range(20)))
    gets = [path for method, path in await emu.requests() if method == "GET"]
    assert gets == ["/v2/personas"] * 2  # before the first create (no plan given), read-back


@sync
async def test_a_failed_read_back_is_a_warning_not_a_failed_apply(lock_path: Path) -> None:
    emu = InProcess()

    async def refuse(request: httpx.Request) -> None:
        if request.method == "GET" and request.url.path.startswith("/v2/personas/"):
            await emu.inject("GET", request.url.path, status=401)

    emu.wrap(refuse)
    result = await apply(emu, lock_path, create("ann"))
    assert result.ok
    [warning] = result.warnings
    assert warning.startswith("Could not read back what was written (The Tavus API rejected")


@sync
async def test_updating_a_persona_deleted_meanwhile_fails_clearly(lock_path: Path) -> None:
    emu = InProcess(missing_status=404)
    op = Operation("replace", "/persona_name", "B", old="A")
    result = await apply(emu, lock_path, update("ann", "p00000000000", op))
    [outcome] = result.outcomes
    assert outcome.status == "failed"
    assert outcome.reason == (
        "Persona/ann (p00000000000) is gone from the account; run plan again."
    )


@sync
async def test_deleting_an_entry_with_only_an_intent_deletes_what_it_created(
    lock_path: Path,
) -> None:
    emu = InProcess()
    [pid, keep] = await emu.seed(body("ann"), body("bob"))
    lock = Lockfile(salt=SALT).with_entry(
        "Persona/ann", LockEntry(None, body("ann"), "2000-01-01T00:00:00.000Z")
    )
    result = await apply(emu, lock_path, delete("ann", None), lock=lock)
    assert [(o.status, o.persona_id) for o in result.outcomes] == [("succeeded", pid)]
    assert [p["persona_id"] for p in await emu.personas()] == [keep]
    assert on_disk(lock_path) == {}


@sync
async def test_a_refused_create_fails_naming_the_field_and_leaves_no_intent(
    lock_path: Path,
) -> None:
    emu = InProcess(unknown_fields="reject")
    previous = LockEntry("p00000000000", body("ann"))  # a recreate: the old entry comes back
    lock = Lockfile(salt=SALT).with_entry("Persona/bob", previous)
    result = await apply(
        emu,
        lock_path,
        create("ann", body("ann", colour="blue")),
        create("bob", body("bob", colour="red"), kind=ActionKind.RECREATE),
        lock=lock,
    )
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert "(HTTP 400: " in (result.outcomes[0].reason or "")
    assert "colour" in (result.outcomes[0].reason or "")
    assert on_disk(lock_path) == {"Persona/bob": previous}


class Counting(httpx.AsyncBaseTransport):
    """Counts POSTs in flight at once, holding each until ``target`` are (or a second passed),
    so that the peak does not depend on how fast the machine is."""

    def __init__(self, inner: httpx.AsyncBaseTransport, target: int) -> None:
        self.inner, self.target, self.active, self.peak = inner, target, 0, 0
        self.reached = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return await self.inner.handle_async_request(request)
        self.active += 1
        self.peak = max(self.peak, self.active)
        if self.peak >= self.target:
            self.reached.set()
        try:
            await asyncio.wait_for(self.reached.wait(), timeout=1)
            return await self.inner.handle_async_request(request)
        finally:
            self.active -= 1


@pytest.mark.parametrize("parallelism", [1, 3])
@sync
async def test_writes_run_concurrently_up_to_the_parallelism(
    lock_path: Path, parallelism: int
) -> None:
    emu = InProcess()
    counting = Counting(emu.transport, parallelism)
    emu.transport = counting
    creates = [create(f"p{i}") for i in range(9)]
    result = await apply(emu, lock_path, *creates, parallelism=parallelism)
    assert result.ok
    assert counting.peak == parallelism


@sync
async def test_nothing_apply_produces_holds_a_secret_or_the_api_key(lock_path: Path) -> None:
    emu = InProcess(secrets="stored")
    secret = "sk-live-0123456789abcdef"
    spec = body("ann", layers={"llm": {"model": "m", "api_key": secret}})
    applied = body("ann", layers={"llm": {"model": "m", "api_key": "sha256:" + "1" * 64}})
    events: list[Event] = []
    [pid] = await emu.seed(body("bob", layers={"llm": {"api_key": "old-secret-value"}}))
    secret_op = Operation(
        "replace", "/layers/llm/api_key", secret, old="old-secret-value", sensitive=True
    )
    await emu.inject("POST", "/v2/personas", status=502, after_write=True)
    result = await apply(
        emu,
        lock_path,
        Action(ActionKind.CREATE, "Persona/ann", "ann", body=spec, applied=applied),
        update("bob", pid, secret_op, Operation("replace", "/persona_name", "X", old="Nope")),
        on_event=events.append,
    )
    produced = repr(result) + repr(events) + lock_path.read_text()
    for value in (secret, "old-secret-value", "test-key"):
        assert value not in produced
    assert {o.status for o in result.outcomes} == {"succeeded", "failed"}


@pytest.mark.parametrize(
    "switches",
    [
        {"fill_defaults": True},
        {"secrets": "masked"},
        {"secrets": "omitted"},
        {"get_shape": "wrapped", "create_response": "full", "missing_status": 404},
        {"patch_response": "empty", "list_system_personas": False},
    ],
    ids=["defaults", "masked", "omitted", "wrapped-full-404", "empty-patch"],
)
@sync
async def test_adoption_and_updates_work_under_every_server_variant(
    lock_path: Path, switches: dict[str, Any]
) -> None:
    emu = InProcess(**switches)
    spec = body("ann", layers={"llm": {"model": "m", "api_key": "sk-1234567890"}, "tts": {}})
    applied = {
        **spec,
        "layers": {"llm": {"model": "m", "api_key": "sha256:" + "2" * 64}, "tts": {}},
    }
    action = Action(ActionKind.CREATE, "Persona/ann", "ann", body=spec, applied=applied)
    await emu.inject("POST", "/v2/personas", drop=True, after_write=True)
    first = await apply(emu, lock_path, action)
    [live] = await emu.personas()
    assert first.ok and first.outcomes[0].persona_id == live["persona_id"]
    assert first.warnings == ()
    op = Operation("replace", "/layers/llm/model", "m2", old="m")
    second = await apply(
        emu, lock_path, update("ann", live["persona_id"], op), lock=lockfile.read(lock_path)
    )
    assert second.ok and second.warnings == ()
    assert (await emu.personas())[0]["layers"]["llm"]["model"] == "m2"


HIDDEN_KEY = "sk-hidden-Wq7Rt2Zmxy"


def _drop_hidden_key(pid: str, old_name: str = "Ann") -> Action:
    """What plan makes when the manifest dropped an api_key the API omits on read."""
    ops = (
        Operation("remove", "/layers/llm/api_key", old=MISSING, sensitive=True),
        Operation("replace", "/persona_name", "Annie", old=old_name),
    )
    applied = body("ann", persona_name="Annie", layers={"llm": {"model": "m"}})
    return update("ann", pid, *ops, applied=applied)


@sync
async def test_a_secret_the_api_hides_is_removed_without_a_test_for_it(lock_path: Path) -> None:
    emu = InProcess(secrets="omitted")
    [pid] = await emu.seed(body("ann", layers={"llm": {"model": "m", "api_key": HIDDEN_KEY}}))
    result = await apply(emu, lock_path, _drop_hidden_key(pid))
    assert result.ok and result.warnings == ()
    assert await emu.bodies("PATCH") == [
        [
            {"op": "test", "path": "/persona_name", "value": "Ann"},
            {"op": "remove", "path": "/layers/llm/api_key"},
            {"op": "replace", "path": "/persona_name", "value": "Annie"},
        ]
    ]
    [stored] = await emu.personas()
    assert stored["layers"]["llm"] == {"model": "m"}


@pytest.mark.parametrize("status", [422, 400])
@sync
async def test_a_hidden_secret_already_deleted_in_the_dashboard_is_a_warning_not_a_failure(
    lock_path: Path, status: int
) -> None:
    emu = InProcess(secrets="omitted", patch_error_status=status)
    [pid] = await emu.seed(body("ann", layers={"llm": {"model": "m", "api_key": HIDDEN_KEY}}))
    await emu.edit(pid, [{"op": "remove", "path": "/layers/llm/api_key"}])
    action = _drop_hidden_key(pid)
    result = await apply(emu, lock_path, action)
    assert result.ok
    (warning,) = result.warnings
    assert f"Persona/ann ({pid}): the Tavus API refused to remove /layers/llm/api_key" in warning
    assert f"(HTTP {status})" in warning and "deleted outside tavusctl" in warning
    second = await emu.bodies("PATCH")
    assert second[-1] == [
        {"op": "test", "path": "/persona_name", "value": "Ann"},
        {"op": "replace", "path": "/persona_name", "value": "Annie"},
    ]
    assert (await emu.personas())[0]["persona_name"] == "Annie"
    assert on_disk(lock_path)["Persona/ann"] == LockEntry(pid, action.applied or {})


@sync
async def test_a_refused_patch_with_a_hidden_secret_remove_still_fails_on_a_real_conflict(
    lock_path: Path,
) -> None:
    emu = InProcess(secrets="omitted")
    [pid] = await emu.seed(body("ann", layers={"llm": {"model": "m", "api_key": HIDDEN_KEY}}))
    await emu.edit(pid, [{"op": "remove", "path": "/layers/llm/api_key"}])
    result = await apply(emu, lock_path, _drop_hidden_key(pid, old_name="Someone else"))
    [outcome] = result.outcomes
    assert outcome.status == "failed" and result.warnings == ()
    assert "was changed by someone else since the plan" in (outcome.reason or "")
    assert (await emu.personas())[0]["persona_name"] == "Ann"


@sync
async def test_a_state_write_that_fails_stops_the_run_before_anything_more_is_sent(
    tmp_path: Path,
) -> None:
    """The lockfile path is a folder, so every write fails: the first create cannot record its
    intent, so it never POSTs, the rest is skipped, and the result says why (was: the OSError
    escaped from apply as a traceback while the other actions went on)."""
    emu = InProcess()
    folder = tmp_path / "tavus.lock"
    folder.mkdir()
    result = await apply(emu, folder, create("ann"), create("bob"), parallelism=1)
    assert result.state_error is not None
    assert result.state_error.startswith(f"Cannot write the lockfile {folder}")
    assert [o.status for o in result.outcomes] == ["failed", "skipped"]
    assert not result.ok
    assert await emu.personas() == []
