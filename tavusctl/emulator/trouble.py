"""Realistic trouble: latency with jitter, a token-bucket rate limit, seeded and injected faults.

Fault decisions come from one ``random.Random(seed)`` drawn a fixed number of times per Tavus
request, in arrival order, so the same sequence of requests meets the same faults on every run.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field

from tavusctl.emulator.config import EmulatorConfig

FAULT_KINDS: tuple[int | None, ...] = (500, 502, 503, 429, None)  # None: drop the connection
FAULT_BODIES = {
    500: {"error": "Internal server error"},
    502: {"error": "Bad gateway"},
    503: {"error": "Service unavailable"},
    429: {"error": "Too many requests"},
}


@dataclass(frozen=True)
class Fault:
    """A response to send instead of the real one (status None: drop the connection)."""

    status: int | None
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    after_write: bool = False  # strike after the change was made, before the answer is sent


@dataclass
class Injection:
    """The next ``count`` requests for ``method path`` get ``fault``."""

    method: str
    path: str
    count: int
    fault: Fault


class Trouble:
    """Latency, rate limit, random faults and injected responses for one emulator."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._faults = random.Random(config.seed)
        self._jitter = random.Random(config.seed)
        self._tokens = bucket_size(config.rate_limit)
        self._refilled = time.monotonic()
        self.injections: deque[Injection] = deque()

    def reconfigure(self, config: EmulatorConfig) -> None:
        """Take new settings; a new seed or fault rate restarts the fault sequence."""
        old, self.config = self.config, config
        if (old.seed, old.fault_rate) != (config.seed, config.fault_rate):
            self._faults = random.Random(config.seed)
        if old.rate_limit != config.rate_limit:
            self._tokens, self._refilled = bucket_size(config.rate_limit), time.monotonic()

    async def delay(self) -> None:
        """Sleep the configured latency, plus or minus up to the jitter."""
        cfg = self.config
        ms = cfg.latency_ms + (
            self._jitter.uniform(-cfg.jitter_ms, cfg.jitter_ms) if cfg.jitter_ms else 0
        )
        if ms > 0:
            await asyncio.sleep(ms / 1000)

    def retry_after(self) -> int | None:
        """None if the request is within the rate limit, else the seconds to wait."""
        rate = self.config.rate_limit
        if rate is None:
            return None
        now = time.monotonic()
        self._tokens = min(bucket_size(rate), self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return max(1, math.ceil((1 - self._tokens) / rate))

    def draw(
        self, method: str, path: str, is_write: bool, *, limited: bool = False
    ) -> Fault | None:
        """The fault for this request: an injected one first, else a seeded random one.

        Every request draws the same random numbers, so the sequence of faults depends only on
        the sequence of requests; a rate-limited request leaves the injections for the next ones.
        """
        roll, kind, late = (
            self._faults.random(),
            self._faults.choice(FAULT_KINDS),
            self._faults.random(),
        )
        injected = None if limited else self._take_injection(method, path)
        if injected is not None:
            return injected
        if roll >= self.config.fault_rate:
            return None
        return random_fault(kind, after_write=is_write and late < 0.5)

    def inject(self, injection: Injection) -> None:
        """Queue an injected response."""
        self.injections.append(injection)

    def _take_injection(self, method: str, path: str) -> Fault | None:
        for injection in self.injections:
            if injection.method == method and injection.path == path:
                injection.count -= 1
                if injection.count <= 0:
                    self.injections.remove(injection)
                return injection.fault
        return None


def bucket_size(rate: float | None) -> float:
    """The token bucket holds one second of requests, and at least one."""
    return max(rate or 0.0, 1.0)


def random_fault(kind: int | None, *, after_write: bool) -> Fault:
    """A fault of the given kind; 429 and 503 carry ``Retry-After`` as real servers send it."""
    if kind is None:
        return Fault(None, after_write=after_write)
    headers = {"retry-after": "1"} if kind in (429, 503) else {}
    return Fault(kind, FAULT_BODIES[kind], headers, after_write)
