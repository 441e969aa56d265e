"""RFC 6901 JSON Pointer helpers over plain JSON-like data."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from tavusctl.core.values import MISSING


def escape(token: str) -> str:
    """Escape one reference token."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Unescape one reference token."""
    return token.replace("~1", "/").replace("~0", "~")


def join(tokens: Iterable[str | int]) -> str:
    """Build a pointer from unescaped tokens: ``join(["layers", "llm"]) == "/layers/llm"``."""
    return "".join("/" + escape(str(t)) for t in tokens)


def split(pointer: str) -> list[str]:
    """Split a pointer into unescaped tokens: ``split("/a/b~1c") == ["a", "b/c"]``."""
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return [unescape(t) for t in pointer[1:].split("/")]


def get(doc: object, pointer: str, default: object = MISSING) -> Any:
    """The value at ``pointer`` in ``doc``; ``default`` when absent."""
    node = doc
    for token in split(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return default
    return node


def resolve(doc: object, pointer: str) -> Any:
    """The value at ``pointer`` in ``doc``; KeyError when absent."""
    found = get(doc, pointer)
    if found is MISSING:
        raise KeyError(pointer)
    return found


def exists(doc: object, pointer: str) -> bool:
    """Whether ``pointer`` names a value in ``doc``."""
    return get(doc, pointer) is not MISSING


def below(path: str, ancestor: str) -> bool:
    """Whether ``path`` lies strictly under ``ancestor`` (everything but ``""`` lies under ``""``)."""
    return path.startswith(ancestor + "/")


def within(path: str, ancestor: str) -> bool:
    """Whether ``path`` is ``ancestor`` or lies under it."""
    return path == ancestor or below(path, ancestor)


def related(a: str, b: str) -> bool:
    """Whether one of the pointers ``a`` and ``b`` is the other or an ancestor of it."""
    return within(a, b) or within(b, a)


def leaves(
    node: object, path: str = "", *, stop: Callable[[str], bool] | None = None, lists: bool = False
) -> Iterator[tuple[str, object]]:
    """(pointer, value) of every leaf under ``node`` (found at ``path``), depth first.

    A leaf is anything but a non-empty object (with ``lists``, nor a non-empty list: lists are
    walked into too), and any position where ``stop(pointer)`` holds, whatever it holds (a
    secret field, say). The one walk over JSON-like data; callers choose what a leaf is.
    """
    walk_in = (stop is None or not stop(path)) and bool(node)
    if walk_in and isinstance(node, Mapping):
        for key, value in node.items():
            yield from leaves(value, f"{path}/{escape(str(key))}", stop=stop, lists=lists)
    elif walk_in and lists and isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, f"{path}/{index}", stop=stop, lists=lists)
    else:
        yield path, node


def map_leaves(
    node: object,
    fn: Callable[[str, object], object],
    path: str = "",
    *,
    stop: Callable[[str], bool] | None = None,
) -> object:
    """A copy of ``node`` (found at ``path``) with every scalar, and every position where
    ``stop(pointer)`` holds, replaced by ``fn(pointer, value)``. Objects and lists are walked
    into and rebuilt; the one rebuild of JSON-like data."""
    if stop is not None and stop(path):
        return fn(path, node)
    if isinstance(node, Mapping):
        return {
            k: map_leaves(v, fn, f"{path}/{escape(str(k))}", stop=stop) for k, v in node.items()
        }
    if isinstance(node, list):
        return [map_leaves(v, fn, f"{path}/{i}", stop=stop) for i, v in enumerate(node)]
    return fn(path, node)
