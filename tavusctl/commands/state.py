"""``tavusctl state``: inspect and repair the lockfile.

Plain functions over :mod:`tavusctl.state.lockfile`. The readers take a :class:`Lockfile`; the
writers take its path and hold :func:`lockfile.exclusive` while they read, change and write, so
they never race an apply.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from tavusctl.core import pointer
from tavusctl.core.errors import LockfileError, UsageError
from tavusctl.core.secrets import SENSITIVE, is_hash
from tavusctl.kinds import PERSONA
from tavusctl.state import lockfile
from tavusctl.state.lockfile import Lockfile
from tavusctl.state.merge import merge

NAME_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
PENDING = "(create pending)"


def key_of(name: str) -> str:
    """The lockfile key for ``name``; ``Persona/x`` and ``x`` are both accepted.

    Any other kind is refused: a key such as ``x/y`` would be no resource a manifest can
    declare, so the next ``plan --prune`` would delete its persona and create it anew.
    """
    kind, slash, rest = name.partition("/")
    if not slash:
        return PERSONA.key(name)
    if kind != PERSONA.name:
        raise UsageError(
            f"'{name}' is not a {PERSONA.name}: tavusctl manages personas only. "
            f"Write '{rest}' or '{PERSONA.key(rest)}'."
        )
    return name


def name_of(key: str) -> str:
    """The resource name of a lockfile key: ``Persona/x`` → ``x``."""
    return key.split("/", 1)[-1]


def check_name(name: str) -> None:
    """Refuse a name that cannot be a manifest's ``metadata.name``."""
    if not NAME_RE.fullmatch(name):
        raise UsageError(
            f"'{name}' is not a valid name: use lowercase letters, digits and '-', "
            "starting and ending with a letter or digit (e.g. 'sales-coach')."
        )


def find(lock: Lockfile, name: str) -> str:
    """The key of ``name`` in ``lock``; an unknown name is an error listing the known ones."""
    key = key_of(name)
    if key in lock.entries:
        return key
    known = sorted(name_of(k) for k in lock.entries)
    if not known:
        raise LockfileError(f"'{name}' is not in the lockfile: it records no resources yet.")
    close = difflib.get_close_matches(name_of(key), known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise LockfileError(f"'{name}' is not in the lockfile.{hint} Known names: {', '.join(known)}.")


def list_lines(lock: Lockfile) -> list[str]:
    """One line per resource, sorted: key and persona id (or ``(create pending)``)."""
    width = max((len(k) for k in lock.entries), default=0)
    return [
        f"{key.ljust(width)}  {entry.id or PENDING}" for key, entry in sorted(lock.entries.items())
    ]


def show(lock: Lockfile, name: str, fmt: str = "yaml") -> str:
    """The applied spec of ``name`` as YAML or JSON, secret hashes shown as sensitive."""
    key = find(lock, name)
    entry = lock.entries[key]
    doc = {
        "key": key,
        "id": entry.id if entry.id is not None else PENDING,
        **({"intent_at": entry.intent_at} if entry.intent_at else {}),
        "applied": _mask(entry.applied),
    }
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False)
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100).rstrip("\n")


def _mask(doc: object) -> object:
    """``doc`` with every stored secret hash replaced by ``(sensitive value)``."""
    return pointer.map_leaves(doc, lambda _, value: SENSITIVE if is_hash(value) else value)


def remove(path: Path, name: str) -> str:
    """Forget ``name``: the persona stays on the account. Returns what was done."""
    with lockfile.exclusive(path):
        lock = lockfile.read(path)
        key = find(lock, name)
        entry = lock.entries[key]
        lockfile.write(path, lock.without(key))
    where = f"Persona {entry.id} stays on the Tavus account" if entry.id else "Nothing was created"
    return (
        f"Removed {key} from {path}. {where}; tavusctl no longer manages it "
        "(use 'tavusctl import' to adopt it again)."
    )


def move(path: Path, old: str, new: str) -> str:
    """Rename ``old`` to ``new``, keeping its persona id and applied spec."""
    check_name(name_of(key_of(new)))
    with lockfile.exclusive(path):
        lock = lockfile.read(path)
        old_key, new_key = find(lock, old), key_of(new)
        if new_key in lock.entries:
            raise LockfileError(
                f"Cannot rename {old_key} to {new_key}: {new_key} is already in the lockfile. "
                f"Remove it first with 'tavusctl state rm {name_of(new_key)}' if it is stale."
            )
        entry = lock.entries[old_key]
        lockfile.write(path, lock.without(old_key).with_entry(new_key, entry))
    return f"Renamed {old_key} to {new_key} (persona {entry.id or PENDING})."


def merge_driver(base: Path, ours: Path, theirs: Path) -> tuple[bool, list[str]]:
    """git's merge driver for lockfiles: merge ``theirs`` into ``ours`` (written in place) with
    ``base`` as the common ancestor. Returns (clean, lines to show on stderr)."""
    merged = merge(
        _side(base, "the common ancestor"),
        *(_side(path, what) or Lockfile() for path, what in ((ours, "ours"), (theirs, "theirs"))),
    )
    lockfile.write(ours, merged.lock)
    lines = [f"tavusctl: {note}" for note in merged.notes]
    lines += [f"tavusctl: conflict: {conflict}" for conflict in merged.conflicts]
    if merged.conflicts:
        lines.append(
            "tavusctl: the lockfile was merged keeping ours for each conflict above; resolve "
            "each as it says, then `git add` the lockfile."
        )
    return not merged.conflicts, lines


def _side(path: Path, what: str) -> Lockfile | None:
    """One version given to the merge driver; an empty file (no such version) is None."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LockfileError(f"Cannot read {what} ({path}) to merge: {exc.strerror}.") from None
    return lockfile.parse(text, f"{path} ({what})") if text.strip() else None
