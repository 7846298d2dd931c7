"""Token buckets on fake time: burst, refill, server-reported rates and 429 blocks."""

from __future__ import annotations

import asyncio

import pytest

from orderbridge.marketplaces.base import RateLimit
from orderbridge.marketplaces.ratelimit import RateLimiter, TokenBucket


class FakeClock:
    """Monotonic seconds that move only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def bucket(clock: FakeClock, rate: float | None = 2.0, burst: int = 3) -> TokenBucket:
    return TokenBucket(rate, burst, clock=clock, sleep=clock.sleep)


async def test_a_full_bucket_serves_its_burst_without_waiting() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0, burst=3)
    for _ in range(3):
        await b.acquire()
    assert clock.now == 1000.0
    assert clock.sleeps == []


async def test_after_the_burst_each_token_waits_one_refill() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0, burst=3)
    for _ in range(5):
        await b.acquire()
    # Two tokens beyond the burst at 2 tokens/s: half a second each.
    assert clock.now == pytest.approx(1001.0)
    assert clock.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]


async def test_idle_time_refills_but_never_beyond_the_burst() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0, burst=3)
    for _ in range(3):
        await b.acquire()
    clock.now += 60  # a minute idle would be 120 tokens without the cap
    assert b.available() == pytest.approx(3.0)
    for _ in range(3):
        await b.acquire()
    assert clock.sleeps == []
    await b.acquire()
    assert clock.sleeps == [pytest.approx(0.5)]


async def test_amazon_search_orders_rate_takes_about_three_minutes_per_token() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=0.0056, burst=20)
    for _ in range(21):
        await b.acquire()
    assert clock.now - 1000.0 == pytest.approx(1 / 0.0056)


async def test_concurrent_waiters_are_spaced_by_the_rate() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=1.0, burst=1)
    times: list[float] = []

    async def take() -> None:
        await b.acquire()
        times.append(clock.now)

    await asyncio.gather(*(take() for _ in range(4)))
    assert times == [pytest.approx(t) for t in (1000.0, 1001.0, 1002.0, 1003.0)]


async def test_a_reported_lower_rate_tightens_the_bucket() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0, burst=1)
    b.tighten(0.5)
    assert b.rate == 0.5
    await b.acquire()
    await b.acquire()
    assert clock.sleeps == [pytest.approx(2.0)]


async def test_a_reported_higher_rate_never_exceeds_the_declared_one() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0, burst=1)
    b.tighten(50.0)
    assert b.rate == 2.0
    b.tighten(0.5)
    b.tighten(1.0)  # the plan grew back, still under the declared rate
    assert b.rate == 1.0


async def test_nonsense_rate_reports_are_ignored() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0)
    for value in (0.0, -1.0, float("nan"), float("inf")):
        b.tighten(value)
    assert b.rate == 2.0


async def test_tokens_earned_before_tightening_are_kept() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=1.0, burst=10)
    for _ in range(10):
        await b.acquire()
    clock.now += 4  # four tokens at the old rate
    b.tighten(0.1)
    assert b.available() == pytest.approx(4.0)


async def test_block_until_holds_every_call_until_the_moment() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=10.0, burst=5)
    b.block_until(1030.0)
    await b.acquire()
    assert clock.now == pytest.approx(1030.0)


async def test_an_earlier_block_never_shortens_a_later_one() -> None:
    clock = FakeClock()
    b = bucket(clock)
    b.block_until(1030.0)
    b.block_until(1010.0)
    assert b.blocked_until == 1030.0


async def test_throttled_with_retry_after_empties_and_blocks() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=1.0, burst=5)
    wait = b.throttled(retry_after=7.0)
    assert wait == 7.0
    await b.acquire()
    # Seven seconds blocked refill seven tokens, capped at the burst of five.
    assert clock.now == pytest.approx(1007.0)
    assert b.available() == pytest.approx(4.0)


async def test_throttled_without_retry_after_waits_one_refill() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=0.25, burst=5)
    wait = b.throttled()
    assert wait == pytest.approx(4.0)
    await b.acquire()
    assert clock.now == pytest.approx(1004.0)
    assert b.available() == pytest.approx(0.0)


async def test_an_unmetered_bucket_only_honours_blocks() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=None, burst=1)
    for _ in range(100):
        await b.acquire()
    assert clock.now == 1000.0
    b.throttled(retry_after=3.0)
    await b.acquire()
    assert clock.now == pytest.approx(1003.0)


def test_bucket_refuses_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0.0, 1)
    with pytest.raises(ValueError):
        TokenBucket(1.0, 0)


async def test_limiter_keeps_one_bucket_per_operation() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        [RateLimit("searchOrders", 0.5, 1), RateLimit("getOrder", 1.0, 2)],
        clock=clock,
        sleep=clock.sleep,
    )
    await limiter.acquire("searchOrders")
    await limiter.acquire("getOrder")
    await limiter.acquire("getOrder")
    assert clock.sleeps == []
    limiter.throttled("getOrder", retry_after=10.0)
    await limiter.acquire("searchOrders")  # its own bucket: 2 s refill, not the block
    assert clock.now == pytest.approx(1002.0)
    await limiter.acquire("getOrder")
    assert clock.now == pytest.approx(1010.0)


async def test_limiter_meters_unknown_operations_only_by_blocks() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(10):
        await limiter.acquire("lwaToken")
    assert clock.now == 1000.0
    limiter.block_until("lwaToken", 1005.0)
    await limiter.acquire("lwaToken")
    assert clock.now == pytest.approx(1005.0)
    assert "lwaToken" in limiter.operations()


def test_limiter_refuses_two_limits_for_one_operation() -> None:
    with pytest.raises(ValueError):
        RateLimiter([RateLimit("getOrder", 1.0, 1), RateLimit("getOrder", 2.0, 1)])


async def test_limiter_tighten_goes_to_the_named_operation() -> None:
    limiter = RateLimiter([RateLimit("a", 1.0, 1), RateLimit("b", 1.0, 1)])
    limiter.tighten("a", 0.1)
    assert limiter.bucket("a").rate == 0.1
    assert limiter.bucket("b").rate == 1.0
