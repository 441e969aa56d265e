"""Creating resources (personas, and any other kind) without ever creating one twice.

Before a POST, the intent (``LockEntry(id=None, applied, intent_at, exclude)``) is on disk;
``exclude`` names the objects that already looked like this one on the account (as the plan saw
it, or listed once per run before its first intent). If the POST's outcome is unknown (timeout,
dropped connection, 5xx), the account is listed and the one object that looks like what was
sent (:func:`~tavusctl.plan.content.resembles`: the server may trim or re-case what it stores),
is not excluded, and is not recorded for another resource, is adopted; only when there is none
is the POST sent once more, and when there are several none is taken (an object that is not
ours must never be). No clock is compared with another: which objects are new is told by the
account's own list. A run that died after recording an intent is repaired the same way by the
next run, before it creates anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_live
from tavusctl.apply.outcome import Event, Outcome
from tavusctl.core.errors import ApiError, AuthError, InvalidRequest, OutcomeUnknown, RateLimited
from tavusctl.kinds import Kind, of_key
from tavusctl.plan.content import (
    created_since,
    leaves,
    loose_key,
    now_iso,
    parse_time,
    resembles,
)
from tavusctl.plan.model import Action
from tavusctl.state.lockfile import LockEntry
from tavusctl.state.recorder import Recorder

# Answers proving that a POST created nothing.
REFUSED = (AuthError, InvalidRequest)

# A create whose outcome stays unknown this many times is left for the next run to reconcile.
MAX_UNKNOWN = 2


class Creator:
    """Creates (and adopts) the objects of create/recreate actions."""

    def __init__(
        self,
        client: TavusClient,
        recorder: Recorder,
        emit: Callable[[Event], None],
        *,
        now: Callable[[], str] | None = None,
        settle: float = 0.5,
        known: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
    ) -> None:
        self.client, self.recorder, self.emit = client, recorder, emit
        self.now = now or now_iso
        self.settle = settle
        self.claimed: set[str] = set()  # ids created or adopted by this run
        self.names: dict[str, asyncio.Lock] = {}
        # The account before this run created anything: by kind name, then by id.
        self._before: dict[str, Mapping[str, Mapping[str, object]]] = dict(known or {})
        self._by_name: dict[str, dict[str, dict[str, Mapping[str, object]]]] = {}
        self._listing = asyncio.Lock()
        self.waited = False  # the wait for an interrupted run's creates was announced

    async def create(self, action: Action) -> Outcome:
        """Create the object of ``action`` (or adopt the one an earlier attempt created).

        Creates of one name (the kind's ``name_field``) run one at a time: a create looking for
        its lost object could otherwise adopt a twin's whose answer is still on its way, and both
        would record one id.
        """
        kind = action.resource_kind
        name = f"{kind.name}/{_content(action).get(kind.name_field, '')}"
        async with self.names.setdefault(name, asyncio.Lock()):
            return await self._create(action)

    async def _create(self, action: Action) -> Outcome:
        entry = self.recorder.lock.entries.get(action.key)
        if entry is not None and entry.id is None:
            resumed = await self._resume(action, entry)
            if resumed is not None:
                return resumed
        applied = action.applied or {}
        exclude = await self._lookalikes(action.resource_kind, _content(action))
        pending = LockEntry(None, applied, self.now(), action.file, exclude)
        await self.recorder.put(action.key, pending)
        try:
            persona_id, adopted = await self._post(action, _content(action), pending)
        except REFUSED:
            await self._restore(action.key, entry)  # nothing was created: forget the intent
            raise
        await self.recorder.put(action.key, LockEntry(persona_id, applied, file=action.file))
        note = "adopted after an unknown outcome" if adopted else None
        self.emit(Event(action.key, "adopted" if adopted else "created", persona_id))
        return Outcome(action.key, action.kind, "succeeded", persona_id, note)

    async def _lookalikes(self, kind: Kind, content: Mapping[str, object]) -> tuple[str, ...]:
        """Ids of the objects that looked like ``content`` before this run created anything
        (the account as the plan saw it, or listed once before the first intent)."""
        async with self._listing:
            if kind.name not in self._by_name:
                if kind.name not in self._before:
                    live = await fetch_live(self.client, kind=kind)
                    self._before[kind.name] = live.by_kind[kind.name]
                self._by_name[kind.name] = _by_name(self._before[kind.name], kind)
        groups = self._by_name[kind.name]
        name = content.get(kind.name_field)
        # Only objects of a resembling name can resemble: compare within that group.
        docs = groups.get(loose_key(name), {}) if isinstance(name, str) else self._before[kind.name]
        return tuple(sorted(i for i, d in docs.items() if resembles(content, d, kind.secrets)))

    async def _restore(self, key: str, entry: LockEntry | None) -> None:
        if entry is None:
            await self.recorder.drop(key)
        else:
            await self.recorder.put(key, entry)

    async def pending_id(self, key: str) -> str | None:
        """The object an interrupted create of ``key`` left on the account, if any."""
        entry = self.recorder.lock.entries.get(key)
        if entry is None or entry.id is not None:
            return None
        return await self._find(of_key(key), entry.applied, entry, settle=False)

    async def _resume(self, action: Action, entry: LockEntry) -> Outcome | None:
        """Adopt what an interrupted run created for ``action.key``; None if it created nothing."""
        await self._let_land(action.key, entry.intent_at)
        found = await self._find(action.resource_kind, entry.applied, entry, settle=False)
        if found is None:
            return None
        await self.recorder.put(action.key, LockEntry(found, entry.applied, file=entry.file))
        self.emit(Event(action.key, "adopted", f"{found}, created by an interrupted run"))
        if dict(entry.applied) == dict(action.applied or {}):
            return Outcome(action.key, action.kind, "succeeded", found, "adopted")
        reason = (
            f"Adopted {found}, which an interrupted run created for {action.key}, but the "
            "manifest changed since; run apply again to bring it up to date."
        )
        return Outcome(action.key, action.kind, "failed", found, reason)

    async def _let_land(self, key: str, intent_at: str | None) -> None:
        """Wait until a POST the interrupted run may have had in flight has landed or failed.

        A run killed mid-POST leaves the request with the server; looking for its persona at
        once can miss it and create it twice. A POST lasts at most the client timeout, so an
        intent younger than that is given the rest of it.
        """
        started, now = parse_time(intent_at), parse_time(self.now())
        if started is None or now is None:
            return
        age = max((now - started).total_seconds(), 0.0)  # an intent "from the future": skew
        wait = self.client.timeout - age
        if wait > 0:
            if not self.waited:  # one line for every create the interrupted run left
                self.waited = True
                self.emit(
                    Event(
                        key,
                        "creating",
                        f"waiting {wait:.1f} s for the creates an interrupted run started to "
                        "land, before looking for them (once for all of them)",
                    )
                )
            await asyncio.sleep(wait)

    async def _post(
        self, action: Action, content: Mapping[str, object], intent: LockEntry
    ) -> tuple[str, bool]:
        """POST until it succeeds or its outcome is unknown twice. Returns (id, adopted).

        After an unknown outcome, and after a 429 (which a server might send after the write),
        the account is checked for the persona before the POST is sent again.
        """
        body, unknown, refused, kind = dict(action.body or {}), 0, 0, action.resource_kind
        while True:
            try:
                pid = await self.client.create(kind, body, retry_refused=False)
                return self._claim(pid), False
            except OutcomeUnknown as exc:
                unknown += 1
                if unknown == MAX_UNKNOWN:
                    found = await self._find(kind, content, intent)
                    if found is None:
                        raise _gave_up(action, exc, self.recorder.store.noun) from None
                    return found, True
                note, settle = f"{exc.message} Checking the account before creating again.", True
            except RateLimited as exc:
                refused += 1
                if refused == self.client.retry.attempts:
                    raise
                delay = self.client.retry.delay(refused - 1, exc.retry_after)
                await self.client.retry.sleep(delay)
                note, settle = "Rate limited (HTTP 429); checking the account first.", False
            self.emit(Event(action.key, "creating", note))
            found = await self._find(kind, content, intent, settle=settle)
            if found is not None:
                return found, True

    async def _find(
        self,
        kind: Kind,
        content: Mapping[str, object],
        intent: LockEntry,
        *,
        settle: bool = True,
    ) -> str | None:
        """The one unclaimed object of ``kind`` on the account that the create of ``intent`` can
        have made. Several candidates: none is taken (an :class:`Ambiguous` error), since
        taking another's would leave ours a duplicate and theirs shared."""
        if not any(True for _ in leaves(content, kind.secrets)):
            return None  # nothing to recognise it by
        if settle:
            await asyncio.sleep(self.settle)  # the lost request may still be in flight
        live = (await fetch_live(self.client, kind=kind)).by_kind[kind.name]
        taken = self.claimed | {e.id for e in self.recorder.lock.entries.values() if e.id}
        excluded = set(intent.exclude or ())
        candidates = sorted(
            object_id
            for object_id, doc in live.items()
            if object_id not in taken
            and object_id not in excluded
            and _new_enough(doc, intent, kind)
            and resembles(content, doc, kind.secrets)
        )
        if len(candidates) > 1:
            raise Ambiguous(candidates, self.recorder.store.noun)
        return self._claim(candidates[0]) if candidates else None

    def _claim(self, persona_id: str) -> str:
        self.claimed.add(persona_id)
        return persona_id


def _by_name(
    docs: Mapping[str, Mapping[str, object]], kind: Kind
) -> dict[str, dict[str, Mapping[str, object]]]:
    """``docs`` grouped by their name as :func:`resembles` compares it."""
    out: dict[str, dict[str, Mapping[str, object]]] = {}
    for object_id, doc in docs.items():
        name = doc.get(kind.name_field)
        out.setdefault(loose_key(name) if isinstance(name, str) else "", {})[object_id] = doc
    return out


def _new_enough(doc: Mapping[str, object], intent: LockEntry, kind: Kind) -> bool:
    """Intents that name what existed before need no clock; older ones compare created_at with
    the intent's time (5 minutes of skew allowed), and only when that time is known."""
    if intent.exclude is not None:
        return True
    return intent.intent_at is not None and created_since(doc, intent.intent_at, kind.created_field)


class Ambiguous(ApiError):
    """Several objects on the account could be the one a lost create made."""

    def __init__(self, ids: list[str], where: str = "the lockfile") -> None:
        super().__init__(
            f"{len(ids)} objects on the account ({', '.join(ids)}) look like the one an "
            "unanswered create sent, and tavusctl cannot tell which one it made; none was "
            f"adopted and no other was created. The intent stays in {where}: adopt the "
            "right one with `tavusctl import NAME ID` (and delete the other), then apply again."
        )


def _content(action: Action) -> Mapping[str, object]:
    """What identifies the object sent: the applied spec (its secret hashes are ignored)."""
    return action.applied if action.applied else (action.body or {})


def _gave_up(action: Action, exc: OutcomeUnknown, where: str) -> OutcomeUnknown:
    # No key prefix: the apply summary prints "failed: <key>: <reason>" already.
    noun = action.resource_kind.noun
    return OutcomeUnknown(
        f"Two attempts to create the {noun} gave no clear answer "
        f"({exc.message}) and it is not on the account yet. The intent is recorded in "
        f"{where}; run apply again and it will look for the {noun} before creating it."
    )
