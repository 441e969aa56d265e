"""Saved plans (``plan -o FILE``, ``apply FILE``): text in, text out, no secret values.

The file is JSON holding ``format_version``, the plan (operations and create bodies with each
secret value replaced by ``{"$secret": "<pointer>", "hash": "<keyed hash>"}``), the lockfile
salt, a fingerprint of the manifests and of the lockfile it was made from, each action's
``live_fingerprint``, and a ``mac`` of all of it. ``apply`` checks the mac (:func:`loads`), the
fingerprints (:func:`check_fresh`) and puts the secret values back from the freshly loaded
manifests (:func:`resolve_secrets`). Operations on secrets keep no ``old`` value.

Every hash and the mac are keyed with a :class:`PlanKey` derived from the API key, which is not
in the file: an edited plan (an update pointing ``base_url`` elsewhere, say) is refused, and the
hashes are no offline oracle for guessing a weak secret. A plan is therefore applied with the
API key it was made with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict

from tavusctl.core import display, jsontext, pointer
from tavusctl.core.errors import PlanError
from tavusctl.core.model import Resource
from tavusctl.core.secrets import IsSecret, hash_secret
from tavusctl.core.values import MISSING
from tavusctl.kinds import of
from tavusctl.plan.model import Action, ActionKind, Operation, OperationJson, Plan
from tavusctl.plan.planner import live_fingerprint
from tavusctl.plan.redact import hashed, swap

FORMAT_VERSION = "2"


class ActionJson(TypedDict):
    """One action in a plan file."""

    kind: str
    key: str
    name: str
    persona_id: str | None
    body: object
    operations: list[OperationJson]
    applied: Mapping[str, object] | None
    live_fingerprint: str | None
    sensitive_paths: list[str]
    file: str | None
    persona_name: str | None
    twins: list[str]


class PlanFileJson(TypedDict):
    """A plan file (``plan -o FILE``). ``manifest_fingerprints`` (each manifest's, by key) names
    what changed; ``file``, ``persona_name`` and ``twins`` of actions may be absent in files
    written before them."""

    format_version: str
    inputs: dict[str, object]
    manifests_fingerprint: str
    lockfile_fingerprint: str
    manifest_fingerprints: dict[str, str]
    salt: str
    prune: bool
    targets: list[str]
    warnings: list[str]
    actions: list[ActionJson]


_REMAKE = "Make a new plan with `tavusctl plan -o FILE`."


@dataclass(frozen=True)
class PlanKey:
    """The key of a saved plan's hashes and mac: derived from the API key and the salt, never
    stored. ``secret`` is hex text (``hash_secret`` takes text as its key)."""

    secret: str

    @classmethod
    def derive(cls, api_key: str, salt: str) -> PlanKey:
        message = f"tavusctl saved plan v{FORMAT_VERSION}\0{salt}".encode()
        return cls(hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest())

    def hash(self, value: object) -> str:
        """A keyed hash of ``value`` (a secret, or a hash made with the lockfile salt)."""
        return hash_secret(value, self.secret)

    def mac(self, doc: Mapping[str, object]) -> str:
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return (
            "hmac-sha256:"
            + hmac.new(self.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        )


@dataclass(frozen=True)
class SavedPlan:
    """A plan read back from a file; its secret positions hold references until resolved."""

    plan: Plan
    manifests_fingerprint: str
    lockfile_fingerprint: str
    inputs: Mapping[str, object] = field(default_factory=dict)  # what manifests were loaded
    manifest_fingerprints: Mapping[str, str] = field(default_factory=dict)  # per resource key


def fingerprint(text: str) -> str:
    """A fingerprint of some text (e.g. the lockfile as read)."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def manifests_fingerprint(resources: Iterable[Resource], salt: str) -> str:
    """A fingerprint of the desired state as loaded: resolved values, secrets as hashes.

    Taken from loaded resources rather than file text, so that a changed ``${env:…}`` or
    ``${file:…}`` value makes a saved plan stale too.
    """
    state = {r.key: hashed(r.spec, salt, of(r.kind).secrets.marked(r.secrets)) for r in resources}
    return fingerprint(json.dumps(state, sort_keys=True, ensure_ascii=False, default=repr))


def each_manifest_fingerprint(resources: Iterable[Resource], salt: str) -> dict[str, str]:
    """:func:`manifests_fingerprint` of each resource alone, by key: names what changed."""
    return {r.key: manifests_fingerprint([r], salt) for r in resources}


def dumps(
    plan: Plan,
    key: PlanKey,
    *,
    manifests_fingerprint: str,
    lockfile_fingerprint: str,
    inputs: Mapping[str, object] | None = None,
    manifest_fingerprints: Mapping[str, str] | None = None,
) -> str:
    """The text of a saved plan. It holds no secret value, and no hash made without ``key``.

    ``manifests_fingerprint`` must be made with ``key`` (:func:`manifests_fingerprint`);
    ``inputs`` (JSON-able) records how the manifests were loaded, so apply can load them again.
    """
    doc: PlanFileJson = {
        "format_version": FORMAT_VERSION,
        "inputs": dict(inputs or {}),
        "manifests_fingerprint": manifests_fingerprint,
        "lockfile_fingerprint": lockfile_fingerprint,
        "manifest_fingerprints": dict(manifest_fingerprints or {}),
        "salt": plan.salt,
        "prune": plan.prune,
        "targets": list(plan.targets),
        "warnings": list(plan.warnings),
        "actions": [_action_out(a, key) for a in plan.actions],
    }
    signed: dict[str, object] = json.loads(json.dumps(doc))  # the mac is of what loads sees
    signed["mac"] = key.mac(signed)
    return json.dumps(signed, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _action_out(action: Action, key: PlanKey) -> ActionJson:
    def ref(path: str, _: object) -> dict[str, str]:
        return {"$secret": path, "hash": key.hash(pointer.get(action.applied or {}, path, ""))}

    test = action.is_secret
    applied = action.applied
    return {
        "kind": action.kind.value,
        "key": action.key,
        "name": action.name,
        "persona_id": action.persona_id,
        "body": None if action.body is None else swap(action.body, "", test, ref),
        "operations": [_op_out(op, test, ref) for op in action.operations],
        "applied": None if applied is None else swap(applied, "", test, lambda _, h: key.hash(h)),
        "live_fingerprint": _keyed(action.live_fingerprint, key),
        "sensitive_paths": sorted(action.sensitive_paths),
        "file": action.file,
        "persona_name": action.persona_name,
        "twins": list(action.twins),
    }


def _keyed(fingerprint: str | None, key: PlanKey) -> str | None:
    return None if fingerprint is None else key.hash(fingerprint)


def _op_out(op: Operation, test: IsSecret, ref: Callable[[str, object], object]) -> OperationJson:
    # A secret position of the value holds a reference; a secret's old value is not kept.
    value = MISSING if op.value is MISSING else swap(op.value, op.path, test, ref)
    return op.to_json(value, MISSING if op.sensitive else op.old)


def loads(text: str, key: PlanKey, name: str = "The plan file") -> SavedPlan:
    """Read a saved plan; a corrupt or edited file, or one of another format version, is a
    PlanError."""
    try:
        doc = jsontext.load(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). {_REMAKE}"
        ) from None
    except jsontext.BadJson as exc:
        raise PlanError(f"{name} cannot be read: {exc}. {_REMAKE}") from None
    version = doc.get("format_version") if isinstance(doc, dict) else None
    if version != FORMAT_VERSION:
        raise PlanError(
            f"{name} has format version {display.cut(repr(version), 40)}, but this tavusctl "
            f"reads version {FORMAT_VERSION!r} only. {_REMAKE}"
        )
    mac = doc.pop("mac", None)
    if not isinstance(mac, str) or not hmac.compare_digest(mac, key.mac(doc)):
        raise PlanError(
            f"{name} was changed after tavusctl wrote it, or was made with another API key: it "
            f"is not applied. {_REMAKE}"
        )
    try:
        return _saved(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"{name} is malformed (missing or bad {exc}). {_REMAKE}") from None


def _saved(doc: dict[str, Any]) -> SavedPlan:
    plan = Plan(
        actions=tuple(_action_in(a) for a in doc["actions"]),
        prune=bool(doc["prune"]),
        targets=tuple(str(t) for t in doc["targets"]),
        warnings=tuple(str(w) for w in doc["warnings"]),
        salt=str(doc["salt"]),
    )
    fingerprints = str(doc["manifests_fingerprint"]), str(doc["lockfile_fingerprint"])
    each = {str(k): str(v) for k, v in dict(doc.get("manifest_fingerprints", {})).items()}
    return SavedPlan(
        plan, *fingerprints, inputs=dict(doc.get("inputs", {})), manifest_fingerprints=each
    )


def _action_in(item: dict[str, Any]) -> Action:
    return Action(
        kind=ActionKind(item["kind"]),
        key=_typed(item["key"], str, "key"),
        name=_typed(item["name"], str, "name"),
        persona_id=_typed(item["persona_id"], (str, type(None)), "persona_id"),
        body=_typed(item["body"], (dict, type(None)), "body"),
        operations=tuple(_op_in(op) for op in _typed(item["operations"], list, "operations")),
        applied=_typed(item["applied"], (dict, type(None)), "applied"),
        live_fingerprint=_typed(item["live_fingerprint"], (str, type(None)), "live_fingerprint"),
        sensitive_paths=frozenset(
            _pointer(p) for p in _typed(item["sensitive_paths"], list, "sensitive_paths")
        ),
        file=_typed(item.get("file"), (str, type(None)), "file"),
        persona_name=_typed(item.get("persona_name"), (str, type(None)), "persona_name"),
        twins=tuple(str(t) for t in _typed(item.get("twins", []), list, "twins")),
    )


def _op_in(item: dict[str, object]) -> Operation:
    if item["op"] not in ("add", "remove", "replace"):
        raise ValueError("operation " + repr(item["op"]))
    return Operation(
        op=item["op"],
        path=_pointer(item["path"]),
        value=item.get("value", MISSING),
        old=item.get("old", MISSING),
        drift=_typed(item["drift"], bool, "drift"),
        sensitive=_typed(item["sensitive"], bool, "sensitive"),
    )


def _typed(value: Any, kind: type | tuple[type, ...], name: str) -> Any:
    if not isinstance(value, kind):
        raise TypeError(repr(name))
    return value


def _pointer(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError(f"path {display.cut(repr(value), 40)}, which must start with /")
    return value


def resolve_secrets(saved: SavedPlan, resources: Iterable[Resource], key: PlanKey) -> Plan:
    """The saved plan with every secret reference replaced by its value from ``resources``, and
    each secret hash of ``applied`` made with the lockfile salt again.

    A secret whose value no longer has the recorded hash (its variable changed since the plan
    was saved), or that is gone from the manifests, is a PlanError.
    """
    by_key = {r.key: r for r in resources}
    actions = tuple(
        _resolve_action(a, by_key.get(a.key), saved.plan.salt, key) for a in saved.plan.actions
    )
    return replace(saved.plan, actions=actions)


def _resolve_action(action: Action, resource: Resource | None, salt: str, key: PlanKey) -> Action:
    test = action.is_secret

    def value_of(path: str, ref: object) -> object:
        if not (isinstance(ref, Mapping) and set(ref) == {"$secret", "hash"}):
            raise PlanError(
                f"The saved plan for {action.key} has no secret reference at {path}. {_REMAKE}"
            )
        return _secret_value(action.key, path, ref["hash"], resource, salt, key)

    def hash_of(path: str, keyed: object) -> object:
        return hash_secret(_secret_value(action.key, path, keyed, resource, salt, key), salt)

    body = None if action.body is None else swap(action.body, "", test, value_of)
    ops = tuple(
        op if op.value is MISSING else replace(op, value=swap(op.value, op.path, test, value_of))
        for op in action.operations
    )
    applied = None if action.applied is None else swap(action.applied, "", test, hash_of)
    fingerprint = action.live_fingerprint  # still keyed: check_fresh compares it keyed
    return replace(action, body=body, operations=ops, applied=applied, live_fingerprint=fingerprint)


def _secret_value(
    key_name: str, path: str, keyed: object, resource: Resource | None, salt: str, key: PlanKey
) -> object:
    value = MISSING if resource is None else pointer.get(resource.spec, path)
    where = f"The secret at {path} of {key_name}"
    if value is MISSING:
        raise PlanError(f"{where} is no longer in the manifests. {_REMAKE}")
    if not hmac.compare_digest(key.hash(hash_secret(value, salt)), str(keyed)):
        source = resource.secrets.get(path) if resource else None
        origin = f" (from ${{env:{source}}})" if source else ""
        raise PlanError(f"{where}{origin} changed since the plan was saved. {_REMAKE}")
    return value


def check_fresh(
    saved: SavedPlan,
    key: PlanKey,
    *,
    manifests_fingerprint: str,
    lockfile_fingerprint: str,
    live: Mapping[str, Mapping[str, object]],
    manifests: Mapping[str, str] | None = None,
    where: str = "the lockfile",
) -> None:
    """Refuse a stale plan: manifests, lockfile or a planned persona's live state changed.

    ``manifests`` (each manifest's fingerprint now) lets the message name what changed;
    ``where``: how it names the state (``the lockfile``)."""
    if manifests_fingerprint != saved.manifests_fingerprint:
        raise PlanError(f"{_changed_manifests(saved, manifests or {})} {_REMAKE}")
    if lockfile_fingerprint != saved.lockfile_fingerprint:
        raise PlanError(
            f"{where[:1].upper()}{where[1:]} changed since the plan was saved. {_REMAKE}"
        )
    for action in saved.plan.actions:
        doc = live.get(action.persona_id) if action.persona_id else None
        now = None if doc is None else key.hash(live_fingerprint(doc, saved.plan.salt))
        if action.kind.changes and now != action.live_fingerprint:
            raise PlanError(
                f"{action.key} ({action.persona_id}) changed on the account since the plan was "
                f"saved. {_what_changed(action, doc)} {_REMAKE}"
            )


def _changed_manifests(saved: SavedPlan, now: Mapping[str, str]) -> str:
    """A sentence naming the manifests that changed since the plan was saved, with their files."""
    before = saved.manifest_fingerprints
    keys = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    if not before or not keys:
        return "The manifests changed since the plan was saved."
    files = {a.key: a.file for a in saved.plan.actions if a.file}

    def named(key: str) -> str:
        where = f" ({files[key]})" if key in files else ""
        what = "is new" if key not in before else "is gone" if key not in now else "changed"
        return f"{key}{where} {what}"

    shown = ", ".join(named(k) for k in keys[:3]) + (
        f" and {len(keys) - 3} more" if len(keys) > 3 else ""
    )
    return f"{shown} since the plan was saved."


def _what_changed(action: Action, doc: Mapping[str, object] | None) -> str:
    """A sentence naming the first planned path whose live value is not what the plan saw.

    Secret paths are skipped (the plan keeps no old value for them); values are never shown.
    """
    if doc is None:
        return "It is gone from the account."
    for op in action.operations:
        if not op.sensitive and pointer.get(doc, op.path) != op.old:
            return f"{op.path} is no longer what the plan saw there."
    return "It was edited outside tavusctl."
