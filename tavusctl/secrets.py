"""Which fields are secret, how they are hashed, and how they are shown.

A secret value never leaves memory: the lockfile and plan files hold a salted hash, and every
rendering shows ``(sensitive value)``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from tavusctl import pointer

SENSITIVE = "(sensitive value)"
HASH_PREFIX = "sha256:"


def is_secret_path(path: str) -> bool:
    """Whether the JSON Pointer ``path`` (relative to a persona spec) names a secret field.

    Secret: any key named ``api_key`` at any depth, and every value of ``layers.llm.headers``
    (which carries custom LLM auth headers).
    """
    tokens = pointer.split(path)
    if tokens and tokens[-1] == "api_key":
        return True
    return len(tokens) >= 4 and tokens[:3] == ["layers", "llm", "headers"]


def secret_paths(doc: Any, prefix: str = "") -> Iterator[str]:
    """Yield the pointer of every secret leaf (or secret subtree) present in ``doc``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{prefix}/{pointer.escape(str(key))}"
            if is_secret_path(path):
                yield path
            else:
                yield from secret_paths(value, path)


def hash_secret(value: Any, salt: str) -> str:
    """A salted, keyed hash of a secret value, safe to store and compare."""
    digest = hmac.new(salt.encode(), repr(value).encode(), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest


def is_hash(value: Any) -> bool:
    """Whether ``value`` looks like the output of :func:`hash_secret`."""
    return isinstance(value, str) and value.startswith(HASH_PREFIX) and len(value) == 71


# The last line of defence: every secret value tavusctl has read in this process (the API key,
# values of secret fields). The CLI scrubs all it prints through :func:`scrub`, so that a bug
# that would print one prints ``(sensitive value)`` instead. Values shorter than 4 characters
# are not remembered: replacing them would mangle ordinary text.
_known: set[str] = set()


def remember(value: str) -> None:
    """Remember a secret value so that :func:`scrub` hides it."""
    if isinstance(value, str) and len(value) >= 4:
        _known.add(value)


def scrub(text: str) -> str:
    """``text`` with every remembered secret value replaced by ``(sensitive value)``."""
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, SENSITIVE)
    return text
