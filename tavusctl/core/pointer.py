"""RFC 6901 JSON Pointer helpers over plain JSON-like data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

_MISSING = object()


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


def resolve(doc: Any, pointer: str, default: Any = _MISSING) -> Any:
    """The value at ``pointer`` in ``doc``; ``default`` (or KeyError) when absent."""
    node = doc
    for token in split(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif default is _MISSING:
            raise KeyError(pointer)
        else:
            return default
    return node


def exists(doc: Any, pointer: str) -> bool:
    """Whether ``pointer`` names a value in ``doc``."""
    try:
        resolve(doc, pointer)
    except KeyError:
        return False
    return True


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every scalar leaf under ``node`` (found at ``path``) with its pointer, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")
    else:
        yield path, node
