"""Enums that keep growing: how to judge a value outside a field's known list.

Tavus adds values faster than any schema (``verylow``, ``speech-to-speech``, ``raven-2``…), so an
unknown value is sent as written, with a warning. Only a *near miss* of a known value is an
error, because it is almost surely a typo: the same word in another case, or one or two letters
away (one for short words) with the same digits (``raven-2`` is a new version of ``raven-1``,
not a typo of it). Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

UNKNOWN = "not a value this tavusctl knows; sent as written"


@dataclass(frozen=True)
class Verdict:
    """What to say about a value outside the known list."""

    severity: Literal["error", "warning"]
    message: str


def judge(field: str, value: str, known: Sequence[str]) -> Verdict:
    """An error naming the intended value for a near miss, else a warning."""
    close = near_miss(value, known)
    if close is not None:
        return Verdict("error", f"{field} is '{value}'. Did you mean '{close}'?")
    allowed = ", ".join(known)
    return Verdict(
        "warning",
        f"{field} is '{value}': {UNKNOWN} (known: {allowed}). Fine if Tavus added it since; "
        "check the spelling otherwise.",
    )


def near_miss(value: str, known: Sequence[str]) -> str | None:
    """The known value ``value`` is probably a typo of, or None."""
    for candidate in known:
        if value.lower() == candidate.lower():
            return candidate
    allowed = 1 if len(value) <= 5 else 2
    best = min(known, key=lambda c: distance(value, c), default=None)
    if best is None or _digits(best) != _digits(value):
        return None
    return best if distance(value.lower(), best.lower()) <= allowed else None


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn ``a`` into ``b``."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
