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
import errno
import os
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tavusctl.core.errors import LockfileWriteError, StateError, StateLost
from tavusctl.state import journal, lockfile
from tavusctl.state.lockfile import Changes, Lockfile


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

    @property
    def noun(self) -> str:
        """How sentences name it: ``the lockfile``, or ``the state in PostgreSQL workspace 'w'
        (host:port/db)``. Messages on paths shared by every store take their wording from here."""
        return f"the state in {self.name}"

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
    def record(self, changes: Changes) -> None:
        """Record ``changes`` durably, under :meth:`hold`: what apply calls for every batch of
        results, at a cost in proportion to the changes, not to the whole state. Raises
        :class:`~tavusctl.core.errors.StateLost` when the store can no longer be written."""

    @abstractmethod
    def settle(self, lock: Lockfile) -> None:
        """After a run's last :meth:`record`, under :meth:`hold`: ``lock`` is the whole state
        recorded (the store may rewrite itself compactly from it)."""

    @abstractmethod
    def lock_holder(self) -> str | None:
        """Who holds the store's lock now (a sentence fragment), or None when nobody does."""

    @abstractmethod
    def unlock(self) -> str:
        """Release a lock its holder did not release; says what was done."""


@dataclass(frozen=True)
class LockfileStore(StateStore):
    """``tavus.lock``: JSON in git, written atomically (see :mod:`tavusctl.state.lockfile`).

    An apply's results go to the journal beside it (:mod:`tavusctl.state.journal`), one line
    per batch, and into ``tavus.lock`` once at the end (:meth:`settle`); a journal left by a run
    that was killed is folded into ``tavus.lock`` as soon as the next run holds the lock.
    """

    path: Path
    _journal: list[journal.Writer] = field(
        default_factory=list, init=False, repr=False, compare=False, hash=False
    )

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def home(self) -> Path:
        return self.path.absolute().parent.resolve()

    @property
    def anchored(self) -> bool:
        return self.path.exists()

    @property
    def noun(self) -> str:
        return "the lockfile"

    def read_with_text(self) -> tuple[Lockfile, str]:
        return lockfile.read_with_text(self.path)

    def hold(self, timeout: float = 0.0) -> contextlib.AbstractContextManager[None]:
        return self._held(timeout)

    @contextlib.contextmanager
    def _held(self, timeout: float) -> Iterator[None]:
        with lockfile.exclusive(self.path, timeout=timeout):
            try:
                self._fold()
                yield
            finally:
                interrupted = bool(self._journal)  # recorded, never settled (Ctrl-C, an error)
                for writer in self._journal:
                    writer.close()
                self._journal.clear()
                if interrupted:  # best effort: tavus.lock whole for whoever commits it next
                    with contextlib.suppress(StateError, OSError):
                        self._fold()

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
        """Rewrite ``tavus.lock`` whole (``keys`` make no difference), then remove the journal,
        which ``lock`` includes (it was read through it)."""
        try:
            lockfile.write(self.path, lock)
            for writer in self._journal:
                writer.close()
            self._journal.clear()
            journal.remove(journal.path_for(self.path))
        except LockfileWriteError as exc:
            raise self._lost(exc.reason) from None
        except OSError as exc:  # removing the journal
            raise self._lost(exc.strerror or str(exc)) from None

    def _lost(self, reason: str) -> StateLost:
        return StateLost(
            f"Cannot write the lockfile {self.path}: {reason}. Nothing more "
            "was sent to Tavus; what was recorded before is in the lockfile. Free the disk "
            "or fix its permissions, then run the command again."
        )

    def record(self, changes: Changes) -> None:
        if not self._journal:
            if self.path.is_dir():  # it could never be written at the end: stop before any POST
                raise self._lost(os.strerror(errno.EISDIR))
            self._fold()
            try:
                base = journal.digest(self.path.read_bytes())
            except FileNotFoundError:
                base = journal.digest(None)
            except OSError as exc:
                raise self._lost(exc.strerror or str(exc)) from None
            self._journal.append(journal.Writer(journal.path_for(self.path), base))
        try:
            self._journal[0].append(changes.to_json())
        except OSError as exc:
            raise StateLost(
                f"Cannot write the journal of the lockfile {self.path}: "
                f"{exc.strerror or exc}. Nothing more was sent to Tavus; what was recorded "
                "before is in the lockfile and its journal. Free the disk or fix its "
                "permissions, then run the command again."
            ) from None

    def settle(self, lock: Lockfile) -> None:
        if self._journal:
            self.write(lock)

    def _fold(self) -> None:
        """Fold a journal left by a run that was killed into ``tavus.lock`` (a stale one is
        removed: ``tavus.lock`` was rewritten after it)."""
        where = journal.path_for(self.path)
        if not where.exists():
            return
        if lockfile.has_journal(self.path):
            self.write(lockfile.read(self.path))
            return
        try:
            journal.remove(where)
        except OSError as exc:
            raise self._lost(exc.strerror or str(exc)) from None


@contextlib.contextmanager
def holding(store: StateStore, timeout: float = 0.0) -> Iterator[Lockfile]:
    """Hold ``store`` and yield the state as read under the lock."""
    with store.hold(timeout):
        yield store.read()
