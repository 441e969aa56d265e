"""Read-back after apply: what the server changed or dropped of what was written.

A field the server silently normalises or ignores would otherwise show up only as a puzzling
perpetual diff; reporting it right after the write, with the path and both values, tells the
user the day it starts. Secret fields are never compared nor shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import fetch_account
from tavusctl.apply.outcome import Event, Outcome
from tavusctl.core import pointer
from tavusctl.core.errors import ApiError
from tavusctl.kinds import Kind
from tavusctl.plan.content import Difference, differences
from tavusctl.plan.model import Action, ActionKind

WRITES = (ActionKind.CREATE, ActionKind.RECREATE, ActionKind.UPDATE)

# Up to this many personas are read one by one; more are read by listing the account.
SINGLE_READS = 8


async def read_back(
    client: TavusClient,
    actions: Sequence[Action],
    outcomes: Iterable[Outcome],
    emit: Callable[[Event], None],
) -> list[str]:
    """Warnings, one per field the server holds differently from what a successful write sent."""
    by_key = {a.key: a for a in actions}
    written = [
        (by_key[o.key], o.persona_id)
        for o in outcomes
        if o.status == "succeeded" and o.kind in WRITES and o.persona_id and o.key in by_key
    ]
    try:
        docs = await _read(client, [(action.resource_kind, pid) for action, pid in written])
    except ApiError as exc:
        text = f"Could not read back what was written ({exc.message}); run plan to check."
        emit(Event("", "warning", text))
        return [text]
    warnings = []
    for action, persona_id in written:
        for text in _compare(action, persona_id, docs.get(persona_id)):
            emit(Event(action.key, "warning", text))
            warnings.append(text)
    return warnings


async def _read(
    client: TavusClient, wanted: list[tuple[Kind, str]]
) -> Mapping[str, Mapping[str, object]]:
    if len(wanted) > SINGLE_READS:
        ids: dict[str, list[str]] = {}
        for kind, object_id in wanted:
            ids.setdefault(kind.name, []).append(object_id)
        return (await fetch_account(client, ids)).objects
    docs = await asyncio.gather(*(client.get(kind, i) for kind, i in wanted))
    return {i: d for (_, i), d in zip(wanted, docs, strict=True) if d is not None}


def _compare(action: Action, persona_id: str, live: Mapping[str, object] | None) -> list[str]:
    where = f"{action.key} ({persona_id})"
    if live is None:
        return [f"{where} could not be read back after the write; run plan to check it."]
    return [f"{where}: {d.describe()}." for d in _relevant(action, live)]


def _relevant(action: Action, live: Mapping[str, object]) -> list[Difference]:
    """Creates: every field sent. Updates: only the fields the operations set."""
    sent = action.applied if action.applied is not None else (action.body or {})
    found = differences(sent, live, action.resource_kind.secrets)
    if action.kind is not ActionKind.UPDATE:
        return found
    paths = [op.path for op in action.operations if op.op != "remove"]
    return [d for d in found if any(pointer.within(d.path, p) for p in paths)]
