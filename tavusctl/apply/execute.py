"""Executing a Plan: the writes, recorded in the lockfile the moment each one succeeds.

The executor holds no diff logic; it does what each :class:`~tavusctl.plan.model.Action` says:

- create/recreate: record the intent in the lockfile, POST, record the id. A POST whose outcome
  is unknown is never retried blindly: the account is listed and an object with the content sent,
  created since the intent, is adopted; only if there is none is the POST sent once more. An
  intent left by a run that died is reconciled the same way before anything is created.
- update: PATCH with ``test`` operations asserting the live values the plan saw first, so that a
  change made since the plan fails the PATCH instead of being overwritten. A secret the API hides
  on read is removed on the lockfile's word; if the API refuses that removal, the secret was most
  likely deleted outside tavusctl already: the PATCH is sent again without it, with a warning.
- delete: DELETE (already gone is fine), then drop the lock entry.

Writes run concurrently (``parallelism``); state writes are serialized by a
:class:`~tavusctl.state.recorder.Recorder`. The caller holds the store (``store.hold()``) for the
whole run. If the state can no longer be written (a lost database connection), nothing more is
sent: the actions not yet started are skipped and the run ends with that error.
After the writes, what was written is read back and fields the server changed or dropped are
reported as warnings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tavusctl.api.client import TavusClient
from tavusctl.apply import order
from tavusctl.apply.creating import Creator
from tavusctl.apply.outcome import ApplyResult, Event, Outcome
from tavusctl.apply.readback import read_back
from tavusctl.core import pointer
from tavusctl.core.errors import ApiError, InvalidRequest, NotFound, PreconditionFailed, StateLost
from tavusctl.core.payloads import JsonObject, PatchOp
from tavusctl.core.values import MISSING
from tavusctl.plan.model import Action, ActionKind, Plan, blocked_reason
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.recorder import Recorder
from tavusctl.state.store import StateStore

__all__ = ["ApplyResult", "Event", "Outcome", "execute"]


# The shortest time between two lockfile writes (see recorder.py); each success waits for its
# write outside the parallelism gate, so the wait costs no request slot.
COALESCE = 0.1

NOT_RECORDED = "its result could not be recorded in the state (see the error below)."


@dataclass(frozen=True)
class Staged:
    """An update that succeeded, recorded in memory; reported once its lockfile write is done."""

    outcome: Outcome
    change: int
    event: Event


@dataclass(frozen=True)
class Options:
    """How to execute (see :func:`execute`)."""

    parallelism: int = 8
    preconditions: bool = True
    fail_fast: bool = False


async def execute(
    plan: Plan,
    client: TavusClient,
    store: StateStore,
    lock: Lockfile,
    *,
    parallelism: int = 8,
    preconditions: bool = True,
    fail_fast: bool = False,
    now: Callable[[], str] | None = None,
    on_event: Callable[[Event], None] | None = None,
    settle: float = 0.5,
    known: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
) -> ApplyResult:
    """Carry out every changing action of ``plan`` and return what happened, per action.

    ``lock`` is the state as read under ``store.hold()``, which the caller holds. If the state
    could not be written, the result's ``state_error`` says why. ``settle`` is how long to wait
    after a create with an unknown outcome before listing the account (the lost request may
    still be in flight). ``known`` is the account as the plan saw it, by id: what a create may
    never adopt is told from it (without it, the account is listed before the first create).
    """
    start = client.requests_made
    emit = on_event or (lambda _event: None)
    recorder = Recorder(store, record_matches(plan, store, lock, emit), coalesce=COALESCE)
    creator = Creator(client, recorder, emit, now=now, settle=settle, known=known)
    runner = _Runner(
        client, recorder, creator, emit, Options(parallelism, preconditions, fail_fast)
    )
    changing = [a for a in plan.actions if a.kind.changes]
    outcomes = await runner.run_waves(order.waves(changing, recorder.lock))
    await recorder.finish()
    place = {a.key: i for i, a in enumerate(changing)}  # not list.index per outcome: O(N²)
    outcomes.sort(key=lambda o: place[o.key])
    # Read back what was sent: the references as the ids filled in, not as written.
    ids = {k: e.id for k, e in recorder.lock.entries.items() if e.id is not None}
    sent = [order.fill(a, ids) for a in plan.actions]
    warnings = runner.warnings + await read_back(client, sent, outcomes, emit)
    lost = recorder.failure.message if recorder.failure else None
    return ApplyResult(
        tuple(outcomes),
        recorder.lock,
        tuple(warnings),
        client.requests_made - start,
        lost,
        recorder.writes,
        recorder.longest_wait,
    )


class _Runner:
    """Runs actions concurrently; one failure stops the rest only with ``fail_fast``."""

    def __init__(
        self,
        client: TavusClient,
        recorder: Recorder,
        creator: Creator,
        emit: Callable[[Event], None],
        options: Options,
    ) -> None:
        self.client, self.recorder, self.creator, self.emit = client, recorder, creator, emit
        self.options = options
        self.gate = asyncio.Semaphore(max(options.parallelism, 1))
        self.stopped = False
        self.warnings: list[str] = []

    async def run_all(self, actions: list[Action]) -> list[Outcome]:
        return list(await asyncio.gather(*(self._guarded(a) for a in actions)))

    async def run_waves(self, waves: list[list[Action]]) -> list[Outcome]:
        """Each wave after the one before (see order.py), concurrently within a wave."""
        outcomes: list[Outcome] = []
        for wave in waves:
            outcomes += await self.run_all(wave)
        return outcomes

    async def _guarded(self, action: Action) -> Outcome:
        result = await self._gated(action)
        if isinstance(result, Staged):
            try:
                await self.recorder.durable(result.change, patient=True)
            except StateLost:  # the PATCH landed; the next run records it
                done = result.outcome
                return Outcome(done.key, done.kind, "failed", done.persona_id, NOT_RECORDED)
            self.emit(result.event)
            return result.outcome
        return result

    async def _gated(self, action: Action) -> Outcome | Staged:
        async with self.gate:
            if self.stopped or self.recorder.failure is not None:
                self.emit(Event(action.key, "skipped", "not attempted after an earlier failure"))
                return Outcome(action.key, action.kind, "skipped", action.persona_id)
            self.emit(Event(action.key, "started", action.kind.value))
            try:
                outcome = await self._run(action)
            except StateLost:
                outcome = _failed(action, NOT_RECORDED)
            except ApiError as exc:
                outcome = _failed(action, exc.message)
            if isinstance(outcome, Staged):
                return outcome
            if outcome.status == "failed":
                self.stopped = self.options.fail_fast
                self.emit(Event(action.key, "failed", outcome.reason or ""))
            return outcome

    async def _run(self, action: Action) -> Outcome | Staged:
        if action.blocked:
            return _failed(action, blocked_reason(action))
        needed = order.waiting_for(action) if action.kind is not ActionKind.DELETE else set()
        if needed:  # only the ids it refers to: all of them per action was O(N²) at 10,000
            entries = self.recorder.lock.entries
            ids = {k: e.id for k in needed if (e := entries.get(k)) is not None and e.id}
            missing = sorted(needed - set(ids))
            if missing:
                return _failed(action, _not_created(action, missing[0]))
            action = order.fill(action, ids)
        if action.kind in (ActionKind.CREATE, ActionKind.RECREATE):
            return await self.creator.create(action)
        if action.kind is ActionKind.UPDATE:
            return await self._update(action)
        return await self._delete(action)

    async def _update(self, action: Action) -> Outcome | Staged:
        persona_id = _require_id(action)
        ops = action.operations
        try:
            if not action.resource_kind.update.is_patch and ops:
                await self.client.update(action.resource_kind, persona_id, json_body(action))
            elif ops:
                await self._patch(action, persona_id)
        except PreconditionFailed as exc:
            return _failed(action, f"{exc.message} {action.key} was left as it is.")
        except NotFound:
            gone = f"{action.key} ({persona_id}) is gone from the account; run plan again."
            return _failed(action, gone)
        entry = LockEntry(persona_id, action.applied or {}, file=action.file)
        change = self.recorder.stage(action.key, entry)
        event = Event(action.key, "updated", f"{len(ops)} operation(s) on {persona_id}")
        return Staged(Outcome(action.key, action.kind, "succeeded", persona_id), change, event)

    async def _patch(self, action: Action, persona_id: str) -> None:
        """PATCH with JSON Patch operations, after ``test`` operations asserting what the plan
        saw. If the API refuses it and it removes secrets the plan could not see (the API
        hides them), send it again without those: they must be gone already. Warns if so."""
        kind, ops = action.resource_kind, [op.to_patch() for op in action.operations]
        tests = preconditions(action) if self.options.preconditions else []
        try:
            await self.client.update(kind, persona_id, tests + ops)
            return
        except (InvalidRequest, PreconditionFailed) as exc:
            unseen = unseen_secret_removes(action)
            if not unseen:
                raise
            status = exc.status
        rest = [op for op in ops if op["path"] not in unseen]
        if rest:  # tests only guard other operations: none are left without them
            await self.client.update(kind, persona_id, tests + rest)
        text = _gone_already(action, persona_id, unseen, status, self.recorder.store.noun)
        self.warnings.append(text)
        self.emit(Event(action.key, "warning", text))

    async def _delete(self, action: Action) -> Outcome:
        persona_id = action.persona_id or await self.creator.pending_id(action.key)
        if persona_id is not None:
            await self.client.delete(action.resource_kind, persona_id)
        await self.recorder.drop(action.key)
        self.emit(Event(action.key, "deleted", persona_id or "(never created)"))
        return Outcome(action.key, action.kind, "succeeded", persona_id)


def unrecorded(plan: Plan, lock: Lockfile) -> tuple[Action, ...]:
    """No-op actions whose object already matches a spec that the lockfile does not record.

    A write that landed but whose record was lost (a run killed after its PATCH, or every
    answer to it lost) leaves the lockfile behind the account: the next plan is empty, but the
    stale last-applied spec would hide a later removal of the field from the manifest.
    """
    return tuple(
        action
        for action in plan.actions
        if action.kind is ActionKind.NOOP
        and action.applied is not None
        and (entry := lock.entries.get(action.key)) is not None
        and entry.id == action.persona_id
        and (
            dict(entry.applied) != dict(action.applied)
            or (action.file is not None and entry.file != action.file)
        )
    )


def record_matches(
    plan: Plan,
    store: StateStore,
    lock: Lockfile,
    emit: Callable[[Event], None],
    *,
    write: bool = False,
) -> Lockfile:
    """Record the spec (and manifest file) of every :func:`unrecorded` action in one write,
    made also when ``write`` (the lockfile's account changed); the new lock."""
    stale = unrecorded(plan, lock)
    caught_up = [a for a in stale if dict(lock.entries[a.key].applied) != dict(a.applied or {})]
    for action in stale:
        entry = LockEntry(action.persona_id, action.applied or {}, file=action.file)
        lock = lock.with_entry(action.key, entry)
    if stale or write:
        store.write(lock, [action.key for action in stale])
    for action in caught_up:
        caught = f"already as the manifest says; {store.noun} caught up"
        emit(Event(action.key, "recorded", caught))
    return lock


def preconditions(action: Action) -> list[PatchOp]:
    """``test`` operations asserting the live values the plan saw on the paths it changes.

    Skipped: secret paths (the server may mask them) and paths that were absent (RFC 6902 cannot
    test for absence). Each path is tested once.
    """
    tests: dict[str, PatchOp] = {}
    for op in action.operations:
        if op.old is MISSING or op.sensitive or action.is_secret(op.path) or op.path in tests:
            continue
        tests[op.path] = {"op": "test", "path": op.path, "value": op.old}
    return list(tests.values())


def json_body(action: Action) -> JsonObject:
    """The plain JSON body of an update (a kind whose update is one): each top-level field an
    operation names, ``null`` for a removed one (see :func:`tavusctl.plan.planner.whole_fields`)."""
    return {
        pointer.split(op.path)[0]: None if op.value is MISSING else op.value
        for op in action.operations
    }


def unseen_secret_removes(action: Action) -> list[str]:
    """Paths of the secret fields ``action`` removes without having seen them in live.

    The plan removes a secret it set, and the manifest dropped, on the lockfile's word when the
    API hides secrets on read (``old`` is then absent; saved plans never keep ``old`` of a
    secret).
    """
    return [
        op.path
        for op in action.operations
        if op.op == "remove" and op.old is MISSING and action.is_secret(op.path)
    ]


def _gone_already(
    action: Action, persona_id: str, paths: list[str], status: int | None, where: str
) -> str:
    noun = action.resource_kind.noun
    return (
        f"{action.key} ({persona_id}): the Tavus API refused to remove {', '.join(paths)} "
        f"(HTTP {status}), a secret tavusctl had set that the API does not show on read; it was "
        f"most likely deleted outside tavusctl already. The other changes were applied and "
        f"{where} no longer records it; check the {noun} in the Tavus dashboard if in doubt."
    )


def _not_created(action: Action, key: str) -> str:
    return (
        f"{action.key} was not sent: it refers to {key}, which has no id yet (its create "
        "failed or was not part of this apply). Fix that and run apply again."
    )


def _require_id(action: Action) -> str:
    if action.persona_id is None:
        noun = action.resource_kind.noun
        raise ApiError(f"{action.key} has no {noun} id to update; run plan again.")
    return action.persona_id


def _failed(action: Action, reason: str) -> Outcome:
    return Outcome(action.key, action.kind, "failed", action.persona_id, reason)
