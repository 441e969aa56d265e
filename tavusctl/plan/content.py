"""Comparing what was sent with what the server holds, leaf by leaf, secrets excluded.

Used by apply to recognise a persona it created when the answer to the POST was lost
(adoption), and to report fields the server changed or dropped after a write (read-back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from tavusctl.core import pointer
from tavusctl.core.secrets import IsSecret
from tavusctl.core.timestamps import now_iso, parse_time
from tavusctl.core.values import MISSING, same
from tavusctl.kinds import PERSONA

__all__ = ["now_iso", "parse_time"]  # re-exported: callers read them from here

# Server and client clocks differ; a persona created this long before the intent still counts.
CLOCK_SKEW = timedelta(minutes=5)


def leaves(doc: object, is_secret: IsSecret = PERSONA.secrets) -> Iterator[tuple[str, object]]:
    """(pointer, value) of every non-secret leaf of ``doc``; lists count as one leaf."""
    for path, value in pointer.leaves(doc, stop=is_secret):
        if path and not is_secret(path):
            yield path, value


@dataclass(frozen=True)
class Difference:
    """A field the server holds differently from what was sent (``got`` MISSING if dropped)."""

    path: str
    sent: object
    got: object

    def describe(self) -> str:
        if self.got is MISSING:
            return f"the server dropped {self.path} (sent {show(self.sent)})"
        return f"the server changed {self.path} from {show(self.sent)} to {show(self.got)}"


def differences(
    sent: Mapping[str, object], live: Mapping[str, object], is_secret: IsSecret = PERSONA.secrets
) -> list[Difference]:
    """Every non-secret leaf of ``sent`` that ``live`` lacks or holds differently."""
    out = []
    for path, value in leaves(sent, is_secret):
        got = pointer.get(live, path)
        filled = value == {} and isinstance(got, dict)  # the server may fill an empty object
        if got is MISSING or not (same(value, got) or filled):
            out.append(Difference(path, value, got))
    return out


def matches(
    sent: Mapping[str, object], live: Mapping[str, object], is_secret: IsSecret = PERSONA.secrets
) -> bool:
    """Whether ``live`` holds every non-secret value of ``sent`` (extra live fields are fine)."""
    return not differences(sent, live, is_secret)


def show(value: object, limit: int = 80) -> str:
    """A short JSON rendering for messages."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def created_since(
    doc: Mapping[str, object], intent_at: str | None, field: str = PERSONA.created_field
) -> bool:
    """Whether the persona was created at or after the intent (allowing for clock skew).

    Unknown times count as "yes": name and content must match anyway.
    """
    created, intent = parse_time(doc.get(field)), parse_time(intent_at)
    return created is None or intent is None or created >= intent - CLOCK_SKEW
