"""The order of an apply's writes: waves, concurrent within a wave.

Creates and updates come first, each in a wave after the creates its ``${ref:Kind/name}``
references wait for (a reference left as written by the planner names an object that this
apply creates). Deletes come last, in reverse: an object is deleted after the objects being
deleted that refer to it (their recorded spec holds its id). Just before an action is sent,
:func:`fill` replaces its references by the ids recorded meanwhile.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from tavusctl.core import pointer, refs
from tavusctl.plan.model import Action, ActionKind
from tavusctl.state.lockfile import Lockfile


def waves(actions: Sequence[Action], lock: Lockfile) -> list[list[Action]]:
    """``actions`` (changing ones) in waves: writes by their references, then deletes."""
    writes = [a for a in actions if a.kind is not ActionKind.DELETE]
    deletes = [a for a in actions if a.kind is ActionKind.DELETE]
    created = {a.key for a in writes if a.kind in (ActionKind.CREATE, ActionKind.RECREATE)}
    after = {a.key: {k for k in waiting_for(a) if k in created and k != a.key} for a in writes}
    by_id = {a.persona_id: a.key for a in deletes if a.persona_id is not None}
    referrers: dict[str, set[str]] = {a.key: set() for a in deletes}
    for action in deletes:
        entry = lock.entries.get(action.key)
        for _, value in pointer.leaves(dict(entry.applied) if entry else {}, lists=True):
            named = by_id.get(value) if isinstance(value, str) else None
            if named is not None and named != action.key:
                referrers[named].add(action.key)  # deleted after its referrer
    return [w for w in (*_layers(writes, after), *_layers(deletes, referrers)) if w]


def waiting_for(action: Action) -> set[str]:
    """The keys whose ids ``action`` still needs (references left as written)."""
    found = {key for _, key in refs.refs_in(action.body or {})}
    for op in action.operations:
        found |= {key for _, key in refs.refs_in(op.value)}
    return found


def _layers(actions: list[Action], after: Mapping[str, set[str]]) -> list[list[Action]]:
    """Kahn's layers: each action in the first wave after every action it comes after."""
    left, out = list(actions), []
    while left:
        keys = {a.key for a in left}
        ready = [a for a in left if not after.get(a.key, set()) & keys]
        if not ready:  # a cycle (validate refuses them): the rest together
            ready = left
        out.append(ready)
        done = {a.key for a in ready}  # by key: ``a not in ready`` compared actions, O(N²)
        left = [a for a in left if a.key not in done]
    return out


def fill(action: Action, ids: Mapping[str, str]) -> Action:
    """``action`` with every reference replaced by the id in ``ids`` (body, operations and the
    spec to record)."""
    if not waiting_for(action):
        return action
    operations = tuple(
        dataclasses.replace(op, value=refs.substitute(op.value, ids.get))
        for op in action.operations
    )
    return dataclasses.replace(
        action,
        body=_mapping(refs.substitute(action.body, ids.get)),
        operations=operations,
        applied=_mapping(refs.substitute(action.applied, ids.get)),
    )


def _mapping(value: object) -> Mapping[str, object] | None:
    return value if isinstance(value, Mapping) else None
