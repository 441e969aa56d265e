"""``tavusctl state``: inspect and repair the state.

Plain functions over a :class:`~tavusctl.state.store.StateStore`. The readers take a
:class:`Lockfile`; the writers take the store and hold it while they read, change and write, so
they never race an apply.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from tavusctl.core import pointer
from tavusctl.core.errors import LockfileError, StateError, UsageError
from tavusctl.core.files import write_atomic
from tavusctl.core.model import Resource
from tavusctl.core.secrets import SENSITIVE, is_hash
from tavusctl.kinds import KINDS, PERSONA, Kind, of_key
from tavusctl.kinds.kind import renamed
from tavusctl.state import lockfile
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.merge import merge
from tavusctl.state.store import StateStore, holding

NAME_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
PENDING = "(create pending)"


def key_of(name: str) -> str:
    """The lockfile key for ``name``: ``Persona/x``, ``Pal/x``, or ``x`` for ``Persona/x``.

    Any other kind is refused: a key such as ``x/y`` would be no resource a manifest can
    declare, so the next ``plan --prune`` would delete its persona and create it anew.
    """
    kind, slash, rest = name.partition("/")
    if not slash:
        return PERSONA.key(name)
    if kind not in KINDS:
        raise UsageError(
            f"'{name}' is not a resource tavusctl manages: the kinds are "
            f"{', '.join(KINDS)}. Write '{rest}' or '{PERSONA.key(rest)}'."
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


def find(lock: Lockfile, name: str, where: str = "the lockfile") -> str:
    """The key of ``name`` in ``lock``; an unknown name is an error listing the known ones.
    ``where``: how the message names the state (:attr:`StateStore.noun`)."""
    key = key_of(name)
    if key in lock.entries:
        return key
    if not lock.entries:
        raise LockfileError(f"'{name}' is not in {where}: it records no resources yet.")
    # Personas by name, other kinds by key: a suggestion must name something else than `name`.
    known = sorted(name_of(k) if k.startswith(PERSONA.key("")) else k for k in lock.entries)
    close = difflib.get_close_matches(name_of(key), [k for k in known if k != name], n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise LockfileError(f"'{name}' is not in {where}.{hint} Known names: {', '.join(known)}.")


def managed_by(key: str, resources: Sequence[Resource]) -> str:
    """``key`` and the manifest that declares it: ``Pal/x (manifests/x.yaml)``."""
    found = next((r for r in resources if r.key == key), None)
    return f"{key} ({found.location.file})" if found else f"{key} (no manifest declares it)"


def check_managed_once(lock: Lockfile, resources: Sequence[Resource]) -> None:
    """Refuse a lockfile that records one object under two keys (say ``Persona/x`` and
    ``Pal/y``: the same object through two collections). Two manifests would fight over it."""
    by_id: dict[str, list[str]] = {}
    for key, entry in sorted(lock.entries.items()):
        if entry.id is not None:
            by_id.setdefault(entry.id, []).append(key)
    for object_id, keys in sorted(by_id.items()):
        if len(keys) > 1:
            named = " and ".join(managed_by(k, resources) for k in keys)
            raise LockfileError(
                f"Object {object_id} is managed twice: as {named}. One object is managed "
                "under one kind and name only. Keep one: run 'tavusctl state rm KIND/NAME' "
                "for the other (the object stays on the account) and delete its manifest."
            )


def list_lines(lock: Lockfile) -> list[str]:
    """One line per resource, sorted: key and persona id (or ``(create pending)``)."""
    width = max((len(k) for k in lock.entries), default=0)
    return [
        f"{key.ljust(width)}  {entry.id or PENDING}" for key, entry in sorted(lock.entries.items())
    ]


def show(lock: Lockfile, name: str, fmt: str = "yaml", where: str = "the lockfile") -> str:
    """The applied spec of ``name`` as YAML or JSON, secret hashes shown as sensitive;
    ``where``: how an unknown name's message names the state."""
    key = find(lock, name, where)
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


def remove(store: StateStore, name: str, *, timeout: float = 0.0) -> str:
    """Forget ``name``: the persona stays on the account. Returns what was done."""
    with holding(store, timeout) as lock:
        key = find(lock, name, store.noun)
        entry = lock.entries[key]
        store.write(lock.without(key), [key])
    where = f"Persona {entry.id} stays on the Tavus account" if entry.id else "Nothing was created"
    return (
        f"Removed {key} from {store.name}. {where}; tavusctl no longer manages it "
        "(use 'tavusctl import' to adopt it again)."
    )


def move(store: StateStore, old: str, new: str, *, timeout: float = 0.0) -> str:
    """Rename ``old`` to ``new``, keeping its persona id and applied spec.

    ``new`` may be of another kind that sees the same object (``Persona/x`` to ``Pal/x``):
    the applied spec is then recorded in the new kind's words, so the next plan compares like
    with like and the object is neither recreated nor changed.
    """
    check_name(name_of(key_of(new)))
    with holding(store, timeout) as lock:
        old_key, new_key = find(lock, old, store.noun), key_of(new)
        if new_key in lock.entries:
            raise LockfileError(
                f"Cannot rename {old_key} to {new_key}: {new_key} is already in {store.noun}. "
                f"Remove it first with 'tavusctl state rm {name_of(new_key)}' if it is stale."
            )
        entry = _in_words_of(of_key(new_key), of_key(old_key), lock.entries[old_key], old_key)
        store.write(lock.without(old_key).with_entry(new_key, entry), [old_key, new_key])
    if of_key(old_key) is of_key(new_key):
        return f"Renamed {old_key} to {new_key} (persona {entry.id or PENDING})."
    return (
        f"Moved {old_key} to {new_key} (id {entry.id or PENDING} kept; its recorded spec now "
        f"uses {of_key(new_key).name} names). Change the manifest to kind: "
        f"{of_key(new_key).name} with the same names, then run 'tavusctl plan'."
    )


def _in_words_of(new: Kind, old: Kind, entry: LockEntry, old_key: str) -> LockEntry:
    """``entry`` as recorded under ``new``: the same, or its spec renamed (another kind)."""
    if new is old:
        return entry
    if old.name not in new.renames_from:
        raise UsageError(
            f"Cannot move {old_key} to a {new.name}: tavusctl knows no way to read a "
            f"{old.name} as a {new.name}."
        )
    applied, _ = renamed(entry.applied, new.renames_from[old.name])
    return dataclasses.replace(entry, applied=applied)


def migrate(store: StateStore, source: Path, *, timeout: float = 0.0) -> str:
    """Copy the lockfile ``source`` into ``store`` exactly, refusing a store that records
    anything already, and verify the copy by reading it back."""
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{source} does not exist: name the lockfile to migrate.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(f"Cannot read lockfile {source}: {exc}.") from None
    lock = lockfile.parse(text, str(source))
    with holding(store, timeout) as current:
        if current.entries:
            raise StateError(
                f"{store.name} already records {len(current.entries)} resource(s); migrate "
                "copies a lockfile only into an empty state, so that nothing is overwritten. "
                "Nothing was changed."
            )
        store.write(lock)
        copied, copied_text = store.read_with_text()
        if copied != lock or copied_text != lockfile.dumps(lock):
            raise StateError(
                f"The copy in {store.name} does not read back as {source}: this is a bug in "
                "tavusctl; please report it. Keep using the lockfile."
            )
    noun = "resource" if len(lock.entries) == 1 else "resources"
    canonical = (
        ""
        if copied_text == text
        else f" ({source} was not in tavusctl's own layout; 'state pull' writes it in that layout.)"
    )
    return (
        f"Copied {len(lock.entries)} {noun} from {source} into {store.name} and verified the "
        f"copy.{canonical} Commands now read and record the state there; keep {source} as a "
        "backup, out of the way of the manifests."
    )


def pull(store: StateStore) -> str:
    """The state of ``store`` as lockfile text (what a lockfile holding it would contain)."""
    text = store.read_with_text()[1]
    if not text:
        raise StateError(f"{store.name} records no state yet: there is nothing to pull.")
    return text


def write_pulled(path: Path, text: str) -> str:
    """Write pulled lockfile text to ``path`` atomically; says what was done."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise StateError(
            f"Cannot write {path}: {exc.strerror or exc}. Check that its folder exists and is "
            "writable."
        ) from None
    return f"Wrote the state to {path}."


def unlock_question(store: StateStore) -> str | None:
    """The confirmation question for ``state unlock``, or None when nobody holds the lock."""
    holder = store.lock_holder()
    if holder is None:
        return None
    return (
        f"The lock on {store.name} is held by {holder}. Release it only if that run is gone "
        "for good: a run still going would stop at its next write. Release the lock?"
    )


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
