"""The client's shared rate limiter: one 429 pauses every request, then the pace follows the limit.

Unit tests drive a Throttle on a fake clock; the end-to-end test counts the 429s the in-process
emulator's token bucket hands out (never wall-clock times).
"""

from __future__ import annotations

import asyncio

import pytest

from tavusctl.api.retry import RetryPolicy
from tavusctl.api.throttle import MIN_RATE, Throttle
from tests.support.inproc import InProcess


class FakeClock:
    """A clock that moves only when a throttled request sleeps; records every sleep."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def throttle_at(clock: FakeClock) -> Throttle:
    return Throttle(clock=clock, sleep=clock.sleep)


def serve(throttle: Throttle, clock: FakeClock, count: int, over: float) -> None:
    """``count`` answers other than 429, evenly over the last ``over`` seconds."""
    start = clock.now
    for i in range(count):
        clock.now = start + over * (i + 1) / count
        throttle.succeeded()


def test_requests_are_not_held_before_any_429() -> None:
    clock = FakeClock()
    throttle = throttle_at(clock)
    serve(throttle, clock, 50, over=0.1)
    asyncio.run(throttle.wait())
    assert clock.sleeps == []
    assert throttle.rate is None


def test_a_429_holds_every_request_until_its_retry_after() -> None:
    clock = FakeClock()
    throttle = throttle_at(clock)
    throttle.throttled(2.0)
    clock.now += 0.5  # another request comes along half a second later

    asyncio.run(throttle.wait())

    assert clock.sleeps == [1.5]


def test_after_the_pause_requests_are_paced_at_the_rate_served_before_the_429() -> None:
    clock = FakeClock()
    throttle = throttle_at(clock)
    serve(throttle, clock, 20, over=1.0)
    throttle.throttled(1.0)
    paused_at = clock.now

    async def many(count: int) -> None:
        await asyncio.gather(*(throttle.wait() for _ in range(count)))

    asyncio.run(many(3))

    assert throttle.rate == pytest.approx(20.0)
    # the pause, then slots 1/20 s apart: the third request goes 0.1 s after the pause ends
    assert clock.now - paused_at == pytest.approx(1.1)


def test_a_429_that_starts_a_new_pause_halves_the_pace_and_others_in_it_do_not() -> None:
    clock = FakeClock()
    throttle = throttle_at(clock)
    serve(throttle, clock, 16, over=1.0)
    throttle.throttled(1.0)
    clock.now += 1.0
    asyncio.run(throttle.wait())
    assert throttle.rate == pytest.approx(16.0)

    throttle.throttled(1.0)
    throttle.throttled(1.0)  # the same burst: no second halving

    assert throttle.rate == pytest.approx(8.0)


def test_each_answer_while_pacing_raises_the_pace_a_little() -> None:
    clock = FakeClock()
    throttle = throttle_at(clock)
    serve(throttle, clock, 10, over=1.0)
    throttle.throttled(1.0)
    clock.now += 1.0
    asyncio.run(throttle.wait())

    serve(throttle, clock, 10, over=1.0)

    assert throttle.rate is not None and 10.9 < throttle.rate < 11.0


def test_a_pause_with_nothing_served_before_it_sets_no_pace() -> None:
    clock = FakeClock()
    throttle = throttle_at(clock)
    throttle.throttled(1.0)
    asyncio.run(throttle.wait())
    assert throttle.rate is None


def test_the_pace_never_falls_below_the_minimum() -> None:
    clock = FakeClock()
    throttle = throttle_at(clock)
    serve(throttle, clock, 1, over=1.0)
    for _ in range(5):
        throttle.throttled(1.0)
        clock.now += 1.0
        asyncio.run(throttle.wait())
    assert throttle.rate == MIN_RATE


def test_concurrent_reads_against_a_rate_limit_meet_few_429s() -> None:
    # 60 reads, 8 at a time, against 20 per second (a bucket of 20). Retrying each 429 on its own
    # costs about one 429 per request (54 of them, measured): every second the bucket serves 20
    # and refuses the rest. Shared, the first 429 pauses everyone; only the requests already on
    # their way meet one too (4-7 measured).
    emulator = InProcess(rate_limit=20.0, latency_ms=20)
    statuses: list[int] = []

    async def go() -> int:
        async with emulator.client(retry=RetryPolicy(), max_concurrency=8) as client:
            found = await asyncio.gather(*(client.get_persona(f"p{i:04}") for i in range(60)))
            assert found == [None] * 60
            log = (await emulator.hook("GET", "requests"))["requests"]
            statuses.extend(r["status"] for r in log)
            return client.requests_made

    made = asyncio.run(go())

    throttled = statuses.count(429)
    assert len(statuses) - throttled == 60  # every read was answered in the end
    assert made == len(statuses)
    assert 1 <= throttled <= 16
