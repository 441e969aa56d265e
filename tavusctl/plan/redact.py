"""Keeping secret values out of everything written: lockfile entries, renderings, plan files.

Each helper walks a value that sits at a JSON Pointer of a spec and swaps every secret position
(as told by ``is_secret``: a kind's :class:`~tavusctl.core.secrets.SecretRule`, with the paths
the loader marked) for something safe to show or store.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from tavusctl.core import pointer
from tavusctl.core.secrets import SENSITIVE, IsSecret, hash_secret
from tavusctl.kinds import PERSONA

_ATOMS = (str, int, float, bool, type(None))


def swap(
    value: object,
    path: str,
    is_secret: IsSecret,
    fn: Callable[[str, object], object] = lambda p, v: SENSITIVE,
) -> Any:
    """A copy of ``value`` (found at ``path``) with each secret position replaced by
    ``fn(pointer, secret_value)``. Lists are walked too: a tool may carry an ``api_key``."""

    def leaf(where: str, found: object) -> object:
        if is_secret(where):
            return fn(where, found)
        return found if isinstance(found, _ATOMS) else copy.deepcopy(found)

    return pointer.map_leaves(value, leaf, path, stop=is_secret)


def hashed(
    spec: Mapping[str, object], salt: str, is_secret: IsSecret = PERSONA.secrets
) -> dict[str, object]:
    """A copy of ``spec`` with every secret value replaced by its salted hash."""
    out: dict[str, object] = swap(spec, "", is_secret, lambda _, v: hash_secret(v, salt))
    return out


def has_secret(value: object, path: str, is_secret: IsSecret) -> bool:
    """Whether ``value`` (found at ``path``) holds a secret anywhere, lists included."""
    found: list[str] = []
    swap(value, path, is_secret, lambda p, v: found.append(p))
    return bool(found)
