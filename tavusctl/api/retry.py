"""When and how long to wait before retrying an API request.

Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
the n-th retry waits a random time in ``[0, min(cap, base * 2**n)]``, so many clients retrying
at once spread out instead of hammering the server in lockstep. A ``Retry-After`` from the
server wins over the computed delay. ``sleep`` and ``rand`` are injectable so that tests
neither wait nor depend on chance.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

# Statuses that mean "try again later". A POST is retried on 429 only (see client.py).
RETRY_STATUSES = frozenset({429, 502, 503, 504})

# GET, PATCH and DELETE may also be retried on a plain 500: reads and deletes are idempotent,
# and a PATCH starts with test operations, so a repeat cannot overwrite anything.
IDEMPOTENT_RETRY_STATUSES = RETRY_STATUSES | {500}

# The longest Retry-After we obey; a server asking for more is treated as asking for this.
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a request gets and how long to wait between them."""

    attempts: int = 5
    base: float = 0.2
    cap: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)
    rand: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        return self.rand() * min(self.cap, self.base * 2.0**retry)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
