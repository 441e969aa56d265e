"""Comparing what was sent with what the server holds, leaf by leaf, secrets excluded.

Used by apply to recognise a persona it created when the answer to the POST was lost
(adoption), and to report fields the server changed or dropped after a write (read-back).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from tavusctl.core import pointer
from tavusctl.core.secrets import IsSecret
from tavusctl.core.timestamps import now_iso, parse_time
from tavusctl.core.values import MISSING, same
from tavusctl.kinds import PERSONA
from tavusctl.plan.redact import swap

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
    sent: Mapping[str, object],
    live: Mapping[str, object],
    is_secret: IsSecret = PERSONA.secrets,
    equal: Callable[[object, object], bool] = same,
) -> list[Difference]:
    """Every non-secret leaf of ``sent`` that ``live`` lacks or holds differently.

    Secrets inside a leaf (an ``api_key`` in a list) are masked on both sides first: what was
    sent holds their hashes, what the server holds them in clear (or masked), and neither may
    be compared nor shown.
    """
    out = []
    for path, value in leaves(sent, is_secret):
        got = pointer.get(live, path)
        if got is not MISSING:
            value, got = _masked(value, path, is_secret), _masked(got, path, is_secret)
        filled = value == {} and isinstance(got, dict)  # the server may fill an empty object
        if got is MISSING or not (equal(value, got) or filled):
            out.append(Difference(path, value, got))
    return out


def matches(
    sent: Mapping[str, object], live: Mapping[str, object], is_secret: IsSecret = PERSONA.secrets
) -> bool:
    """Whether ``live`` holds every non-secret value of ``sent`` (extra live fields are fine)."""
    return not differences(sent, live, is_secret)


def resembles(
    sent: Mapping[str, object], live: Mapping[str, object], is_secret: IsSecret = PERSONA.secrets
) -> bool:
    """Whether ``live`` holds every non-secret value of ``sent`` as a server might store it:
    text with its ends trimmed, its whitespace or case changed, or in another Unicode form,
    numbers rounded to 12 digits. What read-back reports as "the server changed" in these ways
    must not make a lost create look absent (and be made twice)."""
    return not differences(sent, live, is_secret, lambda a, b: same(_loose(a), _loose(b)))


_SECRET_MARK = "\x00secret"


def _masked(value: object, path: str, is_secret: IsSecret) -> object:
    return swap(value, path, is_secret, lambda _p, _v: _SECRET_MARK)


def loose_key(text: str) -> str:
    """``text`` as :func:`resembles` compares it: whitespace runs as one space, ends trimmed,
    NFKC, case folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _loose(value: object) -> object:
    if isinstance(value, str) and value.lower() not in ("true", "false"):
        return loose_key(value)
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.12g}")
    if isinstance(value, Mapping):
        return {k: _loose(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_loose(v) for v in value]
    return value


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
