"""Properties of the three-way diff over generated persona-like documents.

The expectations here are written from the rules, independently of ``tavusctl.diff``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tavusctl.core.secrets import hash_secret
from tavusctl.plan.diff import three_way

SALT = "property-salt"
SERVER = ("persona_id", "created_at", "updated_at")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.5, 1.0, "true", "false", "a", "b", "", "x/y"]),
)
leaf = st.one_of(scalars, st.lists(scalars, max_size=3))
free_form = st.dictionaries(st.sampled_from(["a", "b", "c/d", "e~f"]), leaf, max_size=3)
layer = st.dictionaries(
    st.sampled_from(["model", "api_key", "speed", "tools", "extra_body", "headers"]),
    st.one_of(leaf, free_form),
    max_size=4,
)
layers = st.one_of(
    st.dictionaries(
        st.sampled_from(["llm", "tts", "perception"]), st.one_of(layer, leaf), max_size=3
    ),
    scalars,
)
docs = st.fixed_dictionaries(
    {},
    optional={
        "persona_name": leaf,
        "context": leaf,
        "document_ids": leaf,
        "persona_id": st.just("p1"),
        "updated_at": st.sampled_from(["t1", "t2"]),
        "layers": layers,
    },
)


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves by pointer: secrets, scalars, lists and empty objects."""
    if prefix and (not isinstance(doc, dict) or not doc or is_secret(prefix)):
        return {prefix: doc}
    out: dict[str, Any] = {}
    for key, value in doc.items():
        token = str(key).replace("~", "~0").replace("/", "~1")
        out.update(flatten(value, f"{prefix}/{token}"))
    return out


def is_secret(path: str) -> bool:
    return path.endswith("/api_key") or path.startswith("/layers/llm/headers/")


def managed(doc: dict[str, Any]) -> dict[str, Any]:
    return {p: v for p, v in flatten(doc).items() if p.split("/")[1] not in SERVER}


def hash_secrets(doc: dict[str, Any]) -> dict[str, Any]:
    """What the lockfile holds: the document with each secret replaced by its salted hash."""
    out: dict[str, Any] = json.loads(json.dumps(doc))
    for path in [p for p in flatten(doc) if is_secret(p)]:
        *parents, last = [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
        node = out
        for token in parents:
            node = node[token]
        node[last] = hash_secret(node[last], SALT)
    return out


def canon(value: Any) -> str:
    """Equality the way the diff defines it: string booleans are booleans, 1 is 1.0."""

    def norm(v: Any) -> Any:
        if isinstance(v, bool) or v in ("true", "false"):
            return {"$bool": v in (True, "true")}
        if isinstance(v, int | float):
            return {"$num": float(v)}
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(value), sort_keys=True)


def related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def get(doc: Any, path: str) -> Any:
    for token in path[1:].split("/") if path else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(doc, dict) or token not in doc:
            return KeyError
        doc = doc[token]
    return doc


def echo(draw: st.DrawFn, value: Any) -> Any:
    """``value`` as a server (or an edit) may return it: booleans as strings, integers as
    floats, fields dropped, changed or added."""
    if isinstance(value, dict):
        out = {k: echo(draw, v) for k, v in value.items() if draw(st.integers(0, 5))}
        return out | draw(st.dictionaries(st.sampled_from(["default", "b"]), scalars, max_size=1))
    if isinstance(value, bool):
        return draw(st.sampled_from([value, str(value).lower()]))
    if isinstance(value, int):
        return draw(st.sampled_from([value, float(value)]))
    if value in ("true", "false"):
        return draw(st.sampled_from([value, value == "true"]))
    return value if draw(st.integers(0, 9)) else draw(scalars)


@st.composite
def triples(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
    base = draw(docs)  # the three share a base, so that their fields overlap
    desired = echo(draw, base) if draw(st.booleans()) else draw(docs)
    last = draw(st.sampled_from([None, base, echo(draw, base), draw(docs)]))
    source = draw(st.sampled_from([desired, last or {}, base]))
    live = echo(draw, source) if draw(st.integers(0, 3)) else draw(docs)
    return desired, None if last is None else hash_secrets(last), json.loads(json.dumps(live))


def covered(path: str, want: dict[str, Any]) -> bool:
    """Whether a desired leaf keeps ``path``: itself, a descendant, or a non-empty ancestor."""
    return any(
        path == d or d.startswith(path + "/") or (path.startswith(d + "/") and want[d] != {})
        for d in want
    )


def as_stored(live: dict[str, Any], ops: Any, desired: Any, last: Any) -> dict[str, Any]:
    """Live as a server that hides secrets on read stores it. The only path the diff may remove
    though live does not show it is a secret we set (last-applied) that desired dropped: it is
    put back here, as the server would still hold it."""
    stored = copy.deepcopy(live)
    for op in ops:
        if op.op == "remove" and get(live, op.path) is KeyError:
            assert is_secret(op.path) and op.path in managed(last or {}), op
            assert not covered(op.path, managed(desired)), op
            *parents, leaf = [
                t.replace("~1", "/").replace("~0", "~") for t in op.path[1:].split("/")
            ]
            node = stored
            for token in parents:
                node = node.setdefault(token, {})
            node[leaf] = "hidden"
    return stored


def hidden_left(ops: Any, after: dict[str, Any]) -> list[Any]:
    """Operations other than removes of secrets absent from ``after`` (after a remove, a
    server hiding secrets looks the same as before it: the lockfile apply writes tells)."""
    return [
        o
        for o in ops
        if not (o.op == "remove" and is_secret(o.path) and get(after, o.path) is KeyError)
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples())
def test_patch_makes_exactly_the_managed_fields_equal_to_desired(case) -> None:
    desired, last, live = case
    ops = three_way(desired, last, live, salt=SALT)
    stored = as_stored(live, ops, desired, last)
    after = jsonpatch.apply_patch(stored, [op.to_patch() for op in ops])
    want, had = managed(desired), managed(last or {})

    for path, value in want.items():
        if is_secret(path):
            continue
        if value == {}:
            assert isinstance(get(after, path), dict), path
        else:
            assert canon(get(after, path)) == canon(value), path
    for path in had:
        if not covered(path, want):
            assert get(after, path) is KeyError, path
    for path, value in flatten(live).items():
        if not any(related(path, m) for m in [*want, *had]) or path.split("/")[1] in SERVER:
            assert json.dumps(get(after, path)) == json.dumps(value), path


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples())
def test_no_operation_touches_an_unmanaged_path_and_a_second_diff_is_empty(case) -> None:
    desired, last, live = case
    ops = three_way(desired, last, live, salt=SALT)
    paths = [*managed(desired), *managed(last or {})]
    for op in ops:
        assert any(m == op.path or m.startswith(op.path + "/") for m in paths), op
        assert op.path.split("/")[1] not in SERVER, op
        if op.op == "replace" and not op.sensitive:  # minimal: never rewrites an equal value
            assert canon(get(live, op.path)) != canon(get(desired, op.path)), op
    after = jsonpatch.apply_patch(as_stored(live, ops, desired, last), [o.to_patch() for o in ops])
    assert hidden_left(three_way(desired, last, after, salt=SALT), after) == []
    assert three_way(desired, hash_secrets(desired), after, salt=SALT) == ()
    assert len({op.path for op in ops}) == len(ops)
