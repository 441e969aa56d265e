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
    value: Any,
    path: str,
    is_secret: IsSecret,
    fn: Callable[[str, Any], Any] = lambda p, v: SENSITIVE,
) -> Any:
    """A copy of ``value`` (found at ``path``) with each secret position replaced by
    ``fn(pointer, secret_value)``. Lists are walked too: a tool may carry an ``api_key``."""
    if is_secret(path):
        return fn(path, value)
    if isinstance(value, Mapping):
        return {
            k: swap(v, f"{path}/{pointer.escape(str(k))}", is_secret, fn) for k, v in value.items()
        }
    if isinstance(value, list):
        return [swap(v, f"{path}/{i}", is_secret, fn) for i, v in enumerate(value)]
    return value if isinstance(value, _ATOMS) else copy.deepcopy(value)


def hashed(
    spec: Mapping[str, Any], salt: str, is_secret: IsSecret = PERSONA.secrets
) -> dict[str, Any]:
    """A copy of ``spec`` with every secret value replaced by its salted hash."""
    out: dict[str, Any] = swap(spec, "", is_secret, lambda _, v: hash_secret(v, salt))
    return out


def has_secret(value: Any, path: str, is_secret: IsSecret) -> bool:
    """Whether ``value`` (found at ``path``) holds a secret anywhere, lists included."""
    found: list[str] = []
    swap(value, path, is_secret, lambda p, v: found.append(p))
    return bool(found)
