"""The Plan as data: immutable value objects, made by the planner, read by everything after it.

Secret values may appear in ``Operation.value`` and ``Action.body`` (apply must send them);
every Operation and body position that holds one is listed as sensitive, renderers print
``(sensitive value)`` and plan files store a reference instead (see :mod:`tavusctl.plan.saved`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, TypedDict

from tavusctl.core.payloads import PatchOp
from tavusctl.core.secrets import IsSecret
from tavusctl.core.values import MISSING
from tavusctl.kinds import Kind, of_key

Verb = Literal["add", "remove", "replace"]


class ActionKind(str, Enum):
    """What apply will do with one resource."""

    CREATE = "create"  # in manifests, not in the lockfile: POST
    UPDATE = "update"  # differs from live: PATCH with ``operations``
    DELETE = "delete"  # in the lockfile, not in manifests, --prune: DELETE
    ORPHAN = "orphan"  # in the lockfile, not in manifests, no --prune: shown, never touched
    RECREATE = "recreate"  # in the lockfile but gone from the account: POST again
    NOOP = "noop"  # nothing to do

    @property
    def changes(self) -> bool:
        return self not in (ActionKind.NOOP, ActionKind.ORPHAN)


class _OperationJson(TypedDict):
    op: str
    path: str
    drift: bool
    sensitive: bool


class OperationJson(_OperationJson, total=False):
    """One operation as JSON (``plan --format json``, plan files): ``value`` and ``old`` as
    the writer may show them, left out when absent."""

    value: object
    old: object


@dataclass(frozen=True)
class Operation:
    """One RFC 6902 operation of an update, with what the plan knew when making it.

    ``old`` is the live value the plan saw at ``path`` (``MISSING`` if absent): apply turns it
    into a ``test`` precondition, and renderers show it. ``drift`` is true when the operation
    reverts a managed field changed outside tavusctl (live differs from last-applied).
    ``sensitive`` marks a secret field: its ``value``/``old`` are never rendered or stored.
    """

    op: Verb
    path: str
    value: object = MISSING
    old: object = MISSING
    drift: bool = False
    sensitive: bool = False

    def to_json(self, value: object, old: object) -> OperationJson:
        """This operation as JSON, with ``value`` and ``old`` as the caller may show them
        (``MISSING``: left out)."""
        out: OperationJson = {
            "op": self.op,
            "path": self.path,
            "drift": self.drift,
            "sensitive": self.sensitive,
        }
        if value is not MISSING:
            out["value"] = value
        if old is not MISSING:
            out["old"] = old
        return out

    def to_patch(self) -> PatchOp:
        """The wire form of this operation (secret values included: for the API only)."""
        out: PatchOp = {"op": self.op, "path": self.path}
        if self.value is not MISSING:
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class Action:
    """The plan for one resource.

    - ``body``: the document to POST for create/recreate (resolved, secrets in memory only).
    - ``operations``: the JSON Patch for update, in order.
    - ``applied``: what the lockfile records once this action succeeds: the desired spec with
      secret values replaced by salted hashes (``None`` for delete/orphan).
    - ``live_fingerprint``: a hash of the live document the plan saw (``None`` if none), so a
      saved plan can be refused when the persona changed since.
    - ``sensitive_paths``: pointers (within ``body``/spec) of secret fields.
    - ``file``: the manifest file (relative to the lockfile's folder) the lockfile records.
    - ``persona_name``: the resource's display name, to show beside a delete.
    - ``twins``: for a create, the unmanaged live resources with the same display name: the
      create is blocked (apply creates nothing for it); they should be imported instead.
    """

    kind: ActionKind
    key: str  # "Persona/<name>"
    name: str
    persona_id: str | None = None
    body: Mapping[str, Any] | None = None
    operations: tuple[Operation, ...] = ()
    applied: Mapping[str, Any] | None = None
    live_fingerprint: str | None = None
    sensitive_paths: frozenset[str] = frozenset()
    file: str | None = None
    persona_name: str | None = None
    twins: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        """A create that must not run: a resource of its name exists, unmanaged."""
        return bool(self.twins)

    @property
    def resource_kind(self) -> Kind:
        """The kind of the resource (from its key)."""
        return of_key(self.key)

    @property
    def is_secret(self) -> IsSecret:
        """Whether a pointer names a secret field of this resource: its kind's rule, plus the
        paths the loader marked (:attr:`sensitive_paths`)."""
        return self.resource_kind.secrets.marked(self.sensitive_paths)


@dataclass(frozen=True)
class Plan:
    """Every action, sorted by key; plus the options it was made with.

    ``salt`` is the lockfile salt that the secret hashes and live fingerprints were made with.
    """

    actions: tuple[Action, ...]
    prune: bool = False
    targets: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    salt: str = ""

    @property
    def has_changes(self) -> bool:
        return any(a.kind.changes for a in self.actions)

    @property
    def blocked(self) -> tuple[Action, ...]:
        """The creates that are blocked by an unmanaged twin (see ``Action.twins``)."""
        return tuple(a for a in self.actions if a.blocked)

    def counts(self) -> dict[ActionKind, int]:
        """How many actions of each kind."""
        out = dict.fromkeys(ActionKind, 0)
        for action in self.actions:
            out[action.kind] += 1
        return out


def blocked_reason(action: Action) -> str:
    """Why a blocked create is not run, and what to do instead."""
    ids = ", ".join(action.twins)
    first = action.twins[0]
    what = "an unmanaged persona" if len(action.twins) == 1 else "unmanaged personas"
    field_name = action.resource_kind.name_field
    return (
        f"not created: {what} with this {field_name} exists: {ids}. Adopt it with "
        f"`tavusctl import {action.name} {first}` (or all such at once: `tavusctl import "
        "--by-name`); to create another persona of the same name, pass "
        "--allow-duplicate-names or annotate the manifest with "
        '`tavusctl.io/allow-duplicate-name: "true"`.'
    )
