"""``tavus.lock.journal``: what an apply recorded since ``tavus.lock`` was last written whole.

During an apply every batch of results is appended to the journal as one JSON line and fsynced
before any of them is reported; ``tavus.lock`` itself is rewritten once, at the end (the journal
is then removed). Rewriting the whole lockfile for every batch cost O(state) per batch, and an
apply of N changes makes O(N) batches: O(N²) in all.

A run killed mid-apply leaves the journal beside the lockfile. Every reader of the lockfile
replays it (:func:`tavusctl.state.lockfile.read_with_text`), and the next run that takes the lock
folds it into ``tavus.lock`` and removes it. The journal names the lockfile it continues (a
SHA-256 of its bytes when the journal began): once ``tavus.lock`` is rewritten (folded, or
replaced on purpose, say restored from git) the journal is stale and ignored, so a crash between
writing the folded lockfile and removing the journal neither loses nor repeats anything, and a
journal committed by CI after a killed run and forgotten there is never replayed twice.

Format: a header line ``{"tavusctl_journal": 1, "base": "<sha256 hex, or empty: no lockfile>"}``,
then one line per batch: ``{"salt": ..., "account": {...} or null, "set": {key: entry}, "drop":
[key, ...]}`` (entries exactly as in the lockfile). Only complete lines count: a line torn by a
crash was never reported, and is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = 1
_HEADER = "tavusctl_journal"


class JournalError(ValueError):
    """A journal this tavusctl cannot read; ``str()`` is a sentence fragment."""


def path_for(lockfile: Path) -> Path:
    """The journal of ``lockfile``: beside its real file (a lockfile shared by a link has one)."""
    real = Path(os.path.realpath(lockfile))
    return real.with_name(real.name + ".journal")


def digest(data: bytes | None) -> str:
    """What a journal's ``base`` holds for a lockfile of these bytes (None: no lockfile)."""
    return "" if data is None else hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Journal:
    """A journal as read: the digest of the lockfile it continues, and its records."""

    base: str
    records: list[dict[str, Any]]

    def continues(self, lockfile_bytes: bytes | None) -> bool:
        """Whether it was written on top of exactly this lockfile (not yet folded into it)."""
        return bool(self.records) and self.base == digest(lockfile_bytes)


def _line(value: Mapping[str, Any]) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


class Writer:
    """Appends lines to one journal; each :meth:`append` is on disk (fdatasync) when it returns.

    After a failed append the writer refuses every later one: a torn line may end the file, and
    nothing may follow it.
    """

    def __init__(self, path: Path, base: str) -> None:
        """A new journal at ``path`` (any old one is replaced: fold it first) continuing the
        lockfile whose :func:`digest` is ``base``."""
        self.path, self.base = path, base
        self._fd: int | None = None
        self._broken = False

    def append(self, record: Mapping[str, Any]) -> None:
        if self._broken:
            raise OSError(5, "an earlier write to the journal failed", str(self.path))
        data = _line(record)
        try:
            created = self._fd is None
            if self._fd is None:
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
                self._fd = os.open(self.path, flags, 0o600)
                data = _line({_HEADER: VERSION, "base": self.base}) + data
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fdatasync(self._fd)
            if created:
                _sync_folder(self.path.parent)
        except OSError:
            self._broken = True
            raise

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def read(path: Path) -> Journal | None:
    """The journal at ``path`` (complete lines only), or None if there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    lines = data.split(b"\n")[:-1]  # the last piece is empty or a torn line
    base, records = "", []
    for number, raw in enumerate(lines):
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            record = None
        if not isinstance(record, dict):
            if number == len(lines) - 1:
                break  # torn by a crash while written: never reported
            raise JournalError(f"line {number + 1} is not a JSON object")
        if number == 0:
            version = record.get(_HEADER)
            if version != VERSION:
                raise JournalError(
                    f"it is of version {version!r}; this tavusctl understands version "
                    f"{VERSION} only (upgrade tavusctl)"
                )
            base = str(record.get("base", ""))
            continue
        records.append(record)
    return Journal(base, records)


def remove(path: Path) -> None:
    """Remove the journal (if any), durably."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
