"""``import``, ``export`` and ``conversation``: bring personas under management and use them.

Each command is one async function taking a ready :class:`TavusClient`; lockfile changes are
made under :func:`lockfile.exclusive`, so they never race an apply.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tavusctl import export, lockfile, pointer, secrets, state
from tavusctl.errors import (
    ApiError,
    InvalidRequest,
    LockfileError,
    ManifestError,
    NotFound,
    UsageError,
)
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
        _remember_secrets(live)
        spec = project(export.spec_of(live), dict(resource.spec))
        applied, masked = export.applied_from_live(spec, lock.salt)
        lockfile.write(lock_path, lock.with_entry(resource.key, LockEntry(persona_id, applied)))
    after = " Secrets the API returned masked will be set by the next apply." if masked else ""
    return (
        f"Imported persona {persona_id} as {resource.key}.{after} "
        "Run 'tavusctl plan' to see how it differs from the manifest."
    )


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


def _remember_secrets(live: Mapping[str, Any]) -> None:
    """Let the CLI's last line of defence scrub the secrets the API returned in clear."""
    for path in secrets.secret_paths(live):
        value = pointer.resolve(live, path)
        if isinstance(value, str):
            secrets.remember(value)


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
            "Write a manifest of your own from it and apply that to get a copy you can manage."
        )
    return live


@dataclass(frozen=True)
class ExportResult:
    """The manifests written, and the keys of managed personas a full export left alone."""

    exported: tuple[Exported, ...]
    skipped: tuple[str, ...] = ()


async def export_personas(
    client: TavusClient, lock_path: Path, out: Path, ids: Sequence[str]
) -> ExportResult:
    """Write one manifest per persona into ``out`` and record each new one in the lockfile.

    Without ``ids``: every user persona not yet managed. A managed persona named in ``ids`` is
    written under its recorded name and its lockfile entry is left as it is. Existing files are
    never overwritten.
    """
    from tavusctl.fetch import fetch_live

    with lockfile.exclusive(lock_path):
        lock = lockfile.read(lock_path)
        live = await fetch_live(client, list(ids))
        for persona in live.personas.values():
            _remember_secrets(persona)
        managed = {e.id: k for k, e in lock.entries.items() if e.id}
        personas = _chosen(live.personas, ids or [i for i in live.personas if i not in managed])
        names = _names(lock, personas)
        drafts = [_draft(out, names[p["persona_id"]], p) for p in personas]
        _refuse_existing(drafts)
        done = _write_all(lock_path, lock, drafts)
    skipped = () if ids else tuple(sorted(k for i, k in managed.items() if i in live.personas))
    return ExportResult(tuple(done), skipped)


def _chosen(live: Mapping[str, dict[str, Any]], ids: Sequence[str]) -> list[dict[str, Any]]:
    missing = [i for i in ids if i not in live]
    if missing:
        raise NotFound(
            f"Persona {', '.join(missing)} does not exist on the Tavus account; nothing was "
            "exported. Check the ids.",
            status=404,
        )
    wanted = sorted(dict.fromkeys(ids))
    personas = [live[i] for i in wanted if live[i].get("persona_type", "user") != "system"]
    if len(personas) != len(wanted):
        raise UsageError(
            "Tavus system personas cannot be exported or managed; nothing was exported. "
            "Write a manifest of your own from one and apply that to get a copy you can manage."
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
    text, notes = export.persona_to_manifest(name, live, schema_ref(out))
    return _Draft(out / f"{name}.yaml", name, live, text, tuple(notes))


def schema_ref(out: Path) -> str:
    """The manifest schema relative to ``out``: the project's ``schemas/`` folder when the
    working directory has one (portable in a repository), else the file tavusctl ships."""
    local = Path("schemas/manifest.schema.json")
    shipped = Path(__file__).parent / "schemas" / "manifest.schema.json"
    target = local if local.is_file() else shipped
    return os.path.relpath(target.resolve(), out.resolve())


def _refuse_existing(drafts: Sequence[_Draft]) -> None:
    existing = [str(d.path) for d in drafts if d.path.exists()]
    if existing:
        raise UsageError(
            f"{', '.join(existing)} already exists; export never overwrites a file. Move it "
            "aside or choose another folder with --out. Nothing was exported."
        )


def _write_all(lock_path: Path, lock: Lockfile, drafts: Sequence[_Draft]) -> list[Exported]:
    """Write the manifests, then record the new ones in one lockfile write."""
    done, before = [], lock
    for draft in drafts:
        persona_id, key = draft.live["persona_id"], state.key_of(draft.name)
        notes = draft.notes
        if key in lock.entries:
            notes += (f"Already managed as {key}: its lockfile entry was left as it is.",)
        else:
            applied, _ = export.applied_from_live(export.spec_of(draft.live), lock.salt)
            lock = lock.with_entry(key, LockEntry(persona_id, applied))
        draft.path.parent.mkdir(parents=True, exist_ok=True)
        with draft.path.open("x", encoding="utf-8") as handle:
            handle.write(draft.text)
        done.append(Exported(draft.path, draft.name, persona_id, notes))
    if lock != before:
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
    try:
        reply = await client.create_conversation(body)
    except InvalidRequest as exc:
        hint = "" if replica_id else " If the persona has no default_replica_id, pass --replica-id."
        raise InvalidRequest(f"{exc.message}{hint}", status=exc.status) from None
    url = reply.get("conversation_url")
    if not isinstance(url, str):
        raise ApiError(
            f"Tavus started a conversation with {key} but returned no conversation_url.",
            status=None,
        )
    return url
