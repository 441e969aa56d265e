"""Drift: what changed on the account outside tavusctl. Pure: made from a plan and live state.

Three kinds, and nothing else (a manifest edited in git is a change, not drift):

- ``edited``: a managed field whose live value differs from what tavusctl last applied (the
  plan's operations marked drift; apply reverts them);
- ``deleted``: a persona tavusctl recorded that is gone from the account (apply recreates it);
- ``unmanaged``: a persona tavusctl does not manage that has the ``persona_name`` of one of the
  manifests (made in the dashboard or by another tool; ``tavusctl import`` adopts it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from tavusctl.core.model import Resource
from tavusctl.plan.model import Action, ActionKind, Plan
from tavusctl.state.lockfile import Lockfile


class DriftKind(str, Enum):
    EDITED = "edited"
    DELETED = "deleted"
    UNMANAGED = "unmanaged"


@dataclass(frozen=True)
class Drifted:
    """One finding: which resource, what kind of drift, and for an edit the operations that
    would revert it (an ``Action`` holding only the drift operations)."""

    kind: DriftKind
    key: str
    name: str
    persona_id: str | None
    display: str | None = None
    action: Action | None = None


@dataclass(frozen=True)
class DriftReport:
    findings: tuple[Drifted, ...]

    @property
    def has_drift(self) -> bool:
        return bool(self.findings)

    def count(self, kind: DriftKind) -> int:
        return sum(f.kind is kind for f in self.findings)


def find_drift(
    plan: Plan,
    resources: Sequence[Resource],
    lock: Lockfile,
    live: Mapping[str, Mapping[str, Any]],
) -> DriftReport:
    """Every change made outside tavusctl, in key order (edits, deletions, look-alikes)."""
    names = {r.key: _display(r.spec) for r in resources}
    names.update({k: _display(e.applied) for k, e in lock.entries.items() if k not in names})
    found: list[Drifted] = []
    for action in plan.actions:
        found += _of_action(action, names.get(action.key))
    found += _unmanaged(resources, lock, live)
    return DriftReport(
        tuple(sorted(found, key=lambda f: (f.key, f.kind.value, f.persona_id or "")))
    )


def _of_action(action: Action, display: str | None) -> list[Drifted]:
    if action.kind is ActionKind.RECREATE:
        return [Drifted(DriftKind.DELETED, action.key, action.name, action.persona_id, display)]
    drifted = tuple(op for op in action.operations if op.drift)
    if action.kind is not ActionKind.UPDATE or not drifted:
        return []
    only = replace(action, operations=drifted)
    return [Drifted(DriftKind.EDITED, action.key, action.name, action.persona_id, display, only)]


def _unmanaged(
    resources: Sequence[Resource], lock: Lockfile, live: Mapping[str, Mapping[str, Any]]
) -> list[Drifted]:
    managed = {e.id for e in lock.entries.values() if e.id}
    by_name: dict[str, list[str]] = {}
    for persona_id, doc in live.items():
        name = _display(doc)
        if persona_id not in managed and name:
            by_name.setdefault(name, []).append(persona_id)
    return [
        Drifted(DriftKind.UNMANAGED, r.key, r.name, persona_id, _display(r.spec))
        for r in resources
        for persona_id in sorted(by_name.get(_display(r.spec) or "", []))
    ]


def _display(spec: Mapping[str, Any]) -> str | None:
    name = spec.get("persona_name")
    return name if isinstance(name, str) and name else None
