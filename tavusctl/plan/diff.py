"""The three-way diff: desired, last-applied and live in, minimal RFC 6902 operations out.

Pure: no I/O. The rules (see README, "How plan decides"):

- *Managed* paths are the leaves of desired and of last-applied. A leaf is a scalar, a list
  (lists are replaced whole), an empty object, or a secret field; other objects are walked into.
- A desired leaf that differs from live is ``replace``d, or ``add``ed at the deepest existing
  parent with the whole missing subtree. A last-applied leaf that desired dropped is ``remove``d.
- Anything else in live (server defaults, server-owned fields, fields set elsewhere) is left alone.
- ``"true"``/``"false"`` equal booleans, ``1`` equals ``1.0``; an empty object in desired is
  satisfied by any object. Secrets compare by salted hash, masks by their visible ends
  (see :mod:`tavusctl.plan.secretdiff`); a secret we set that live hides is still removed.
- Every patch is applied to live with ``jsonpatch`` and must give the expected document.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cached_property

from tavusctl.core import pointer
from tavusctl.core.errors import InternalError
from tavusctl.core.secrets import IsSecret
from tavusctl.core.values import MISSING, same
from tavusctl.kinds import PERSONA, Kind
from tavusctl.plan.model import Operation, Verb
from tavusctl.plan.redact import has_secret
from tavusctl.plan.secretdiff import SecretView, prune_unseen, with_hidden


def three_way(
    desired: Mapping[str, object],
    last_applied: Mapping[str, object] | None,
    live: Mapping[str, object],
    *,
    salt: str,
    secret_paths: Collection[str] = (),
    name: str = "persona",
    kind: Kind = PERSONA,
) -> tuple[Operation, ...]:
    """The operations that turn ``live`` into ``desired``, in path order.

    ``last_applied`` holds secret values as ``hash_secret(value, salt)``. ``secret_paths``
    adds pointers to treat as secret besides the ``kind``'s rule, whose server-owned fields
    are left alone. ``name`` names the resource if the patch fails its own verification (a bug).
    """
    ctx = _Context(desired, last_applied or {}, live, salt, kind, secret_paths)
    ops = sorted(_update_ops(ctx) + _remove_ops(ctx), key=lambda op: pointer.split(op.path))
    if ops:  # an empty patch leaves live as it is, which is then what is expected
        _verify(ctx, ops, name)
    return tuple(ops)


def verify_patch(
    desired: Mapping[str, object],
    last_applied: Mapping[str, object] | None,
    live: Mapping[str, object],
    ops: Sequence[Operation],
    *,
    salt: str,
    secret_paths: Collection[str] = (),
    name: str = "persona",
    kind: Kind = PERSONA,
) -> None:
    """Raise InternalError unless ``ops`` turns ``live`` into exactly the expected document.

    :func:`three_way` checks each patch it makes with this before returning it.
    """
    ctx = _Context(desired, last_applied or {}, live, salt, kind, secret_paths)
    _verify(ctx, list(ops), name)


def leaves(
    doc: Mapping[str, object], is_secret: IsSecret, server_owned: Collection[str] = ()
) -> dict[str, object]:
    """Every managed leaf of ``doc`` by JSON Pointer: a scalar, a list, an empty object or a
    secret field (``server_owned`` top-level fields skipped)."""
    return {
        path: leaf
        for key, value in doc.items()
        if key not in server_owned
        for path, leaf in pointer.leaves(value, "/" + pointer.escape(str(key)), stop=is_secret)
    }


class _Context:
    """The three documents with their leaves, and how to judge one leaf."""

    def __init__(
        self,
        desired: Mapping[str, object],
        last: Mapping[str, object],
        live: Mapping[str, object],
        salt: str,
        kind: Kind,
        secret_paths: Collection[str],
    ) -> None:
        self.desired, self.live, self.salt, self.kind = desired, live, salt, kind
        self.is_secret = is_secret = kind.secrets.marked(secret_paths)
        self.want = leaves(desired, is_secret, kind.server_owned)
        self.last = leaves(last, is_secret, kind.server_owned)
        self.secrets = SecretView(self.want, self.last, live, salt, is_secret)
        self.hidden = self.hidden_drops()
        self.stored = with_hidden(live, self.hidden)

    def hidden_drops(self) -> list[str]:
        """Secrets we set that desired dropped and live hides (see :meth:`SecretView.hides`)."""
        return [
            p
            for p in self.last
            if self.is_secret(p) and not _still_wanted(self.want, p) and self.secrets.hides(p)
        ]

    def live_at(self, path: str) -> object:
        return pointer.get(self.live, path)

    @cached_property
    def differing(self) -> list[str]:
        """Desired leaves whose live value is not equivalent, in path order."""
        plain = {p: v for p, v in self.want.items() if not self.is_secret(p)}
        found = _differing_plain(plain, self.live_at)
        found += [
            p for p, v in self.want.items() if self.is_secret(p) and self.secrets.differs(p, v)
        ]
        return sorted(found, key=pointer.split)

    def drifted(self, path: str) -> bool:
        """Whether live changed ``path`` or any managed leaf under it since the last apply."""
        return any(
            self.secrets.drifted(p, last) if self.is_secret(p) else not same(self.live_at(p), last)
            for p, last in self.last.items()
            if pointer.within(p, path)
        )

    def op(self, op: Verb, path: str, value: object = MISSING) -> Operation:
        old = self.live_at(path) if op != "add" else MISSING
        sensitive = any(self.is_secret(p) for p in (*_within(self.want, path), path))
        sensitive = sensitive or any(self.is_secret(p) for p in _within(self.last, path))
        sensitive = sensitive or any(has_secret(v, path, self.is_secret) for v in (value, old))
        return Operation(op, path, value, old, self.drifted(path), sensitive)


def _within(paths: Mapping[str, object], path: str) -> list[str]:
    return [p for p in paths if pointer.within(p, path)]


def _update_ops(ctx: _Context) -> list[Operation]:
    """One ``replace`` or ``add`` per differing leaf, merged where they share a missing parent."""
    ops: dict[str, Operation] = {}
    for leaf in ctx.differing:
        path, kind = _anchor(ctx.live, leaf)
        if path not in ops:
            ops[path] = ctx.op(kind, path, copy.deepcopy(pointer.resolve(ctx.desired, path)))
    return list(ops.values())


def _anchor(live: Mapping[str, object], leaf: str) -> tuple[str, Verb]:
    """Where to write ``leaf``: itself, its first missing ancestor, or a non-object ancestor."""
    tokens = pointer.split(leaf)
    node: object = live
    for i, token in enumerate(tokens):
        if not isinstance(node, Mapping):
            return pointer.join(tokens[:i]), "replace"
        if token not in node:
            return pointer.join(tokens[: i + 1]), "add"
        node = node[token]
    return leaf, "replace"


def _remove_ops(ctx: _Context) -> list[Operation]:
    """A ``remove`` for each last-applied leaf that desired dropped and live still has (or
    hides); an object whose visible live content is all such leaves is removed whole."""
    dropped = [
        path
        for path in sorted(ctx.last, key=pointer.split)
        if not _still_wanted(ctx.want, path) and pointer.exists(ctx.stored, path)
    ]
    return [ctx.op("remove", path) for path in _collapse(dropped, ctx)]


def _collapse(dropped: list[str], ctx: _Context) -> list[str]:
    """``dropped``, with every object whose live content is all dropped replaced by itself."""
    removing = set(dropped)
    live_leaves = leaves(ctx.live, ctx.is_secret, ctx.kind.server_owned)
    for parent in sorted({a for p in dropped for a in _ancestors(p)}, key=lambda a: -a.count("/")):
        if any(pointer.related(parent, d) for d in ctx.want):
            continue
        inside = [p for p in live_leaves if pointer.below(p, parent)]
        if inside and all(any(pointer.within(p, r) for r in removing) for p in inside):
            removing = {r for r in removing if not pointer.below(r, parent)} | {parent}
    return sorted(removing, key=pointer.split)


def _ancestors(path: str) -> list[str]:
    tokens = pointer.split(path)
    return [pointer.join(tokens[:i]) for i in range(1, len(tokens))]


def _still_wanted(want: Mapping[str, object], path: str) -> bool:
    """Whether a desired leaf covers ``path``: itself, a descendant, or a non-empty ancestor."""
    if path in want or any(pointer.below(p, path) for p in want):
        return True
    tokens = pointer.split(path)
    ancestors = (pointer.join(tokens[:i]) for i in range(1, len(tokens)))
    return any(a in want and want[a] != {} for a in ancestors)


def _differing_plain(want: Mapping[str, object], live_at: Callable[[str], object]) -> list[str]:
    """Non-secret desired leaves not equivalent to live: each leaf (a scalar, a list compared
    whole, an empty object satisfied by any object) compared plainly with :func:`same`.

    Every leaf is flat (a JSON Pointer and its value), so there is nothing for a structural
    diff to walk: DeepDiff here cost a twentieth of an apply's CPU for the same answer.
    """
    return [
        path
        for path, value in want.items()
        if (
            not isinstance(live_at(path), Mapping)
            if value == {}
            else not same(live_at(path), value)
        )
    ]


def _verify(ctx: _Context, ops: list[Operation], name: str) -> None:
    """Apply ``ops`` to live with jsonpatch; the result must be exactly the expected document."""
    import jsonpatch

    live = copy.deepcopy(dict(ctx.stored))
    try:
        got = jsonpatch.apply_patch(live, [op.to_patch() for op in ops])
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise InternalError(
            f"The patch planned for {name} does not apply to live: {exc}."
        ) from None
    wanted = expected(ctx)
    got = prune_unseen(got, ctx.live, ctx.hidden)
    if _canonical(got) != _canonical(wanted):
        raise InternalError(
            f"The patch planned for {name} does not give the desired document "
            f"(it differs at {', '.join(_where_differs(got, wanted))})."
        )


def _where_differs(got: object, wanted: object) -> list[str]:
    """The JSON Pointers where two documents differ (never their values: they may be secret).

    DeepDiff earns its place here: a nested, structural comparison, needed only to say where a
    patch went wrong (a bug), so its cost is never paid on the way of a plan.
    """
    from deepdiff import DeepDiff  # heavy import, only on a bug

    tree = DeepDiff(wanted, got, view="tree", threshold_to_diff_deeper=0)
    paths = [item.path(output_format="list") for items in tree.values() for item in items]
    return sorted({pointer.join([str(t) for t in p]) or "the root" for p in paths})


def expected(ctx: _Context) -> dict[str, object]:
    """Live (hidden secrets we drop included) with every differing desired leaf written (a
    missing object created whole from desired), every dropped last-applied leaf removed, and
    every object that left empty, unless it was empty, or absent, in live as shown (the
    objects made to hold hidden secrets go when emptied: live does not show them)."""
    doc = copy.deepcopy(dict(ctx.stored))
    for leaf in ctx.differing:
        path, _ = _anchor(doc, leaf)
        _put(doc, pointer.split(path), copy.deepcopy(pointer.resolve(ctx.desired, path)))
    dropped = [p for p in ctx.last if not _still_wanted(ctx.want, p) and pointer.exists(doc, p)]
    for path in dropped:
        _delete(doc, path)
    prune_unseen(doc, ctx.live, ctx.hidden)
    emptied = {a for p in dropped for a in _ancestors(p)}
    for path in sorted(emptied, key=lambda a: -a.count("/")):  # an object we emptied goes too
        emptied_now = pointer.get(ctx.live, path, None) and pointer.resolve(doc, path) == {}
        if emptied_now and not any(pointer.related(path, d) for d in ctx.want):
            _delete(doc, path)
    return doc


def _delete(doc: dict[str, object], path: str) -> None:
    tokens = pointer.split(path)
    del pointer.resolve(doc, pointer.join(tokens[:-1]))[tokens[-1]]


def _put(doc: dict[str, object], tokens: list[str], value: object) -> None:
    parent = pointer.resolve(doc, pointer.join(tokens[:-1]))
    parent[tokens[-1]] = value


def _canonical(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
