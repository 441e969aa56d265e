"""The one writer of the state during apply.

Every change is applied to the in-memory state at once (one dict, changed in place: no copy of
the whole state per change) and then recorded in the store: only the entries changed since the
last write (:meth:`StateStore.record <tavusctl.state.store.StateStore.record>`: a line appended
to the lockfile's journal and fsynced, or one database transaction), so a write costs what
changed, not the whole state. Writes are serialized, and a caller returns only when a write
containing its change is durable. Changes that arrive while a write is in progress are coalesced
into the next write, and for a patient caller a write starts at the earliest ``coalesce`` seconds
after the previous one began. Nothing is reported before it is durable, so a kill at any moment
loses only changes nobody was told about. :meth:`Recorder.finish` hands the whole state to the
store once at the end (the lockfile is rewritten whole then, and its journal removed).

A write that fails (a lost database connection, a full disk) breaks the recorder: that write and
every later one raise the same :class:`~tavusctl.core.errors.StateLost`, so that nothing more is
sent to the API whose result could not be recorded.
"""

from __future__ import annotations

import asyncio
from types import MappingProxyType

from tavusctl.core.errors import StateLost
from tavusctl.state.lockfile import Changes, LockEntry, Lockfile
from tavusctl.state.store import StateStore


class Recorder:
    """Serialized, durable updates of ``store``; ``lock`` is always the latest state."""

    def __init__(self, store: StateStore, lock: Lockfile, *, coalesce: float = 0.0) -> None:
        self.store = store
        self.coalesce = coalesce
        self._last_write = float("-inf")
        self._salt, self._account = lock.salt, lock.account
        self._entries = dict(lock.entries)  # the one copy; changed in place
        self.writes = 0
        self.longest_wait = 0.0  # the longest a change waited in memory for its write, seconds
        self.failure: StateLost | None = None
        self._changes = 0  # changes made in memory
        self._durable = 0  # changes known to be durable
        self._dirty: set[str] = set()  # keys changed since the last write began
        self._oldest: float | None = None  # when the oldest change not yet written was made
        self._mutex = asyncio.Lock()

    @property
    def lock(self) -> Lockfile:
        """The latest state (a read-only view of the entries, not a copy)."""
        return Lockfile(self._salt, MappingProxyType(self._entries), self._account)

    def check(self) -> None:
        """Raise the failure that broke the recorder, if any."""
        if self.failure is not None:
            raise self.failure

    async def put(self, key: str, entry: LockEntry) -> None:
        """Record ``entry`` under ``key`` and wait until it is durable."""
        await self.durable(self.stage(key, entry))

    async def drop(self, key: str) -> None:
        """Remove ``key`` and wait until that is durable."""
        self.check()
        self._entries.pop(key, None)
        await self.durable(self._changed(key))

    def stage(self, key: str, entry: LockEntry) -> int:
        """Record ``entry`` in memory only; pass the number returned to :meth:`durable`."""
        self.check()
        self._entries[key] = entry
        return self._changed(key)

    def _changed(self, key: str) -> int:
        self._dirty.add(key)
        self._changes += 1
        if self._oldest is None:
            self._oldest = asyncio.get_running_loop().time()
        return self._changes

    async def durable(self, change: int, *, patient: bool = False) -> None:
        """Wait until the staged change numbered ``change`` (and all before it) is durable.

        A ``patient`` caller (one that holds no request slot) lets the write wait for more
        changes, up to ``coalesce`` seconds after the previous write began.
        """
        async with self._mutex:
            self.check()
            if self._durable >= change:
                return  # a write that started after this change already saved it
            loop = asyncio.get_running_loop()
            wait = self._last_write + self.coalesce - loop.time() if patient else 0.0
            if wait > 0:  # let more changes join this write
                await asyncio.sleep(wait)
            self._last_write = loop.time()
            changes = Changes(
                self._salt, self._account, {k: self._entries.get(k) for k in self._dirty}
            )
            covered, oldest = self._changes, self._oldest
            self._dirty, self._oldest = set(), None
            try:
                await asyncio.to_thread(self.store.record, changes)
            except StateLost as exc:
                self.failure = exc
                raise
            self.writes += 1
            self._durable = covered
            if oldest is not None:
                self.longest_wait = max(self.longest_wait, loop.time() - oldest)

    async def finish(self) -> None:
        """Hand the whole state to the store once every change is durable (the lockfile is
        rewritten whole from it, its journal removed); nothing after a failure."""
        async with self._mutex:
            if self.failure is not None or self._durable < self._changes:
                return
            try:
                whole = Lockfile(self._salt, dict(self._entries), self._account)
                await asyncio.to_thread(self.store.settle, whole)
            except StateLost as exc:
                self.failure = exc
