"""Creating resources (personas, and any other kind) without ever creating one twice.

Before a POST, the intent (``LockEntry(id=None, applied, intent_at)``) is on disk. If the POST's
outcome is unknown (timeout, dropped connection, 5xx), the account is listed and an object that
holds every non-secret value sent, created since the intent and not recorded for another
resource, is adopted; only when there is none is the POST sent once more. A run that died after
recording an intent is repaired the same way by the next run, before it creates anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_live
from tavusctl.apply.outcome import Event, Outcome
from tavusctl.core.errors import AuthError, InvalidRequest, OutcomeUnknown, RateLimited
from tavusctl.kinds import Kind, of_key
from tavusctl.plan.content import created_since, leaves, matches, now_iso, parse_time
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
    ) -> None:
        self.client, self.recorder, self.emit = client, recorder, emit
        self.now = now or now_iso
        self.settle = settle
        self.claimed: set[str] = set()  # ids created or adopted by this run
        self.names: dict[str, asyncio.Lock] = {}
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
        intent = self.now()
        await self.recorder.put(action.key, LockEntry(None, applied, intent, action.file))
        try:
            persona_id, adopted = await self._post(action, _content(action), intent)
        except REFUSED:
            await self._restore(action.key, entry)  # nothing was created: forget the intent
            raise
        await self.recorder.put(action.key, LockEntry(persona_id, applied, file=action.file))
        note = "adopted after an unknown outcome" if adopted else None
        self.emit(Event(action.key, "adopted" if adopted else "created", persona_id))
        return Outcome(action.key, action.kind, "succeeded", persona_id, note)

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
        return await self._find(of_key(key), entry.applied, entry.intent_at, settle=False)

    async def _resume(self, action: Action, entry: LockEntry) -> Outcome | None:
        """Adopt what an interrupted run created for ``action.key``; None if it created nothing."""
        await self._let_land(action.key, entry.intent_at)
        found = await self._find(action.resource_kind, entry.applied, entry.intent_at, settle=False)
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
        self, action: Action, content: Mapping[str, object], intent: str
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
                        raise _gave_up(action, exc) from None
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
        intent_at: str | None,
        *,
        settle: bool = True,
    ) -> str | None:
        """The oldest unclaimed object of ``kind`` on the account matching ``content`` (every
        non-secret value), created since ``intent_at``."""
        if not any(True for _ in leaves(content, kind.secrets)):
            return None  # nothing to recognise it by
        if settle:
            await asyncio.sleep(self.settle)  # the lost request may still be in flight
        live = (await fetch_live(self.client, kind=kind)).by_kind[kind.name]
        taken = self.claimed | {e.id for e in self.recorder.lock.entries.values() if e.id}
        candidates = sorted(
            (str(doc.get(kind.created_field) or ""), object_id)
            for object_id, doc in live.items()
            if object_id not in taken
            and created_since(doc, intent_at, kind.created_field)
            and matches(content, doc, kind.secrets)
        )
        return self._claim(candidates[0][1]) if candidates else None

    def _claim(self, persona_id: str) -> str:
        self.claimed.add(persona_id)
        return persona_id


def _content(action: Action) -> Mapping[str, object]:
    """What identifies the object sent: the applied spec (its secret hashes are ignored)."""
    return action.applied if action.applied else (action.body or {})


def _gave_up(action: Action, exc: OutcomeUnknown) -> OutcomeUnknown:
    # No key prefix: the apply summary prints "failed: <key>: <reason>" already.
    noun = action.resource_kind.noun
    return OutcomeUnknown(
        f"Two attempts to create the {noun} gave no clear answer "
        f"({exc.message}) and it is not on the account yet. The intent is recorded in the "
        f"lockfile; run apply again and it will look for the {noun} before creating it."
    )
