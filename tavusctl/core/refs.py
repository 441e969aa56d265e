"""``${ref:Kind/name}``: one resource naming another, as a whole string value of a spec.

The manifests keep the reference as written; the planner and apply replace it by the id the
state records (:func:`substitute`). A reference whose target is not created yet stays as
written in a plan, and is shown as ``(known after apply: Kind/name)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from tavusctl.core import pointer

NAME = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_WHOLE = re.compile(r"\$\{ref:([A-Za-z]+)/(" + NAME + r")\}")
_ANY = re.compile(r"\$\{ref:")


def key_of(value: object) -> str | None:
    """The key (``Guardrail/no-pii``) that ``value`` refers to, if it is a whole reference."""
    if not isinstance(value, str):
        return None
    found = _WHOLE.fullmatch(value)
    return f"{found.group(1)}/{found.group(2)}" if found else None


def mentions(text: str) -> bool:
    """Whether ``text`` has ``${ref:`` anywhere (whole reference or not)."""
    return _ANY.search(text) is not None


def written(key: str) -> str:
    """The reference to ``key`` as a manifest writes it."""
    return f"${{ref:{key}}}"


def known_after_apply(key: str) -> str:
    """How a plan shows a reference whose target is created by the same apply."""
    return f"(known after apply: {key})"


def refs_in(doc: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(pointer, key) of every reference in ``doc``, lists included."""
    for where, value in pointer.leaves(doc, prefix, lists=True):
        key = key_of(value)
        if key is not None:
            yield where, key


def substitute(doc: object, replace: Callable[[str], object | None]) -> object:
    """A copy of ``doc`` with each reference replaced by ``replace(key)``; a reference for
    which it gives None stays as written."""
    if isinstance(doc, Mapping):
        return {k: substitute(v, replace) for k, v in doc.items()}
    if isinstance(doc, list):
        return [substitute(v, replace) for v in doc]
    key = key_of(doc)
    if key is None:
        return doc
    found = replace(key)
    return doc if found is None else found


def shown(doc: object) -> object:
    """``doc`` with every reference shown as ``(known after apply: Kind/name)``."""
    return substitute(doc, known_after_apply)
