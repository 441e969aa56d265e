"""The pure planner: manifests, lockfile and live state in, a :class:`~tavusctl.plan.model.Plan` out.

``make_plan(desired, lock, live, ...)`` is a pure function: no I/O, no printing, no clock. It
returns one :class:`Action` per resource. ``apply`` executes a Plan and never diffs by itself.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from tavusctl.core import pointer, refs
from tavusctl.core.errors import PlanError
from tavusctl.core.model import Resource
from tavusctl.core.secrets import IsSecret
from tavusctl.core.values import MISSING
from tavusctl.kinds import PERSONA, Kind, of, of_key
from tavusctl.plan.diff import three_way
from tavusctl.plan.model import Action, ActionKind, Operation, Plan, Verb
from tavusctl.plan.redact import has_secret, hashed
from tavusctl.state.lockfile import LockEntry, Lockfile


def make_plan(
    desired: Sequence[Resource],
    lock: Lockfile,
    live: Mapping[str, Mapping[str, object]],
    *,
    prune: bool = False,
    targets: Sequence[str] = (),
    scope: Scope | None = None,
) -> Plan:
    """Decide one action per resource from the manifests, the lockfile and live objects.

    ``live`` maps an id to the live document (of any kind: ids differ across kinds).
    ``targets`` (names or keys) limits the plan; an unknown target is a :class:`PlanError`.
    ``scope`` says which lockfile entries the manifests given cover and where each manifest
    lives (default: every entry). Pure: no I/O.
    """
    scope = scope or Scope()
    by_key = _by_key(desired)
    resources = _resolved(by_key, lock, live)
    covered = {k for k in lock.entries if scope.covers(k)}
    keys = _select(set(resources) | covered, targets)
    if targets:
        keys = _with_dependencies(keys, by_key)
    actions = tuple(
        _with_twins(_action(k, resources.get(k), lock, live, prune, scope), lock, live, scope)
        for k in sorted(keys)
    )
    _check_deletes(actions, resources)
    warnings = tuple(w for a in actions if (w := _warning(a, lock.entries.get(a.key))))
    return Plan(actions, prune=prune, targets=tuple(targets), warnings=warnings, salt=lock.salt)


@dataclass(frozen=True)
class Scope:
    """What the manifests given to a plan cover (computed where paths are known).

    ``files``: each desired resource's manifest file, relative to the lockfile's folder.
    ``entries``: the lockfile keys whose recorded manifest file is under the PATHs given
    (``None``: all). An entry outside is no part of the plan: neither orphan nor delete.
    ``duplicates_allowed``: keys whose create may share a live resource's display name
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


def _resolved(
    resources: dict[str, Resource], lock: Lockfile, live: Mapping[str, Mapping[str, object]]
) -> dict[str, Resource]:
    """Each spec with every ``${ref:Kind/name}`` replaced by the id the state records for it,
    if that object is still there; a reference to one that apply creates stays as written
    (shown as known after apply, filled in by apply)."""
    ids = {
        key: entry.id
        for key, entry in lock.entries.items()
        if entry.id is not None and entry.id in live
    }
    return {
        key: replace(r, spec=_as_spec(refs.substitute(r.spec, ids.get)))
        for key, r in resources.items()
    }


def _as_spec(value: object) -> dict[str, object]:
    assert isinstance(value, dict), "a spec is an object"
    return value


def _check_deletes(actions: Sequence[Action], resources: Mapping[str, Resource]) -> None:
    """A resource about to be deleted that a manifest still names (by reference or by its id)
    cannot be deleted: a PlanError naming the referrer."""
    for action in actions:
        if action.kind is not ActionKind.DELETE:
            continue
        for resource in resources.values():
            for path, value in pointer.leaves(resource.spec, lists=True):
                if value == refs.written(action.key) or (
                    action.persona_id is not None and value == action.persona_id
                ):
                    raise PlanError(_still_named(action, resource, path))


def _still_named(action: Action, resource: Resource, path: str) -> str:
    where = resource.locations.get(path, resource.location)
    return (
        f"{action.key} ({action.persona_id}) would be deleted, but {resource.key} still refers "
        f"to it at spec{path.replace('/', '.')} ({where}). Remove the reference from "
        f"{resource.key} first, or keep the manifest of {action.key}."
    )


def _with_dependencies(keys: set[str], resources: Mapping[str, Resource]) -> set[str]:
    """``keys`` and every resource their manifests refer to, transitively: a targeted referrer
    is planned with what it needs (as Terraform's ``-target`` does)."""
    out, todo = set(keys), list(keys)
    while todo:
        resource = resources.get(todo.pop())
        for _, needed in refs.refs_in(resource.spec) if resource else ():
            if needed in resources and needed not in out:
                out.add(needed)
                todo.append(needed)
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
            f"Unknown target {unknown[0]!r}: no manifest or state entry has that name. "
            f"Known names: {known}."
        )
    return {t if t in keys else names[t] for t in targets}


def _action(
    key: str,
    resource: Resource | None,
    lock: Lockfile,
    live: Mapping[str, Mapping[str, object]],
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
    action: Action, lock: Lockfile, live: Mapping[str, Mapping[str, object]], scope: Scope
) -> Action:
    """Block a create when an unmanaged live resource has its display name (``persona_name``).

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
    field_name = action.resource_kind.name_field
    name = action.body.get(field_name)
    if not isinstance(name, str) or not name:
        return action
    managed = {e.id for e in lock.entries.values() if e.id}
    twins = sorted(
        pid for pid, doc in live.items() if pid not in managed and doc.get(field_name) == name
    )
    return replace(action, twins=tuple(twins)) if twins else action


def _require(entry: LockEntry | None) -> LockEntry:
    assert entry is not None, "a key comes from the manifests or the lockfile"
    return entry


def _gone_from_manifests(
    key: str, entry: LockEntry, live: Mapping[str, Mapping[str, object]], prune: bool, salt: str
) -> Action:
    doc = live.get(entry.id) if entry.id else None
    field_name = of_key(key).name_field
    shown = (doc or {}).get(field_name, entry.applied.get(field_name))
    return Action(
        kind=ActionKind.DELETE if prune else ActionKind.ORPHAN,
        key=key,
        name=key.split("/", 1)[-1],
        persona_id=entry.id,
        live_fingerprint=None if doc is None else live_fingerprint(doc, salt, of_key(key)),
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
        applied=hashed(resource.spec, salt, of(resource.kind).secrets.marked(secret)),
        sensitive_paths=secret,
    )


def _update(
    resource: Resource, entry: LockEntry, persona_id: str, doc: Mapping[str, object], salt: str
) -> Action:
    kind, secret = of(resource.kind), _secrets_of(resource)
    ops = three_way(
        resource.spec,
        entry.applied,
        doc,
        salt=salt,
        secret_paths=secret,
        name=resource.key,
        kind=kind,
    )
    if kind.update.whole_fields:
        ops = whole_fields(ops, resource.spec, doc, kind.secrets.marked(secret))
    return Action(
        kind=ActionKind.UPDATE if ops else ActionKind.NOOP,
        key=resource.key,
        name=resource.name,
        persona_id=persona_id,
        operations=ops,
        applied=hashed(resource.spec, salt, kind.secrets.marked(secret)),
        live_fingerprint=live_fingerprint(doc, salt, kind),
        sensitive_paths=secret,
    )


def whole_fields(
    ops: tuple[Operation, ...],
    desired: Mapping[str, object],
    live: Mapping[str, object],
    is_secret: IsSecret,
) -> tuple[Operation, ...]:
    """``ops`` as whole top-level fields, for a kind whose update sends them (a plain JSON body,
    or JSON Patch of top-level fields): every field an operation touches is sent whole
    (``remove`` if desired dropped it, ``add`` if live lacks it)."""
    out: dict[str, Operation] = {}
    for op in ops:
        field = pointer.split(op.path)[0]
        path = pointer.join([field])
        before = out.get(path)
        old, value = live.get(field, MISSING), copy.deepcopy(desired.get(field, MISSING))
        drift = op.drift or bool(before and before.drift)
        sensitive = op.sensitive or bool(before and before.sensitive)
        sensitive = sensitive or any(has_secret(v, path, is_secret) for v in (old, value))
        verb: Verb = "remove" if value is MISSING else "add" if old is MISSING else "replace"
        out[path] = Operation(verb, path, value, old, drift, sensitive)
    return tuple(out.values())


def _secrets_of(resource: Resource) -> frozenset[str]:
    """Pointers of every secret field of the spec: by its kind's rule, and as the loader
    marked them."""
    marked = (p for p in resource.secrets if pointer.exists(resource.spec, p))
    return frozenset(of(resource.kind).secrets.paths(resource.spec)) | frozenset(marked)


def live_fingerprint(doc: Mapping[str, object], salt: str, kind: Kind = PERSONA) -> str:
    """A keyed hash of a live document, minus the kind's server-volatile fields, to spot later
    changes."""
    body = {k: v for k, v in doc.items() if k not in kind.volatile}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
    return "hmac-sha256:" + hmac.new(salt.encode(), text.encode(), hashlib.sha256).hexdigest()


def _warning(action: Action, entry: LockEntry | None) -> str | None:
    if entry is not None and entry.id is None:
        return (
            f"{action.key}: a create was started at {entry.intent_at or 'an unknown time'} but "
            f"its result was never recorded; apply will adopt the {action.resource_kind.noun} if "
            "it was created."
        )
    if action.kind is ActionKind.DELETE and action.live_fingerprint is None:
        return f"{action.key} is already gone from the account; apply will only forget it."
    return None
