"""The one writer of the lockfile during apply.

Every change is applied to the in-memory Lockfile at once and then written atomically; writes
are serialized, and a caller returns only when a write containing its change is on disk. Changes
that arrive while a write is in progress are coalesced into the next write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tavusctl import lockfile
from tavusctl.lockfile import LockEntry, Lockfile


class Recorder:
    """Serialized, durable updates of ``path``; ``lock`` is always the latest state."""

    def __init__(self, path: Path, lock: Lockfile) -> None:
        self.path = path
        self.lock = lock
        self.writes = 0
        self._changes = 0  # changes made in memory
        self._durable = 0  # changes known to be on disk
        self._mutex = asyncio.Lock()

    async def put(self, key: str, entry: LockEntry) -> None:
        """Record ``entry`` under ``key`` and wait until it is on disk."""
        await self._change(lambda lock: lock.with_entry(key, entry))

    async def drop(self, key: str) -> None:
        """Remove ``key`` and wait until that is on disk."""
        await self._change(lambda lock: lock.without(key))

    async def _change(self, change: Callable[[Lockfile], Lockfile]) -> None:
        self.lock = change(self.lock)
        self._changes += 1
        mine = self._changes
        async with self._mutex:
            if self._durable >= mine:
                return  # a write that started after this change already saved it
            snapshot, covered = self.lock, self._changes
            await asyncio.to_thread(lockfile.write, self.path, snapshot)
            self.writes += 1
            self._durable = covered
