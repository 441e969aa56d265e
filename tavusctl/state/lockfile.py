"""``tavus.lock``: the memory of what tavusctl applied.

JSON, pretty-printed with sorted keys. For each resource (``Persona/<name>``): the Tavus id and
the spec as last applied, secret values replaced by salted hashes. Written atomically
(temporary file, fsync, rename); guarded by an exclusive file lock while an apply runs.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets as _random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypedDict

from tavusctl.core.errors import LockfileError
from tavusctl.core.files import write_atomic

VERSION = 1


class _EntryJson(TypedDict):
    id: str | None
    applied: Mapping[str, object]


class EntryJson(_EntryJson, total=False):
    """One resource in the file (``intent_at`` only while a create is pending)."""

    intent_at: str


class LockfileJson(TypedDict):
    """The whole file."""

    version: int
    salt: str
    resources: dict[str, EntryJson]


@dataclass(frozen=True)
class LockEntry:
    """What tavusctl knows of one resource it manages.

    ``id`` is ``None`` while only the intent to create is recorded (written just before the
    POST, so that a run killed between the POST and the record can adopt what it created).
    ``intent_at`` is the ISO 8601 time of that intent.
    """

    id: str | None
    applied: Mapping[str, object]
    intent_at: str | None = None

    def to_json(self) -> EntryJson:
        out: EntryJson = {"id": self.id, "applied": self.applied}
        if self.intent_at is not None:
            out["intent_at"] = self.intent_at
        return out


@dataclass(frozen=True)
class Lockfile:
    """The whole lockfile: a version, a salt for secret hashes, and the entries by key."""

    salt: str = field(default_factory=lambda: _random.token_hex(16))
    entries: Mapping[str, LockEntry] = field(default_factory=dict)

    def with_entry(self, key: str, entry: LockEntry) -> Lockfile:
        return replace(self, entries={**self.entries, key: entry})

    def without(self, key: str) -> Lockfile:
        return replace(self, entries={k: v for k, v in self.entries.items() if k != key})

    def to_json(self) -> LockfileJson:
        return {
            "version": VERSION,
            "salt": self.salt,
            "resources": {k: e.to_json() for k, e in self.entries.items()},
        }


def _json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


class _EntryTexts:
    """The JSON text of each entry, kept while the same LockEntry object stays under its key.

    With ``indent``, the json module encodes in pure Python (~80 ms for 1,000 personas), and
    apply rewrites the whole lockfile after every change: encoding the lockfile anew each time
    was half of apply's CPU time (``make bench``). Entries are immutable and a changed lockfile
    reuses the unchanged ones, so only new entries are encoded.
    """

    def __init__(self) -> None:
        self._lines: dict[str, tuple[LockEntry, str]] = {}

    def lines(self, entries: Mapping[str, LockEntry]) -> list[str]:
        """One ``"key": {...}`` text per entry, in key order, indented for its place (level 2)."""
        lines = {key: self._line(key, entry) for key, entry in entries.items()}
        self._lines = lines  # forget entries no longer present
        return [lines[key][1] for key in sorted(lines)]

    def _line(self, key: str, entry: LockEntry) -> tuple[LockEntry, str]:
        known = self._lines.get(key)
        if known is not None and known[0] is entry:
            return known
        # Newlines in the text are structural (string newlines are escaped as \n).
        text = _json(entry.to_json()).replace("\n", "\n    ")
        return entry, f"    {_json(key)}: {text}"


_entry_texts = _EntryTexts()


def dumps(lock: Lockfile) -> str:
    """The canonical text of a lockfile: ``json.dumps(lock.to_json(), indent=2, sort_keys=True)``.

    Built from per-entry texts (see :class:`_EntryTexts`); the result is byte for byte the same.
    """
    lines = _entry_texts.lines(lock.entries)
    tail = f'"salt": {_json(lock.salt)},\n  "version": {VERSION}\n}}\n'
    if not lines:
        return '{\n  "resources": {},\n  ' + tail
    # One join of all the pieces: each copy of a multi-megabyte string costs page faults.
    parts = ['{\n  "resources": {\n']
    for line in lines:
        parts += (line, ",\n")
    parts[-1] = "\n  },\n  "
    return "".join([*parts, tail])


def read(path: Path) -> Lockfile:
    """Read ``path``; a missing file is an empty lockfile. Anything unreadable is an error."""
    return read_with_text(path)[0]


def read_with_text(path: Path) -> tuple[Lockfile, str]:
    """Like :func:`read`, with the exact text parsed (``""`` when there is no file yet), read
    once so that the two always agree."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lockfile(), ""
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(f"Cannot read lockfile {path}: {exc}.") from None
    return parse(text, str(path)), text


def parse(text: str, name: str) -> Lockfile:
    """Parse lockfile text; ``name`` is used in error messages."""
    fix = "It was left untouched; restore it from git or move it aside to start afresh."
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(
            f"Lockfile {name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}). {fix}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise LockfileError(f"Lockfile {name} has no version number. {fix}")
    if data["version"] != VERSION:
        raise LockfileError(
            f"Lockfile {name} is version {data['version']}, but this tavusctl understands "
            f"version {VERSION} only. Upgrade tavusctl. {fix}"
        )
    try:
        entries = {
            str(key): LockEntry(
                id=_text(item["id"], "id"),
                applied=dict(item["applied"]),
                intent_at=_text(item.get("intent_at"), "intent_at"),
            )
            for key, item in data["resources"].items()
        }
        return Lockfile(salt=str(data["salt"]), entries=entries)
    except (KeyError, TypeError, AttributeError) as exc:
        raise LockfileError(f"Lockfile {name} is malformed (missing or bad {exc}). {fix}") from None


def _text(value: object, field: str) -> str | None:
    """``value`` if it is a string or null; anything else (a hand edit) is a malformed file."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{field!r}, which must be a string")


def write(path: Path, lock: Lockfile) -> None:
    """Write the lockfile atomically (see :func:`tavusctl.core.files.write_atomic`)."""
    write_atomic(path, dumps(lock))


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` for the body; fail fast if another run holds it."""
    guard = path.with_name(path.name + ".lock")
    try:
        fd = os.open(guard, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LockfileError(
            f"Cannot lock {path}: {exc.strerror} ({guard}). Check that its folder exists and is "
            "writable, or choose another place with --lockfile."
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise LockfileError(
                f"Lockfile {path} is in use by another tavusctl run (pid {holder}). "
                "Wait for it to finish; if no such process exists, try again."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
