"""``import`` and ``conversation``: adopt a persona, and talk to a managed one.

Each command is one async function taking a ready :class:`TavusClient`; state changes are
made holding the store, so they never race an apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tavusctl import kinds
from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_live
from tavusctl.commands import state
from tavusctl.commands.common import account_of, relative_file
from tavusctl.core.errors import (
    ApiError,
    InvalidRequest,
    LockfileError,
    ManifestError,
    NotFound,
    UsageError,
)
from tavusctl.core.model import Resource
from tavusctl.kinds import PERSONA, Kind
from tavusctl.manifest import from_live
from tavusctl.state.account import bind
from tavusctl.state.lockfile import LockEntry, Lockfile
from tavusctl.state.store import StateStore, holding


def project(live: object, spec: object) -> Any:
    """``live`` cut down to the leaves present in ``spec`` (``{}`` when none are).

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
    store: StateStore,
    name: str,
    persona_id: str,
    resources: Sequence[Resource],
    *,
    timeout: float = 0.0,
) -> str:
    """Adopt ``persona_id`` as ``name``: its live state, as far as the manifest declares it,
    becomes last-applied. Returns a sentence saying what was done."""
    resource = _manifest_for(name, resources)
    kind = kinds.of(resource.kind)
    with holding(store, timeout) as lock:
        _check_free(lock, resource.key, persona_id, resources, store.noun)
        live = await _get_user_object(client, kind, persona_id)
        entry, masked = _adopted(client, resource, persona_id, live, lock.salt, store)
        lock = bind(lock.with_entry(resource.key, entry), account_of(client, lock.salt))
        store.write(lock, [resource.key])
    after = " Secrets the API returned masked will be set by the next apply." if masked else ""
    return (
        f"Imported {kind.noun} {persona_id} as {resource.key}.{after} "
        "Run 'tavusctl plan' to see how it differs from the manifest."
    )


def _adopted(
    client: TavusClient,
    resource: Resource,
    persona_id: str,
    live: Mapping[str, object],
    salt: str,
    store: StateStore,
) -> tuple[LockEntry, bool]:
    """The lockfile entry adopting ``live`` for ``resource``: its live state, as far as the
    manifest declares it, as last-applied; and whether a secret came back masked."""
    kind = kinds.of(resource.kind)
    client.scrubber.add_shown(live, kind.secrets)
    spec = project(from_live.spec_of(live, kind), dict(resource.spec))
    applied, masked = from_live.applied_from_live(spec, salt, kind)
    file = relative_file(Path(resource.location.file), store)
    return LockEntry(persona_id, applied, file=file), bool(masked)


PERSONA_ID = re.compile(r"p[a-z0-9][a-z0-9-]*")
# Any other kind's id: letters, digits and '-' (a 2026 uuid, t0123456789ab, o12345...).
OBJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


def check_id(name: str, object_id: str) -> None:
    """Refuse what cannot be the id of NAME's kind before asking the API about it."""
    kind = kinds.of_key(state.key_of(name))
    if kind.id_field in ("persona_id", "pal_id"):
        check_persona_id(object_id)
    elif not OBJECT_ID.fullmatch(object_id):
        raise UsageError(
            f"{object_id!r} is not a {kind.noun} id: Tavus ids are letters, digits and '-' "
            f"(the {kind.id_field} of GET {kind.collection})."
        )


def check_persona_id(persona_id: str) -> None:
    """Refuse what cannot be a persona id before asking the API about it."""
    if not PERSONA_ID.fullmatch(persona_id):
        raise UsageError(
            f"{persona_id!r} is not a persona id: they look like 'p1a2b3c4d5e6' ('p' then "
            "lowercase letters and digits). Find it in the Tavus dashboard, with `tavusctl "
            "export`, or let `tavusctl import --by-name` find it by its persona_name."
        )


async def import_by_name(
    client: TavusClient,
    store: StateStore,
    resources: Sequence[Resource],
    paths: Sequence[Path],
    *,
    timeout: float = 0.0,
) -> tuple[bool, list[str]]:
    """Adopt, for every manifest without a lockfile entry, the one unmanaged live persona with
    its ``persona_name``. Returns (no manifest was refused, one line per manifest considered).
    """
    with holding(store, timeout) as lock:
        live = (await fetch_live(client)).personas
        managed = {e.id for e in lock.entries.values() if e.id}
        lines: list[str] = []
        adopted_keys: list[str] = []
        clean = True
        for resource in sorted(resources, key=lambda r: r.key):
            entry = lock.entries.get(resource.key)
            if resource.kind != PERSONA.name or (entry is not None and entry.id is not None):
                continue
            name = resource.spec.get("persona_name")
            found = sorted(
                pid
                for pid, doc in live.items()
                if pid not in managed and name and doc.get("persona_name") == name
            )
            if len(found) != 1:
                clean = clean and not found
                lines.append(_not_adopted(resource, name, found))
                continue
            adopted, _ = _adopted(client, resource, found[0], live[found[0]], lock.salt, store)
            lock = lock.with_entry(resource.key, adopted)
            adopted_keys.append(resource.key)
            managed.add(found[0])
            lines.append(f"Imported persona {found[0]} as {resource.key} (by its persona_name).")
        if adopted_keys:
            store.write(bind(lock, account_of(client, lock.salt)), adopted_keys)
    if not lines:
        lines.append(f"Every manifest already has an entry in {store.noun}: nothing to import.")
    return clean, lines


def _not_adopted(resource: Resource, name: Any, found: Sequence[str]) -> str:
    if not found:
        return (
            f"{resource.key}: no unmanaged persona has the persona_name {name!r}; apply will "
            "create it."
        )
    return (
        f"{resource.key}: not imported: {len(found)} unmanaged personas have the persona_name "
        f"{name!r}: {', '.join(found)}. Import the right one with `tavusctl import "
        f"{resource.name} ID`."
    )


def _manifest_for(name: str, resources: Sequence[Resource]) -> Resource:
    key = state.key_of(name)
    for resource in resources:
        if resource.key == key:
            return resource
    kind, wanted = key.split("/", 1)
    raise ManifestError(
        f"No manifest declares a {kind} named '{wanted}'. Import adopts an object into an "
        f"existing manifest: write a manifest for {wanted} first, or use 'tavusctl export' "
        "to write one from the live persona."
    )


def _check_free(
    lock: Lockfile, key: str, persona_id: str, resources: Sequence[Resource], where: str
) -> None:
    if key in lock.entries:
        current = lock.entries[key].id or state.PENDING
        raise LockfileError(
            f"{key} is already in {where} (persona {current}). Run "
            f"'tavusctl state rm {state.name_of(key)}' first to adopt a different persona."
        )
    for other, entry in lock.entries.items():
        if entry.id != persona_id:
            continue
        if other.split("/", 1)[0] != key.split("/", 1)[0]:  # one object, two vocabularies
            raise LockfileError(
                f"{persona_id} is already managed as {state.managed_by(other, resources)}: "
                f"one object is managed under one kind only. To manage it as {key}, run "
                f"'tavusctl state mv {other} {key}' and change that manifest to the new kind."
            )
        raise LockfileError(
            f"Persona {persona_id} is already managed as {state.managed_by(other, resources)}. "
            f"Use 'tavusctl state mv {state.name_of(other)} {state.name_of(key)}' to rename it."
        )


async def _get_user_object(client: TavusClient, kind: Kind, object_id: str) -> dict[str, object]:
    live = await client.get(kind, object_id)
    noun = kind.noun[0].upper() + kind.noun[1:]
    if live is None:
        raise NotFound(
            f"{noun} {object_id} does not exist on the Tavus account. Check the id with the "
            f"Tavus dashboard or 'GET {kind.collection}'.",
            status=404,
        )
    if not kind.is_ours(live):
        raise UsageError(
            f"{noun} {object_id} is a Tavus system {kind.noun}: it cannot be managed. "
            "Write a manifest of your own from it and apply that to get a copy you can manage."
        )
    return live


CONCURRENCY = "maximum concurrent conversations"


def _conversation_refused(exc: ApiError, key: str, replica_id: str | None) -> ApiError:
    """The refusal in plain words: the concurrency cap (400) and no credits (402) are the
    account's limits, not a bad request (tavus-api-2026.md)."""
    if exc.status == 402:
        return ApiError(
            f"Tavus refused to start a conversation with {key}: the account is out of "
            "conversational credits (HTTP 402). Add credits or upgrade the plan in the Tavus "
            "dashboard, then try again.",
            status=402,
        )
    if exc.status == 400 and CONCURRENCY in exc.message:
        return ApiError(
            f"Tavus refused to start a conversation with {key}: the account already has as "
            "many conversations running as its plan allows (HTTP 400). End one (or wait for "
            "one to end), then try again.",
            status=400,
        )
    if isinstance(exc, InvalidRequest) and not replica_id:
        hint = " If the persona has no default_replica_id, pass --replica-id."
        return InvalidRequest(f"{exc.message}{hint}", status=exc.status)
    return exc


async def start_conversation(
    client: TavusClient,
    lock: Lockfile,
    name: str,
    *,
    test_mode: bool,
    replica_id: str | None,
    where: str = "the lockfile",
) -> str:
    """Start a conversation with the managed persona ``name``; return its ``conversation_url``.
    ``where``: how messages name the state."""
    key = state.find(lock, name, where)
    persona_id = lock.entries[key].id
    if persona_id is None:
        raise LockfileError(f"{key} has not been created yet. Run 'tavusctl apply' first.")
    body: dict[str, object] = {"persona_id": persona_id, "test_mode": test_mode}
    if replica_id:
        body["replica_id"] = replica_id
    try:
        reply = await client.create_conversation(body)
    except ApiError as exc:
        gone = isinstance(exc, InvalidRequest | NotFound) and CONCURRENCY not in exc.message
        if gone and await client.get_persona(persona_id) is None:
            raise NotFound(
                f"{key} ({persona_id}) is gone from the Tavus account: it was deleted outside "
                f"tavusctl (the API answered HTTP {exc.status}). Run `tavusctl apply` to create "
                f"it again (plan shows it as a recreate), or `tavusctl state rm "
                f"{state.name_of(key)}` to stop managing it.",
                status=exc.status,
            ) from None
        raise _conversation_refused(exc, key, replica_id) from None
    url = reply.get("conversation_url")
    if not isinstance(url, str):
        raise ApiError(
            f"Tavus started a conversation with {key} but returned no conversation_url.",
            status=None,
        )
    return url
