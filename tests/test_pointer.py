"""JSON Pointer helpers: ancestry, the one leaf walk and the one rebuild."""

from __future__ import annotations

from typing import Any

import pytest

from tavusctl.core import pointer
from tavusctl.core.values import MISSING


@pytest.mark.parametrize(
    ("path", "ancestor", "within", "below"),
    [
        ("/a/b", "/a", True, True),
        ("/a", "/a", True, False),
        ("/ab", "/a", False, False),  # a sibling that shares a prefix is no descendant
        ("/a", "", True, True),  # everything lies under the root
        ("", "", True, False),
        ("/a", "/a/b", False, False),
    ],
)
def test_ancestry_tells_descendants_from_siblings_with_a_shared_prefix(
    path: str, ancestor: str, within: bool, below: bool
) -> None:
    assert pointer.within(path, ancestor) is within
    assert pointer.below(path, ancestor) is below
    assert pointer.related(path, ancestor) is (within or pointer.within(ancestor, path))


def test_get_gives_missing_for_an_absent_path_and_resolve_raises() -> None:
    doc = {"a": {"b": None}, "l": [1]}
    assert pointer.get(doc, "/a/b") is None  # null is a value, not an absence
    assert pointer.get(doc, "/a/c") is MISSING
    assert pointer.get(doc, "/l/1", "d") == "d"
    with pytest.raises(KeyError):
        pointer.resolve(doc, "/a/c")


def test_leaves_stop_where_told_and_walk_lists_only_when_asked() -> None:
    doc = {"a": {"k": {"x": 1}, "e": {}}, "l": [1, {"y": 2}]}
    stop = lambda p: p == "/a/k"  # noqa: E731
    assert dict(pointer.leaves(doc, stop=stop)) == {
        "/a/k": {"x": 1},
        "/a/e": {},
        "/l": [1, {"y": 2}],
    }
    assert dict(pointer.leaves(doc, lists=True)) == {
        "/a/k/x": 1,
        "/a/e": {},
        "/l/0": 1,
        "/l/1/y": 2,
    }


def test_map_leaves_rebuilds_a_copy_and_replaces_stopped_positions_whole() -> None:
    doc: dict[str, Any] = {"a": {"secret": {"x": 1}, "n": 2}, "l": [{"secret": "s"}], "e": {}}
    out = pointer.map_leaves(
        doc,
        lambda p, v: "HIDDEN" if p.endswith("/secret") else v,
        stop=lambda p: p.endswith("/secret"),
    )
    assert out == {"a": {"secret": "HIDDEN", "n": 2}, "l": [{"secret": "HIDDEN"}], "e": {}}
    assert out["e"] is not doc["e"] and doc["a"]["secret"] == {"x": 1}
