"""``--state-file``: keep the accounts across restarts.

Loaded at start; written after changes, coalesced (one write at a time, always of the newest
state), atomically with :func:`tavusctl.core.files.write_atomic`: a SIGKILL at any moment leaves
either the previous complete file or the new complete file.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tavusctl.core.errors import TavusctlError
from tavusctl.core.files import write_atomic
from tavusctl.emulator import objects
from tavusctl.emulator.store import Account, Store

FORMAT_VERSION = 1


class StateFileError(TavusctlError):
    """A state file that cannot be read."""


def snapshot(store: Store) -> str:
    """The store's data as JSON text (taken on the event loop, so it is consistent)."""
    accounts = {
        aid: {
            "personas": list(a.personas.values()),
            "conversations": list(a.conversations.values()),
            "started": a.started,
            "objects": {name: list(docs.values()) for name, docs in a.objects.items()},
        }
        for aid, a in store.accounts.items()
    }
    clock = store.clock.last.isoformat()
    return json.dumps({"version": FORMAT_VERSION, "clock": clock, "accounts": accounts})


def restore(store: Store, data: dict[str, Any]) -> None:
    """Fill an empty store from a parsed state file."""
    for aid, acct in data["accounts"].items():
        store.accounts[aid] = Account(
            {p["persona_id"]: p for p in acct["personas"]},
            {c["conversation_id"]: c for c in acct["conversations"]},
            int(acct.get("started", len(acct["conversations"]))),
            _objects(acct.get("objects", {})),
        )
    if data.get("clock"):  # files of older emulators hold "...Z"
        store.clock.last = datetime.fromisoformat(str(data["clock"]).replace("Z", "+00:00"))


def _objects(saved: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, object]]]:
    """Each collection's objects by id (objects.py: every collection's id field)."""
    by_name = {col.name: col.id_field for col in objects.COLLECTIONS}
    return {name: {d[by_name[name]]: d for d in docs} for name, docs in saved.items()}


class StateFile:
    """Loads the store from a file and writes it back after every change."""

    def __init__(self, path: str, store: Store) -> None:
        self.path = Path(path)
        self.store = store
        self.saved = store.version
        self._task: asyncio.Task[None] | None = None

    def load(self) -> None:
        """Read the file into the store, if it exists; a corrupt file is a clear error."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            stale.unlink(missing_ok=True)  # left by a write that was killed
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_bytes())
            restore(self.store, data)
        except (ValueError, KeyError, TypeError) as exc:
            raise StateFileError(
                f"The emulator state file {self.path} cannot be read ({exc}). "
                "Move it away to start with an empty state."
            ) from None
        self.saved = self.store.version

    def notify(self) -> None:
        """Schedule a write if the store changed since the last one."""
        if self.store.version != self.saved and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._write_until_saved())

    async def flush(self) -> None:
        """Wait until the newest state is on disk."""
        self.notify()
        if self._task is not None:
            await self._task

    async def _write_until_saved(self) -> None:
        while self.saved != self.store.version:
            version, data = self.store.version, snapshot(self.store)
            await asyncio.to_thread(write_atomic, self.path, data)
            self.saved = version
