"""Timestamps as the Tavus API writes them, in every form it was seen to use.

tavus-api-2026.md: ``2026-01-01T10:00:19.990Z`` (milliseconds), ``…56.504765Z``
(microseconds) and ``…45.123456+00:00`` all occur. Compare parsed values, never the text.
"""

from __future__ import annotations

from datetime import datetime, timezone


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds and ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: object) -> datetime | None:
    """An aware datetime from ISO 8601 text (``Z`` allowed); None if absent or unreadable."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
