"""``tavusctl diff --env staging --env prod``: what two environments hold *live*, side by side.

Each environment's managed resources are read from its own account through its own state (ids
differ across accounts; the lockfile key is what pairs them). Fields Tavus sets (ids, times) and
secret fields are not compared. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tavusctl import kinds
from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.commands.common import recorded_ids
from tavusctl.core import pointer
from tavusctl.core.values import MISSING, same
from tavusctl.kinds.kind import Kind
from tavusctl.plan.content import leaves, show
from tavusctl.state.lockfile import Lockfile

Held = Mapping[str, "Mapping[str, object] | None"]  # lockfile key -> live document (None: gone)


@dataclass(frozen=True)
class Side:
    """One environment's live view of its managed resources."""

    name: str
    held: Held
    ids: Mapping[str, str | None]


async def read(client: TavusClient, name: str, lock: Lockfile) -> Side:
    """The live document of every resource ``lock`` manages (None when gone or never made)."""
    live = (await fetch_account(client, recorded_ids(lock))).objects
    held = {key: live.get(e.id) if e.id else None for key, e in lock.entries.items()}
    return Side(name, held, {key: e.id for key, e in lock.entries.items()})


def compare(a: Side, b: Side) -> tuple[list[str], bool]:
    """Lines describing what differs between ``a`` and ``b``; whether anything does."""
    lines: list[str] = []
    for key in sorted(set(a.held) | set(b.held)):
        doc_a, doc_b = a.held.get(key), b.held.get(key)
        if doc_a is None and doc_b is None:
            continue
        if doc_b is None:
            lines.append(f"+ {key}: in {a.name} ({a.ids.get(key)}), {b.name} lacks it")
        elif doc_a is None:
            lines.append(f"- {key}: in {b.name} ({b.ids.get(key)}), {a.name} lacks it")
        else:
            fields = _differences(key, doc_a, doc_b)
            if fields:
                lines.append(
                    f"~ {key}: {len(fields)} field{'' if len(fields) == 1 else 's'} differ"
                )
                lines += [
                    f"    {path}: {_shown(va)} ({a.name}) -> {_shown(vb)} ({b.name})"
                    for path, va, vb in fields
                ]
    if not lines:
        return [f"{a.name} and {b.name} hold the same managed resources, field for field."], False
    return lines, True


def _shown(value: object) -> str:
    return "(absent)" if value is MISSING else show(value)


def _differences(
    key: str, doc_a: Mapping[str, object], doc_b: Mapping[str, object]
) -> list[tuple[str, object, object]]:
    kind = kinds.of_key(key)
    a = _managed(doc_a, kind)
    b = _managed(doc_b, kind)
    return [
        (path, a.get(path, MISSING), b.get(path, MISSING))
        for path in sorted(set(a) | set(b))
        if path not in a or path not in b or not same(a[path], b[path])
    ]


def _managed(doc: Mapping[str, object], kind: Kind) -> dict[str, object]:
    owned = kind.server_owned
    return {
        path: value
        for path, value in leaves(doc, kind.secrets)
        if pointer.split(path)[0] not in owned
    }
