"""The Plan: immutable value objects, and the pure planner.

``make_plan(desired, lock, live, ...)`` is a pure function: no I/O, no printing, no clock. It
returns one :class:`Action` per resource. ``apply`` executes a Plan and never diffs by itself.

Secret values may appear in ``Operation.value`` and ``Action.body`` (apply must send them);
every Operation and body position that holds one is listed as sensitive, renderers print
``(sensitive value)`` and plan files store a reference instead (see ``planfile``).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from tavusctl.core import pointer
from tavusctl.core.errors import PlanError
from tavusctl.core.model import Resource
from tavusctl.core.redact import hashed
from tavusctl.core.secrets import secret_paths
from tavusctl.state.lockfile import LockEntry, Lockfile


class Missing:
    """The absence of a value (distinct from JSON ``null``)."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = Missing()


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


@dataclass(frozen=True)
class Operation:
    """One RFC 6902 operation of an update, with what the plan knew when making it.

    ``old`` is the live value the plan saw at ``path`` (``MISSING`` if absent): apply turns it
    into a ``test`` precondition, and renderers show it. ``drift`` is true when the operation
    reverts a managed field changed outside tavusctl (live differs from last-applied).
    ``sensitive`` marks a secret field: its ``value``/``old`` are never rendered or stored.
    """

    op: str  # "add" | "remove" | "replace"
    path: str
    value: Any = MISSING
    old: Any = MISSING
    drift: bool = False
    sensitive: bool = False

    def to_patch(self) -> dict[str, Any]:
        """The wire form of this operation (secret values included: for the API only)."""
        out: dict[str, Any] = {"op": self.op, "path": self.path}
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
    - ``persona_name``: the persona's display name, to show beside a delete.
    - ``twins``: for a create, the unmanaged live personas with the same ``persona_name``: the
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
        """A create that must not run: a persona of its name exists, unmanaged."""
        return bool(self.twins)


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


# Fields the server changes on its own: a change to them alone does not make a saved plan stale.
VOLATILE = frozenset({"updated_at"})


def make_plan(
    desired: Sequence[Resource],
    lock: Lockfile,
    live: Mapping[str, Mapping[str, Any]],
    *,
    prune: bool = False,
    targets: Sequence[str] = (),
    scope: Scope | None = None,
) -> Plan:
    """Decide one action per resource from the manifests, the lockfile and live personas.

    ``live`` maps persona id to the live document. ``targets`` (names or keys) limits the
    plan; an unknown target is a :class:`PlanError`. ``scope`` says which lockfile entries the
    manifests given cover and where each manifest lives (default: every entry). Pure: no I/O.
    """
    scope = scope or Scope()
    resources = _by_key(desired)
    covered = {k for k in lock.entries if scope.covers(k)}
    keys = _select(set(resources) | covered, targets)
    actions = tuple(
        _with_twins(_action(k, resources.get(k), lock, live, prune, scope), lock, live, scope)
        for k in sorted(keys)
    )
    warnings = tuple(w for a in actions if (w := _warning(a, lock.entries.get(a.key))))
    return Plan(actions, prune=prune, targets=tuple(targets), warnings=warnings, salt=lock.salt)


@dataclass(frozen=True)
class Scope:
    """What the manifests given to a plan cover (computed where paths are known).

    ``files``: each desired resource's manifest file, relative to the lockfile's folder.
    ``entries``: the lockfile keys whose recorded manifest file is under the PATHs given
    (``None``: all). An entry outside is no part of the plan: neither orphan nor delete.
    ``duplicates_allowed``: keys whose create may share a live persona's ``persona_name``
    (``--allow-duplicate-names`` or the manifest's annotation; ``"*"`` for every key).
    """

    files: Mapping[str, str] = field(default_factory=dict)
    entries: frozenset[str] | None = None
    duplicates_allowed: frozenset[str] = frozenset()

    def covers(self, key: str) -> bool:
        return self.entries is None or key in self.entries

    def allows_duplicate(self, key: str) -> bool:
        return "*" in self.duplicates_allowed or key in self.duplicates_allowed


def _by_key(desired: Sequence[Resource]) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for resource in desired:
        if resource.key in out:
            raise PlanError(
                f"{resource.key} is defined twice: at {out[resource.key].location} and at "
                f"{resource.location}. Keep one of them."
            )
        out[resource.key] = resource
    return out


def _select(keys: set[str], targets: Sequence[str]) -> set[str]:
    """The keys named by ``targets`` (each a name like ``interviewer`` or a key)."""
    if not targets:
        return keys
    names = {key.split("/", 1)[-1]: key for key in keys}
    unknown = [t for t in targets if t not in keys and t not in names]
    if unknown:
        known = ", ".join(sorted(names)) or "none"
        raise PlanError(
            f"Unknown target {unknown[0]!r}: no manifest or lockfile entry has that name. "
            f"Known names: {known}."
        )
    return {t if t in keys else names[t] for t in targets}


def _action(
    key: str,
    resource: Resource | None,
    lock: Lockfile,
    live: Mapping[str, Mapping[str, Any]],
    prune: bool,
    scope: Scope,
) -> Action:
    entry = lock.entries.get(key)
    if resource is None:
        return _gone_from_manifests(key, _require(entry), live, prune, lock.salt)
    file = scope.files.get(key)
    if entry is None or entry.id is None:
        return replace(_new(ActionKind.CREATE, resource, lock.salt), file=file)
    if entry.id not in live:
        return replace(_new(ActionKind.RECREATE, resource, lock.salt, entry.id), file=file)
    return replace(_update(resource, entry, entry.id, live[entry.id], lock.salt), file=file)


def _with_twins(
    action: Action, lock: Lockfile, live: Mapping[str, Mapping[str, Any]], scope: Scope
) -> Action:
    """Block a create when an unmanaged live persona has its ``persona_name``.

    Such a persona is most likely this very one, created by a run whose lockfile was lost (a
    CI run that never committed it, a checkout that dropped it, another folder): creating it
    again would make a duplicate. Not for a create whose intent is recorded: apply adopts
    what the interrupted run created.
    """
    entry = lock.entries.get(action.key)
    if action.kind not in (ActionKind.CREATE, ActionKind.RECREATE) or action.body is None:
        return action
    if (entry is not None and entry.id is None) or scope.allows_duplicate(action.key):
        return action
    name = action.body.get("persona_name")
    if not isinstance(name, str) or not name:
        return action
    managed = {e.id for e in lock.entries.values() if e.id}
    twins = sorted(
        pid for pid, doc in live.items() if pid not in managed and doc.get("persona_name") == name
    )
    return replace(action, twins=tuple(twins)) if twins else action


def _require(entry: LockEntry | None) -> LockEntry:
    assert entry is not None, "a key comes from the manifests or the lockfile"
    return entry


def _gone_from_manifests(
    key: str, entry: LockEntry, live: Mapping[str, Mapping[str, Any]], prune: bool, salt: str
) -> Action:
    doc = live.get(entry.id) if entry.id else None
    shown = (doc or {}).get("persona_name", entry.applied.get("persona_name"))
    return Action(
        kind=ActionKind.DELETE if prune else ActionKind.ORPHAN,
        key=key,
        name=key.split("/", 1)[-1],
        persona_id=entry.id,
        live_fingerprint=None if doc is None else live_fingerprint(doc, salt),
        file=entry.file,
        persona_name=shown if isinstance(shown, str) else None,
    )


def _new(kind: ActionKind, resource: Resource, salt: str, old_id: str | None = None) -> Action:
    """A create (or recreate: ``persona_id`` is then the id that is gone)."""
    secret = _secrets_of(resource)
    return Action(
        kind=kind,
        key=resource.key,
        name=resource.name,
        persona_id=old_id,
        body=copy.deepcopy(dict(resource.spec)),
        applied=hashed(resource.spec, salt, secret),
        sensitive_paths=secret,
    )


def _update(
    resource: Resource, entry: LockEntry, persona_id: str, doc: Mapping[str, Any], salt: str
) -> Action:
    from tavusctl.plan.diff import three_way  # diff imports this module's value objects

    secret = _secrets_of(resource)
    ops = three_way(
        resource.spec, entry.applied, doc, salt=salt, secret_paths=secret, name=resource.key
    )
    return Action(
        kind=ActionKind.UPDATE if ops else ActionKind.NOOP,
        key=resource.key,
        name=resource.name,
        persona_id=persona_id,
        operations=ops,
        applied=hashed(resource.spec, salt, secret),
        live_fingerprint=live_fingerprint(doc, salt),
        sensitive_paths=secret,
    )


def _secrets_of(resource: Resource) -> frozenset[str]:
    """Pointers of every secret field of the spec: by rule, and as the loader marked them."""
    marked = (p for p in resource.secrets if pointer.exists(resource.spec, p))
    return frozenset(secret_paths(resource.spec)) | frozenset(marked)


def live_fingerprint(doc: Mapping[str, Any], salt: str) -> str:
    """A keyed hash of a live document, minus server-volatile fields, to spot later changes."""
    body = {k: v for k, v in doc.items() if k not in VOLATILE}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
    return "hmac-sha256:" + hmac.new(salt.encode(), text.encode(), hashlib.sha256).hexdigest()


def blocked_reason(action: Action) -> str:
    """Why a blocked create is not run, and what to do instead."""
    ids = ", ".join(action.twins)
    first = action.twins[0]
    what = "an unmanaged persona" if len(action.twins) == 1 else "unmanaged personas"
    return (
        f"not created: {what} with this persona_name exists: {ids}. Adopt it with "
        f"`tavusctl import {action.name} {first}` (or all such at once: `tavusctl import "
        "--by-name`); to create another persona of the same name, pass "
        "--allow-duplicate-names or annotate the manifest with "
        '`tavusctl.io/allow-duplicate-name: "true"`.'
    )


def _warning(action: Action, entry: LockEntry | None) -> str | None:
    if entry is not None and entry.id is None:
        return (
            f"{action.key}: a create was started at {entry.intent_at or 'an unknown time'} but "
            "its result was never recorded; apply will adopt the persona if it was created."
        )
    if action.kind is ActionKind.DELETE and action.live_fingerprint is None:
        return f"{action.key} is already gone from the account; apply will only forget it."
    return None
