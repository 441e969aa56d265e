"""The state-store seam: where tavusctl keeps what it applied.

Every command that reads or records state does it through a :class:`StateStore`; nothing else
knows which store is in use. Two stores exist:

- :class:`LockfileStore`: ``tavus.lock`` (the default), rewritten atomically after every change;
- :class:`tavusctl.state.postgres.PostgresStore`: rows in a PostgreSQL database, one
  transaction per change (``state: {backend: postgres}``).

Both hold the same content, a :class:`~tavusctl.state.lockfile.Lockfile` (entries, intents,
hashes, salt and whatever else the lockfile format carries), so that one can be copied into the
other exactly.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from tavusctl.core.errors import LockfileWriteError, StateError, StateLost
from tavusctl.state import lockfile
from tavusctl.state.lockfile import Lockfile


class StateStore(ABC):
    """One project's (or environment's) state."""

    @property
    @abstractmethod
    def name(self) -> str:
        """How messages name it: the lockfile's path, or the database workspace."""

    @property
    @abstractmethod
    def home(self) -> Path:
        """The folder that manifest paths recorded in the state are relative to."""

    @property
    def anchored(self) -> bool:
        """Whether :attr:`home` is the project's for sure (a lockfile that exists, a database)."""
        return True

    @abstractmethod
    def read_with_text(self) -> tuple[Lockfile, str]:
        """The state and its canonical lockfile text (``""`` when nothing is recorded yet).

        The text is what saved plans fingerprint: it changes whenever the state does.
        """

    def read(self) -> Lockfile:
        """The state; an empty one (with a fresh salt) when nothing is recorded yet."""
        return self.read_with_text()[0]

    @abstractmethod
    def hold(self, timeout: float = 0.0) -> contextlib.AbstractContextManager[None]:
        """Hold the store's exclusive lock for the body (every writer does).

        Another holder makes it fail at once naming the holder, or after ``timeout`` seconds
        of waiting for it.
        """

    @abstractmethod
    def write(self, lock: Lockfile, keys: Collection[str] | None = None) -> None:
        """Record ``lock`` durably, under :meth:`hold`.

        ``keys``: the only entries that changed since the last write (added, replaced or
        removed), when the caller knows; ``None`` replaces the whole state. Raises
        :class:`~tavusctl.core.errors.StateLost` when the store can no longer be written.
        """

    @abstractmethod
    def lock_holder(self) -> str | None:
        """Who holds the store's lock now (a sentence fragment), or None when nobody does."""

    @abstractmethod
    def unlock(self) -> str:
        """Release a lock its holder did not release; says what was done."""


@dataclass(frozen=True)
class LockfileStore(StateStore):
    """``tavus.lock``: JSON in git, written atomically (see :mod:`tavusctl.state.lockfile`)."""

    path: Path

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def home(self) -> Path:
        return self.path.absolute().parent.resolve()

    @property
    def anchored(self) -> bool:
        return self.path.exists()

    def read_with_text(self) -> tuple[Lockfile, str]:
        return lockfile.read_with_text(self.path)

    def hold(self, timeout: float = 0.0) -> contextlib.AbstractContextManager[None]:
        return lockfile.exclusive(self.path, timeout=timeout)

    def lock_holder(self) -> str | None:
        return lockfile.holder(self.path)

    def unlock(self) -> str:
        holder = self.lock_holder()
        where = f"; the run holding it is pid {holder}" if holder else ""
        raise StateError(
            f"{self.path} is locked by an operating-system file lock, which is released the "
            f"moment its process ends{where}: there is nothing to unlock. Stop that process if "
            "it hangs."
        )

    def write(self, lock: Lockfile, keys: Collection[str] | None = None) -> None:
        try:
            lockfile.write(self.path, lock)
        except LockfileWriteError as exc:
            raise StateLost(
                f"Cannot write the lockfile {self.path}: {exc.reason}. Nothing more "
                "was sent to Tavus; what was recorded before is in the lockfile. Free the disk "
                "or fix its permissions, then run the command again."
            ) from None


@contextlib.contextmanager
def holding(store: StateStore, timeout: float = 0.0) -> Iterator[Lockfile]:
    """Hold ``store`` and yield the state as read under the lock."""
    with store.hold(timeout):
        yield store.read()
