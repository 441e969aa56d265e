"""One rate limiter shared by every request of a client, so that a 429 slows them all down.

Without it, each of 32 concurrent requests that meets a 429 waits out ``Retry-After`` on its own
and then all of them try again at once: against a 20-per-second limit that costs about one 429
per request. Instead:

- a 429 sets a shared "not before" moment (now + ``Retry-After``) that every request waits for;
- the pause that first 429 starts ends with the client pacing its requests at the rate the server
  just served (successes in the ``Retry-After`` window before it, at least one second);
- while pacing, each success raises the rate a little (by 1/rate: about one more request per
  second every second) and a 429 that starts a new pause halves it: additive increase,
  multiplicative decrease, as TCP does, so the client follows a limit it is never told.

``clock`` and ``sleep`` are injectable so that tests neither wait nor depend on timing.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

MIN_RATE = 1.0  # requests per second; never pace slower than this
_WINDOW = 1.0  # the shortest window over which the served rate is measured, in seconds


class Throttle:
    """A shared pause after a 429, then pacing at an adapted rate (None: not paced)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.clock, self.sleep = clock, sleep
        self.rate: float | None = None
        self.not_before = 0.0
        self._next_slot = 0.0
        self._pauses = 0
        self._measure: tuple[float, float] | None = None  # the window to estimate the rate over
        self._successes: deque[float] = deque(maxlen=10_000)

    async def wait(self) -> None:
        """Wait until this request may be sent: after any pause, and in its slot if pacing."""
        while True:
            pauses, now = self._pauses, self.clock()
            if now < self.not_before:  # paused: wait, then take a slot like everyone else
                await self.sleep(self.not_before - now)
                continue
            delay = self._slot(now)
            if delay > 0:
                await self.sleep(delay)
            if self._pauses == pauses:  # no new pause began while this request waited
                return

    def succeeded(self) -> None:
        """Record an answer other than 429: it counts toward the served rate and nudges the pace up."""
        self._successes.append(self.clock())
        if self.rate is not None:
            self.rate += 1.0 / self.rate

    def throttled(self, retry_after: float) -> None:
        """Record a 429: hold every request until ``retry_after`` seconds from now.

        Only the 429 that starts a pause slows the pace; the others answered the same burst.
        """
        now = self.clock()
        starts_pause = now >= self.not_before
        self.not_before = max(self.not_before, now + retry_after)
        self._pauses += 1
        if not starts_pause:
            return
        if self.rate is None:
            window = max(retry_after, _WINDOW)
            self._measure = (now - window, now)
        else:
            self.rate = max(self.rate / 2, MIN_RATE)

    def _slot(self, now: float) -> float:
        """Seconds until this request's turn; takes the next pacing slot if there is one."""
        self._estimate()
        if self.rate is None:
            return 0.0
        slot = max(now, self._next_slot)  # no saved-up slots: a burst after a pause gets a 429
        self._next_slot = slot + 1.0 / self.rate
        return slot - now

    def _estimate(self) -> None:
        """At the end of the first pause, pace at the rate the server served before it.

        Measured only now, once every request sent before the 429 has been answered. With no
        success in the window there is nothing to go by: the pause alone has to do.
        """
        if self._measure is None:
            return
        since, until = self._measure
        self._measure = None
        served = sum(1 for t in self._successes if since <= t <= until)
        if served:
            self.rate = max(served / (until - since), MIN_RATE)
