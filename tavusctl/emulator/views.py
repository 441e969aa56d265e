"""How stored personas are shown on read, under the ``secrets`` switch (§10.2, §11)."""

from __future__ import annotations

import copy
from typing import Any

from tavusctl.core import pointer
from tavusctl.core.secrets import secret_paths


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


def mask(value: Any) -> str:
    """``****`` followed by the last four characters of the value."""
    return "****" + str(value)[-4:]
