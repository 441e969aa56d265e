"""Three-way merge of lockfiles, entry by entry: what ``tavusctl state merge-driver`` runs.

git calls a merge driver with the common ancestor (``%O``), our version (``%A``, also where the
result goes) and theirs (``%B``). Each entry is merged as one value:

- the same on both sides, or changed on one side only: that side;
- changed on both sides to the same persona id (two updates of one persona): ours, since the
  next plan compares the manifest with the live persona anyway;
- a different persona id on each side (both branches created it, or recreated it): ours is
  kept and theirs is reported, so that it is never silently orphaned; this is a conflict;
- deleted on one side and changed on the other: the changed side (an id is never dropped).

The account and the salt are ours unless only theirs changed. Entries taken from theirs whose
salt differs keep their secret hashes (they then differ, and the next apply sends those secrets
again, which is harmless).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tavusctl.state.lockfile import LockEntry, Lockfile


@dataclass(frozen=True)
class Merged:
    """The merged lockfile, the conflicts (each naming both ids) and notes for the user."""

    lock: Lockfile
    conflicts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def merge(base: Lockfile | None, ours: Lockfile, theirs: Lockfile) -> Merged:
    """Merge ``ours`` and ``theirs`` entry by entry against ``base`` (None: no common file)."""
    old = base.entries if base is not None else {}
    keys = sorted(set(old) | set(ours.entries) | set(theirs.entries))
    entries: dict[str, LockEntry] = {}
    conflicts: list[str] = []
    notes: list[str] = []
    for key in keys:
        entry, conflict, note = _merge_entry(
            key, old.get(key), ours.entries.get(key), theirs.entries.get(key)
        )
        if entry is not None:
            entries[key] = entry
        conflicts += [conflict] if conflict else []
        notes += [note] if note else []
    account = _pick(base.account if base else None, ours.account, theirs.account)
    salt = _pick(base.salt if base else None, ours.salt, theirs.salt)
    return Merged(
        replace(ours, salt=salt, entries=entries, account=account), tuple(conflicts), tuple(notes)
    )


def _pick(base: Any, ours: Any, theirs: Any) -> Any:
    return theirs if ours == base and theirs != base else ours


def _same(a: LockEntry | None, b: LockEntry | None) -> bool:
    return _json(a) == _json(b)


def _json(entry: LockEntry | None) -> Mapping[str, Any] | None:
    return None if entry is None else entry.to_json()


def _merge_entry(
    key: str, base: LockEntry | None, ours: LockEntry | None, theirs: LockEntry | None
) -> tuple[LockEntry | None, str | None, str | None]:
    """(merged entry, conflict, note) for one key."""
    if _same(ours, theirs) or _same(theirs, base):
        return ours, None, None
    if _same(ours, base):
        return theirs, None, None
    if ours is None or theirs is None:
        kept, side = (theirs, "theirs") if ours is None else (ours, "ours")
        note = (
            f"{key}: deleted on one branch and changed on the other; kept {side} "
            f"({kept.id if kept else 'nothing'}). Run `tavusctl plan` to see what it means now."
        )
        return kept, None, note
    if ours.id == theirs.id or theirs.id is None:
        return ours, None, None
    if ours.id is None:
        return theirs, None, None
    conflict = (
        f"{key}: both branches recorded a persona for it: {ours.id} (ours, kept) and "
        f"{theirs.id} (theirs, not recorded). Most likely both created it. Keep one: delete "
        f"{theirs.id} in the Tavus dashboard, or keep it instead with `tavusctl state rm "
        f"{key.split('/', 1)[-1]}` and `tavusctl import {key.split('/', 1)[-1]} {theirs.id}`."
    )
    return ours, conflict, None
