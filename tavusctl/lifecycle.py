"""``import``, ``export`` and ``conversation``: bring personas under management and use them.

Each command is one async function taking a ready :class:`TavusClient`; lockfile changes are
made under :func:`lockfile.exclusive`, so they never race an apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavusctl import export, lockfile, state
from tavusctl.errors import ApiError, LockfileError, ManifestError, NotFound, UsageError
from tavusctl.lockfile import LockEntry, Lockfile
from tavusctl.model import PERSONA, Resource

if TYPE_CHECKING:
    from tavusctl.client import TavusClient


@dataclass(frozen=True)
class Exported:
    """One manifest written by ``export``."""

    path: Path
    name: str
    persona_id: str
    notes: tuple[str, ...]


def project(live: Any, spec: Any) -> Any:
    """``live`` cut down to the leaves present in ``spec`` (``None`` when none are).

    Objects are followed into (an empty object declares no leaf); anything else (strings,
    lists…) is a leaf taken whole from live.
    """
    if not (isinstance(spec, Mapping) and isinstance(live, Mapping)):
        return live
    out = {}
    for key, value in spec.items():
        if key in live:
            sub = project(live[key], value)
            if sub != {} or value == {}:
                out[key] = sub
    return out


async def import_persona(
    client: TavusClient,
    lock_path: Path,
    name: str,
    persona_id: str,
    resources: Sequence[Resource],
) -> str:
    """Adopt ``persona_id`` as ``name``: its live state, as far as the manifest declares it,
    becomes last-applied. Returns a sentence saying what was done."""
    resource = _manifest_for(name, resources)
    with lockfile.exclusive(lock_path):
        lock = lockfile.read(lock_path)
        _check_free(lock, resource.key, persona_id)
        live = await _get_user_persona(client, persona_id)
        spec = project(export.spec_of(live), dict(resource.spec))
        applied, masked = export.applied_from_live(spec, lock.salt)
        lockfile.write(lock_path, lock.with_entry(resource.key, LockEntry(persona_id, applied)))
    after = " Secrets the API returned masked will be set by the next apply." if masked else ""
    return f"Imported persona {persona_id} as {resource.key}.{after} Run 'tavusctl plan' to see how it differs from the manifest."


def _manifest_for(name: str, resources: Sequence[Resource]) -> Resource:
    wanted = state.name_of(state.key_of(name))
    for resource in resources:
        if resource.kind == PERSONA and resource.name == wanted:
            return resource
    raise ManifestError(
        f"No manifest declares a Persona named '{wanted}'. Import adopts a persona into an "
        f"existing manifest: write a manifest for {wanted} first, or use 'tavusctl export' "
        "to write one from the live persona."
    )


def _check_free(lock: Lockfile, key: str, persona_id: str) -> None:
    if key in lock.entries:
        current = lock.entries[key].id or state.PENDING
        raise LockfileError(
            f"{key} is already in the lockfile (persona {current}). Run "
            f"'tavusctl state rm {state.name_of(key)}' first to adopt a different persona."
        )
    for other, entry in lock.entries.items():
        if entry.id == persona_id:
            raise LockfileError(
                f"Persona {persona_id} is already managed as {other}. Use "
                f"'tavusctl state mv {state.name_of(other)} {state.name_of(key)}' to rename it."
            )


async def _get_user_persona(client: TavusClient, persona_id: str) -> dict[str, Any]:
    live = await client.get_persona(persona_id)
    if live is None:
        raise NotFound(
            f"Persona {persona_id} does not exist on the Tavus account. Check the id with "
            "the Tavus dashboard or 'GET /v2/personas'.",
            status=404,
        )
    if live.get("persona_type") == "system":
        raise UsageError(
            f"Persona {persona_id} is a Tavus system persona: it cannot be managed. "
            "Export it and create your own copy instead."
        )
    return live


async def export_personas(
    client: TavusClient, lock_path: Path, out: Path, ids: Sequence[str]
) -> list[Exported]:
    """Write one manifest per persona (all user personas when ``ids`` is empty) into ``out``
    and record each in the lockfile. Existing files are never overwritten."""
    from tavusctl.fetch import fetch_live

    with lockfile.exclusive(lock_path):
        lock = lockfile.read(lock_path)
        live = await fetch_live(client, list(ids))
        personas = _chosen(live.personas, ids)
        names = _names(lock, personas)
        drafts = [_draft(out, names[p["persona_id"]], p) for p in personas]
        _refuse_existing(drafts)
        return _write_all(lock_path, lock, drafts)


def _chosen(live: Mapping[str, dict[str, Any]], ids: Sequence[str]) -> list[dict[str, Any]]:
    missing = [i for i in ids if i not in live]
    if missing:
        raise NotFound(
            f"Persona {', '.join(missing)} does not exist on the Tavus account; nothing was "
            "exported. Check the ids.",
            status=404,
        )
    wanted = list(dict.fromkeys(ids)) or sorted(live)
    personas = [live[i] for i in wanted if live[i].get("persona_type", "user") != "system"]
    if ids and len(personas) != len(wanted):
        raise UsageError(
            "Tavus system personas cannot be exported or managed; nothing was exported."
        )
    return personas


def _names(lock: Lockfile, personas: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Managed personas keep their lockfile name; the others get fresh unique ones."""
    recorded = {e.id: state.name_of(k) for k, e in lock.entries.items() if e.id}
    fresh = [p for p in personas if p["persona_id"] not in recorded]
    taken = {state.name_of(k) for k in lock.entries}
    return {**recorded, **export.unique_names(fresh, taken)}


@dataclass(frozen=True)
class _Draft:
    path: Path
    name: str
    live: Mapping[str, Any]
    text: str
    notes: tuple[str, ...]


def _draft(out: Path, name: str, live: Mapping[str, Any]) -> _Draft:
    text, notes = export.persona_to_manifest(name, live)
    return _Draft(out / f"{name}.yaml", name, live, text, tuple(notes))


def _refuse_existing(drafts: Sequence[_Draft]) -> None:
    existing = [str(d.path) for d in drafts if d.path.exists()]
    if existing:
        raise UsageError(
            f"{', '.join(existing)} already exists; export never overwrites a file. Move it "
            "aside or choose another folder with --out. Nothing was exported."
        )


def _write_all(lock_path: Path, lock: Lockfile, drafts: Sequence[_Draft]) -> list[Exported]:
    """Write the manifests, then record them all in one lockfile write."""
    done = []
    for draft in drafts:
        applied, _ = export.applied_from_live(export.spec_of(draft.live), lock.salt)
        persona_id = draft.live["persona_id"]
        lock = lock.with_entry(state.key_of(draft.name), LockEntry(persona_id, applied))
        draft.path.parent.mkdir(parents=True, exist_ok=True)
        with draft.path.open("x", encoding="utf-8") as handle:
            handle.write(draft.text)
        done.append(Exported(draft.path, draft.name, persona_id, draft.notes))
    lockfile.write(lock_path, lock)
    return done


async def start_conversation(
    client: TavusClient, lock: Lockfile, name: str, *, test_mode: bool, replica_id: str | None
) -> str:
    """Start a conversation with the managed persona ``name``; return its ``conversation_url``."""
    key = state.find(lock, name)
    persona_id = lock.entries[key].id
    if persona_id is None:
        raise LockfileError(f"{key} has not been created yet. Run 'tavusctl apply' first.")
    body: dict[str, Any] = {"persona_id": persona_id, "test_mode": test_mode}
    if replica_id:
        body["replica_id"] = replica_id
    reply = await client.create_conversation(body)
    url = reply.get("conversation_url")
    if not isinstance(url, str):
        raise ApiError(
            f"Tavus started a conversation with {key} but returned no conversation_url.",
            status=None,
        )
    return url
