"""``tavus.lock``: the memory of what tavusctl applied.

JSON, pretty-printed with sorted keys. For each resource (``Persona/<name>``): the Tavus id, the
spec as last applied (secret values replaced by salted hashes) and the manifest file it was
applied from (relative to the lockfile's folder); for the whole file, the account it belongs to
(API URL and a salted fingerprint of the key, never the key). Written atomically (temporary
file, fsync, rename); guarded by an exclusive lock while a run changes it (:func:`exclusive`),
held on a file outside the working tree.

Version 1 throughout: ``account`` and ``file`` are optional, so older lockfiles load unchanged
and an older tavusctl reads a newer lockfile (it ignores both).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets as _random
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from tavusctl.core import jsontext
from tavusctl.core.errors import LockfileError, LockfileWriteError
from tavusctl.core.files import write_atomic
from tavusctl.state import journal

VERSION = 1


class _EntryJson(TypedDict):
    id: str | None
    applied: Mapping[str, object]


class EntryJson(_EntryJson, total=False):
    """One resource in the file (``intent_at`` and ``exclude`` only while a create is pending;
    ``file`` once applied by a tavusctl that records it)."""

    intent_at: str
    exclude: list[str]
    file: str


class _AccountJson(TypedDict):
    api_url: str
    key_fingerprint: str


class AccountJson(_AccountJson, total=False):
    environment: str  # the environment of tavusctl.yaml this state belongs to


class _LockfileJson(TypedDict):
    version: int
    salt: str
    resources: dict[str, EntryJson]


class LockfileJson(_LockfileJson, total=False):
    """The whole file (``account`` once written by a tavusctl that records it)."""

    account: AccountJson


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
    file: str | None = None  # the manifest it was last applied from, relative to the lockfile
    exclude: tuple[str, ...] | None = None  # lookalikes that existed before a pending create

    def to_json(self) -> EntryJson:
        out: EntryJson = {"id": self.id, "applied": self.applied}
        if self.intent_at is not None:
            out["intent_at"] = self.intent_at
        if self.exclude is not None:
            out["exclude"] = list(self.exclude)
        if self.file is not None:
            out["file"] = self.file
        return out


@dataclass(frozen=True)
class Account:
    """The account a lockfile belongs to: the API URL, a salted fingerprint of the key, and the
    environment of tavusctl.yaml it was applied as (a state belongs to one environment)."""

    api_url: str
    key_fingerprint: str
    environment: str | None = None

    def to_json(self) -> AccountJson:
        out: AccountJson = {"api_url": self.api_url, "key_fingerprint": self.key_fingerprint}
        if self.environment is not None:
            out["environment"] = self.environment
        return out


@dataclass(frozen=True)
class Lockfile:
    """The whole lockfile: a version, a salt for secret hashes, and the entries by key."""

    salt: str = field(default_factory=lambda: _random.token_hex(16))
    entries: Mapping[str, LockEntry] = field(default_factory=dict)
    account: Account | None = None

    def with_entry(self, key: str, entry: LockEntry) -> Lockfile:
        return replace(self, entries={**self.entries, key: entry})

    def without(self, key: str) -> Lockfile:
        return replace(self, entries={k: v for k, v in self.entries.items() if k != key})

    def to_json(self) -> LockfileJson:
        out: LockfileJson = {
            "version": VERSION,
            "salt": self.salt,
            "resources": {k: e.to_json() for k, e in self.entries.items()},
        }
        if self.account is not None:
            out["account"] = self.account.to_json()
        return out


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
    head = "{\n"
    if lock.account is not None:
        account = _json(lock.account.to_json()).replace("\n", "\n  ")
        head += f'  "account": {account},\n'
    if not lines:
        return head + '  "resources": {},\n  ' + tail
    # One join of all the pieces: each copy of a multi-megabyte string costs page faults.
    parts = [head + '  "resources": {\n']
    for line in lines:
        parts += (line, ",\n")
    parts[-1] = "\n  },\n  "
    return "".join([*parts, tail])


def read(path: Path) -> Lockfile:
    """Read ``path``; a missing file is an empty lockfile. Anything unreadable is an error."""
    return read_with_text(path)[0]


def read_with_text(path: Path) -> tuple[Lockfile, str]:
    """Like :func:`read`, with the exact text parsed (``""`` when there is no file yet), read
    once so that the two always agree.

    What the journal of an interrupted apply recorded on top of this very file
    (:mod:`tavusctl.state.journal`) is replayed; the text is then the canonical text of the
    result.
    """
    try:
        data: bytes | None = path.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise LockfileError(f"Cannot read lockfile {path}: {exc}.") from None
    try:
        text = "" if data is None else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockfileError(f"Cannot read lockfile {path}: {exc}.") from None
    lock = parse(text, str(path)) if text else Lockfile()
    found = _journal(path)
    if found is None or not found.continues(data):
        return lock, text
    lock = replay(lock, found.records, str(journal.path_for(path)))
    return lock, dumps(lock)


def has_journal(path: Path) -> bool:
    """Whether a journal continuing ``path`` as it is now waits to be folded into it."""
    found = _journal(path)
    if found is None:
        return False
    try:
        return found.continues(path.read_bytes())
    except FileNotFoundError:
        return found.continues(None)
    except OSError as exc:
        raise LockfileError(f"Cannot read lockfile {path}: {exc}.") from None


def _journal(path: Path) -> journal.Journal | None:
    where = journal.path_for(path)
    try:
        return journal.read(where)
    except OSError as exc:
        raise LockfileError(f"Cannot read the journal {where}: {exc.strerror or exc}.") from None
    except journal.JournalError as exc:
        raise LockfileError(
            f"Cannot read the journal {where} (what an interrupted apply recorded after {path} "
            f"was last written): {exc}. Both files were left untouched."
        ) from None


@dataclass(frozen=True)
class Changes:
    """What changed in a state since it was last recorded: the entries set (``None``: removed),
    and the salt and account as they are now."""

    salt: str
    account: Account | None
    entries: Mapping[str, LockEntry | None]

    def to_json(self) -> dict[str, object]:
        return {
            "salt": self.salt,
            "account": None if self.account is None else self.account.to_json(),
            "set": {k: e.to_json() for k, e in self.entries.items() if e is not None},
            "drop": sorted(k for k, e in self.entries.items() if e is None),
        }


def replay(lock: Lockfile, records: list[dict[str, object]], name: str) -> Lockfile:
    """``lock`` with the journal ``records`` (:meth:`Changes.to_json`) applied in order."""
    entries = dict(lock.entries)
    salt, account = lock.salt, lock.account
    try:
        for record in records:
            salt_now = record["salt"]
            if not isinstance(salt_now, str) or not salt_now:
                raise TypeError("'salt', which must be a non-empty string")
            salt = salt_now
            bound = record.get("account")
            account = None if bound is None else _account(bound)
            sets, drops = record["set"], record["drop"]
            if not isinstance(sets, dict) or not isinstance(drops, list):
                raise TypeError("'set' or 'drop'")
            for key, item in sets.items():
                entries[_key(key)] = _entry(key, item)
            for key in drops:
                entries.pop(key, None)
    except (KeyError, TypeError, AttributeError) as exc:
        raise LockfileError(
            f"The journal {name} is malformed (missing or bad {exc}). It was left untouched."
        ) from None
    return Lockfile(salt=salt, entries=entries, account=account)


# Never "move it aside": a lockfile started afresh creates every persona a second time.
RECOVER = (
    "It was left untouched. Restore it from git (`git checkout -- {name}`, or from the branch "
    "or CI run that last applied); if it is lost, adopt the personas again with "
    "`tavusctl import --by-name`."
)

_MARKERS = re.compile(r"^(<{7}|={7}|>{7}|\|{7})( |$)", re.MULTILINE)


def parse(text: str, name: str) -> Lockfile:
    """Parse lockfile text; ``name`` is used in error messages."""
    fix = RECOVER.format(name=name)
    marker = _MARKERS.search(text)
    if marker is not None:
        line = text.count("\n", 0, marker.start()) + 1
        raise LockfileError(
            f"Lockfile {name} holds git merge conflict markers (<<<<<<<, =======, >>>>>>>; the "
            f"first at line {line}): two branches both changed it. Do not edit ids by hand: "
            f"abort the merge (`git merge --abort`), set up tavusctl's merge driver (README, "
            f"'Keeping state safe': `git config merge.tavusctl.driver 'tavusctl state "
            f"merge-driver %O %A %B'` and `{name} merge=tavusctl` in .gitattributes) and merge "
            "again; it merges the entries and names any persona both branches created."
        )
    return from_json(_json_document(text, name, fix), name, fix)


def from_json(data: object, name: str, fix: str = "") -> Lockfile:
    """The lockfile whose :meth:`Lockfile.to_json` is ``data``; ``name`` is used in errors."""
    fix = fix or (
        "It was left untouched; restore it from git (`git checkout -- FILE`) or recover the ids "
        "with `tavusctl import --by-name`."
    )
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(data, dict) or type(version) is not int:
        raise LockfileError(f"Lockfile {name} has no version number. {fix}")
    if version != VERSION:
        raise LockfileError(
            f"Lockfile {name} is version {version}, but this tavusctl understands "
            f"version {VERSION} only. Upgrade tavusctl. It was left untouched."
        )
    try:
        salt, resources = data["salt"], data["resources"]
        if not isinstance(salt, str) or not salt:
            raise TypeError("'salt', which must be a non-empty string")
        if not isinstance(resources, dict):
            raise TypeError("'resources', which must be an object")
        entries = {_key(key): _entry(key, item) for key, item in resources.items()}
        account = data.get("account")
        bound = None if account is None else _account(account)
        return Lockfile(salt=salt, entries=entries, account=bound)
    except (KeyError, TypeError, AttributeError) as exc:
        raise LockfileError(f"Lockfile {name} is malformed (missing or bad {exc}). {fix}") from None


def _json_document(text: str, name: str, fix: str) -> object:
    """Strictly parsed (see :mod:`tavusctl.core.jsontext`): a key written twice, nesting
    deeper than any lockfile, a number of thousands of digits are errors, not tracebacks."""
    try:
        return jsontext.load(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(
            f"Lockfile {name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}). {fix}"
        ) from None
    except jsontext.BadJson as exc:
        raise LockfileError(f"Lockfile {name} cannot be read: {exc}. {fix}") from None


# ``Kind/name``: the key of a resource (the name as a manifest's metadata.name).
_KEY = re.compile(r"[A-Z][A-Za-z]*/[a-z0-9]([a-z0-9-]*[a-z0-9])?")


def _key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise TypeError(f"key {json.dumps(key)}, which must be Kind/name such as Persona/ann")
    return key


def _entry(key: str, item: object) -> LockEntry:
    if not isinstance(item, dict):
        raise TypeError(f"{key!r}, which must be an object")
    if not isinstance(item["applied"], dict):
        raise TypeError(f"'applied' of {key!r}, which must be an object")
    exclude = item.get("exclude")
    if exclude is not None and not (
        isinstance(exclude, list) and all(isinstance(i, str) for i in exclude)
    ):
        raise TypeError(f"'exclude' of {key!r}, which must be a list of ids")
    entry = LockEntry(
        id=_text(item["id"], "id"),
        applied=item["applied"],
        intent_at=_text(item.get("intent_at"), "intent_at"),
        file=_text(item.get("file"), "file"),
        exclude=None if exclude is None else tuple(exclude),
    )
    if entry.id is None and _when(entry.intent_at) is None:
        # A pending create is adopted only among objects created after its intent: without a
        # readable time it could take one of any age (another lockfile's, say).
        raise TypeError(f"'intent_at' of the pending create {key!r}, which must be an ISO time")
    return entry


def _when(text: str | None) -> datetime | None:
    try:
        return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


_ACCOUNT = ("api_url", "key_fingerprint")


def _account(account: object) -> Account:
    if not isinstance(account, dict):
        raise TypeError("'account', which must be an object")
    return Account(
        **{k: str(account[k]) for k in _ACCOUNT},
        environment=_text(account.get("environment"), "environment"),
    )


def _text(value: object, field: str) -> str | None:
    """``value`` if it is a string or null; anything else (a hand edit) is a malformed file."""
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{field!r}, which must be a string")


def write(path: Path, lock: Lockfile) -> None:
    """Write the lockfile atomically (see :func:`tavusctl.core.files.write_atomic`); a failure
    is a LockfileWriteError that leaves the previous file whole."""
    try:
        write_atomic(path, dumps(lock))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LockfileWriteError(
            f"Cannot write lockfile {path}: {reason}. The previous lockfile is "
            "intact; what this run did since it was last written is recorded when you run "
            "again (a create in progress is adopted). Free space or fix permissions, then run "
            "the command again.",
            reason,
        ) from None


def guard_path(path: Path) -> Path:
    """The file :func:`exclusive` locks for ``path``: in the temporary folder, named after the
    lockfile's absolute path, so that nothing in the working tree changes on every run.

    The lockfile itself cannot be locked: it is replaced (renamed over) on every write, and a
    lock on the replaced file guards nothing.
    """
    real = path.resolve()  # two links to one lockfile share one lock
    digest = hashlib.sha256(str(real).encode()).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / f"tavusctl-locks-{os.getuid()}"
    return folder / f"{real.name}-{digest}.lock"


@contextlib.contextmanager
def exclusive(path: Path, *, timeout: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock for the lockfile ``path`` for the body; if another run holds it,
    fail at once, or after waiting ``timeout`` seconds for it. The lock is on
    :func:`guard_path` (outside the working tree), held with ``flock``: released by the kernel
    when the process ends, however it ends."""
    guard = guard_path(path)
    if not path.parent.is_dir():
        raise LockfileError(
            f"Cannot lock {path}: its folder does not exist. Check that its folder exists and "
            "is writable, or choose another place with --lockfile."
        )
    try:
        guard.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(guard, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise LockfileError(
            f"Cannot lock {path}: {exc.strerror} ({guard}). Check that the temporary folder "
            "is writable (or set TMPDIR to one that is)."
        ) from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
                waited = f" (waited {timeout:g} s)" if timeout else ""
                raise LockfileError(
                    f"Lockfile {path} is in use by another tavusctl run (pid {holder}){waited}. "
                    "Wait for it to finish (or pass --lock-timeout SECONDS to wait); if no such "
                    "process exists, try again."
                )
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0.0)))
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def holder(path: Path) -> str | None:
    """The pid of the run holding ``path``'s lock, or None when nobody holds it."""
    guard = guard_path(path)
    try:
        fd = os.open(guard, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        if _try_lock(fd, shared=True):
            return None
        return os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
    finally:
        os.close(fd)


def _try_lock(fd: int, *, shared: bool = False) -> bool:
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True
