"""How stored personas are shown on read, under the ``secrets`` switch (§10.2, §11)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from tavusctl.core import pointer


def persona_view(doc: dict[str, Any], secrets: str) -> dict[str, Any]:
    """The persona as GET/list return it: secrets stored, masked (``****`` + last 4) or omitted.

    Returns ``doc`` itself when nothing needs hiding: callers serialize it at once, and most
    personas carry no secret, so a list of thousands is not deep-copied per request.
    """
    paths = list(secret_paths(doc)) if secrets != "stored" else []
    if not paths:
        return doc
    shown = copy.deepcopy(doc)
    for path in paths:
        parent = pointer.resolve(shown, pointer.join(pointer.split(path)[:-1]))
        key = pointer.split(path)[-1]
        if secrets == "omitted":
            del parent[key]
        else:
            parent[key] = mask(parent[key])
    return shown


def secret_paths(doc: Any, tokens: tuple[str, ...] = ()) -> Iterator[str]:
    """Pointers of the fields Tavus hides on read (its own rule, not tavusctl's: the emulator
    models Tavus, so that it can catch a mistake in tavusctl's): any ``api_key`` at any depth,
    and every value of ``layers.llm.headers``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = (*tokens, str(key))
            if key == "api_key" or (len(here) == 4 and here[:3] == ("layers", "llm", "headers")):
                yield pointer.join(here)
            else:
                yield from secret_paths(value, here)


def mask(value: Any) -> str:
    """``****`` followed by the last four characters of the value."""
    return "****" + str(value)[-4:]


LOGGED_SECRET = "****"


def logged(body: Any) -> Any:
    """A request body as the request log keeps it: every secret (by this emulator's rule,
    lists included, and the value of a JSON Patch operation on a secret path) masked. The log
    is served to anyone who can reach the emulator: it must not hand out LLM keys."""
    if isinstance(body, list) and all(isinstance(op, dict) and "op" in op for op in body):
        return [_logged_op(op) for op in body]
    return _masked_everywhere(body, ())


def _logged_op(op: dict[str, Any]) -> dict[str, Any]:
    path = op.get("path")
    tokens = tuple(pointer.split(path)) if isinstance(path, str) and path.startswith("/") else ()
    if "value" not in op:
        return op
    return {**op, "value": _masked_everywhere(op["value"], tokens)}


def _masked_everywhere(value: Any, tokens: tuple[str, ...]) -> Any:
    if _is_secret(tokens):
        return LOGGED_SECRET
    if isinstance(value, dict):
        return {k: _masked_everywhere(v, (*tokens, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_everywhere(v, (*tokens, str(i))) for i, v in enumerate(value)]
    return value


# The log masks more than reads do: any credential-named key (as an LLM's default_query may
# carry an Azure-style api-key), not only what Tavus itself hides.
_CREDENTIALS = frozenset(
    {"api_key", "api-key", "apikey", "x-api-key", "password", "secret", "client_secret",
     "access_token", "auth_token", "authorization"}
)  # fmt: skip


def _is_secret(tokens: tuple[str, ...]) -> bool:
    return bool(tokens) and (
        tokens[-1].lower() in _CREDENTIALS
        or (len(tokens) >= 4 and tokens[:3] == ("layers", "llm", "headers"))
    )
