"""``tavusctl export``: write manifests from live personas and record them in the lockfile.

The manifest text itself comes from the pure :mod:`tavusctl.manifest.from_live`; this module
chooses the personas and names, refuses to overwrite any file, writes, and records. Lockfile
changes are made under :func:`lockfile.exclusive`, so they never race an apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_live
from tavusctl.commands import schema, state
from tavusctl.core.errors import NotFound, UsageError
from tavusctl.kinds import PERSONA, Kind, of_key
from tavusctl.manifest import from_live
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.store import StateStore, holding


@dataclass(frozen=True)
class Exported:
    """One manifest written by ``export``."""

    path: Path
    name: str
    persona_id: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    """The manifests written, and the keys of managed personas a full export left alone."""

    exported: tuple[Exported, ...]
    skipped: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """What ``export`` tells the user: each file written with its notes, or why none was."""
        out = []
        for item in self.exported:
            out.append(f"Wrote {item.path} (persona {item.persona_id}).")
            out.extend(f"  {note}" for note in item.notes)
        if self.skipped:
            managed = ", ".join(self.skipped)
            out.append(
                f"Skipped personas already managed ({managed}); name their ids to export them again."
            )
        elif not self.exported:
            out.append("The account has no user personas; nothing was exported.")
        return out


async def export_personas(
    client: TavusClient,
    store: StateStore,
    out: Path,
    ids: Sequence[str],
    kind: Kind = PERSONA,
    *,
    timeout: float = 0.0,
) -> ExportResult:
    """Write one manifest per persona into ``out`` and record each new one in the lockfile.

    Without ``ids``: every user persona not yet managed (under any kind). A managed persona
    named in ``ids`` is written under its recorded name and its lockfile entry is left as it
    is; one managed under another kind (a Persona exported as a Pal) is refused. Existing files
    are never overwritten. ``kind`` is the kind written: Persona or Pal (two vocabularies of
    one object), or one of the graph's kinds. Ids of managed or exported objects in a spec are
    written as ``${ref:Kind/name}``.
    """
    with holding(store, timeout) as lock:
        managed = {e.id: k for k, e in lock.entries.items() if e.id}
        _refuse_other_kind(ids, managed, kind)
        objects = (await fetch_live(client, list(ids), kind)).by_kind[kind.name]
        personas = _chosen(objects, ids or [i for i in objects if i not in managed], kind)
        names = _names(lock, personas, kind)
        # Ids of managed and exported objects are written as ${ref:Kind/name}.
        known = dict(managed)
        for exported in (str(p[kind.id_field]) for p in personas):
            known.setdefault(exported, kind.key(names[exported]))
        drafts = [_draft(out, names[str(p[kind.id_field])], p, kind, known) for p in personas]
        _refuse_existing(drafts)
        done = _write_all(store, lock, drafts)
    skipped = () if ids else tuple(sorted(k for i, k in managed.items() if i in objects))
    return ExportResult(tuple(done), skipped)


def _refuse_other_kind(ids: Sequence[str], managed: Mapping[str, str], kind: Kind) -> None:
    """One object is managed under one kind only: export as a Pal what is managed as a
    Persona (or the reverse) would manage it twice."""
    for object_id in ids:
        key = managed.get(object_id)
        if key is not None and of_key(key) is not kind:
            name = state.name_of(key)
            raise UsageError(
                f"{object_id} is already managed as {key} (the manifest with kind: "
                f"{of_key(key).name} and metadata.name: {name}); exporting it as a {kind.name} "
                f"would manage it twice. Nothing was exported. To switch it to {kind.name} "
                f"names, run 'tavusctl state mv {key} {kind.key(name)}'."
            )


def _chosen(
    live: Mapping[str, dict[str, Any]], ids: Sequence[str], kind: Kind
) -> list[dict[str, Any]]:
    missing = [i for i in ids if i not in live]
    if missing:
        raise NotFound(
            f"{kind.noun.capitalize()} {', '.join(missing)} does not exist on the Tavus account; nothing was "
            "exported. Check the ids.",
            status=404,
        )
    wanted = sorted(dict.fromkeys(ids))
    personas = [live[i] for i in wanted if kind.is_ours(live[i])]
    if len(personas) != len(wanted):
        raise UsageError(
            "Tavus system personas cannot be exported or managed; nothing was exported. "
            "Write a manifest of your own from one and apply that to get a copy you can manage."
        )
    return personas


def _names(lock: Lockfile, personas: Sequence[Mapping[str, Any]], kind: Kind) -> dict[str, str]:
    """Managed personas keep their lockfile name; the others get fresh unique ones."""
    recorded = {e.id: state.name_of(k) for k, e in lock.entries.items() if e.id}
    fresh = [p for p in personas if p[kind.id_field] not in recorded]
    taken = {state.name_of(k) for k in lock.entries}
    return {**recorded, **from_live.unique_names(fresh, taken, kind)}


@dataclass(frozen=True)
class _Draft:
    path: Path
    name: str
    live: Mapping[str, Any]
    text: str
    notes: tuple[str, ...]
    kind: Kind = PERSONA


def _draft(
    out: Path, name: str, live: Mapping[str, Any], kind: Kind, managed: Mapping[str, str]
) -> _Draft:
    own = str(live[kind.id_field])
    others = {i: k for i, k in managed.items() if i != own}
    text, notes = from_live.to_manifest(name, live, schema.reference(out), kind, others)
    # Personas and PALs as NAME.yaml (as always); the graph's kinds prefixed by their kind.
    file = (
        f"{name}.yaml"
        if kind.id_field in ("persona_id", "pal_id")
        else f"{_file_kind(kind)}-{name}.yaml"
    )
    return _Draft(out / file, name, live, text, tuple(notes), kind)


def _file_kind(kind: Kind) -> str:
    return kind.name.lower()


def _refuse_existing(drafts: Sequence[_Draft]) -> None:
    existing = [str(d.path) for d in drafts if d.path.exists()]
    if existing:
        raise UsageError(
            f"{', '.join(existing)} already exists; export never overwrites a file. Move it "
            "aside or choose another folder with --out. Nothing was exported."
        )


def _write_all(store: StateStore, lock: Lockfile, drafts: Sequence[_Draft]) -> list[Exported]:
    """Write the manifests, then record the new ones in one lockfile write.

    When a write fails, the manifests written before it are still recorded, so that none is
    left on disk unmanaged.
    """
    done, before = [], lock
    try:
        for draft in drafts:
            _write_manifest(draft)
            lock, exported = _record(lock, draft, store.noun)
            done.append(exported)
    finally:
        if lock != before:
            store.write(lock, [k for k in lock.entries if k not in before.entries])
    return done


def _write_manifest(draft: _Draft) -> None:
    try:
        draft.path.parent.mkdir(parents=True, exist_ok=True)
        with draft.path.open("x", encoding="utf-8") as handle:
            handle.write(draft.text)
    except OSError as exc:
        raise UsageError(
            f"Cannot write {draft.path}: {exc.strerror or exc}. Check that --out names a folder "
            "you can write to; manifests written before it are kept and recorded."
        ) from None


def _record(lock: Lockfile, draft: _Draft, where: str) -> tuple[Lockfile, Exported]:
    """Record a written manifest's persona, unless the lockfile already manages it."""
    kind = draft.kind
    persona_id, key = str(draft.live[kind.id_field]), kind.key(draft.name)
    notes = draft.notes
    if key in lock.entries:
        notes += (f"Already managed as {key}: its entry in {where} was left as it is.",)
    else:
        spec = from_live.spec_of(draft.live, kind)
        applied, _ = from_live.applied_from_live(spec, lock.salt, kind)
        lock = lock.with_entry(key, LockEntry(persona_id, applied))
    return lock, Exported(draft.path, draft.name, persona_id, notes)
