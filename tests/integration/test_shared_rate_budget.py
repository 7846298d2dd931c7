"""Distributed mode: processes calling for one connection share its rate budget.

Two limiters stand for two worker processes (each has its own buckets in memory); with
the PostgreSQL budget they must together stay within the connection's rate.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from orderbridge.marketplaces.base import RateLimit
from orderbridge.marketplaces.ratelimit import RateLimiter
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.store.rate_budget import PostgresRateBudget

RATE = 20.0  # tokens per second
BURST = 4
PER_WORKER = 12


async def _connection(ctx: ServiceContext) -> int:
    return await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials={"client_id": "id", "client_secret": "s", "refresh_token": "t"},
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
        ),
    )


def _postgres_only(ctx: ServiceContext) -> None:
    if ctx.db.is_sqlite:
        pytest.skip(reason="one process on SQLite: its in-memory buckets are the whole budget")


async def test_two_processes_together_keep_the_rate(ctx: ServiceContext) -> None:
    _postgres_only(ctx)
    connection_id = await _connection(ctx)
    limits = [RateLimit("getOrder", rate=RATE, burst=BURST)]
    workers = [
        RateLimiter(limits, shared=PostgresRateBudget(ctx.db, connection_id)) for _ in range(2)
    ]

    async def spend(limiter: RateLimiter) -> None:
        for _ in range(PER_WORKER):
            await limiter.acquire("getOrder")

    started = time.monotonic()
    await asyncio.gather(*(spend(worker) for worker in workers))
    elapsed = time.monotonic() - started
    # 24 tokens from a bucket of 4 refilling at 20/s: at least (24 - 4) / 20 = 1 s. Each
    # process alone would have needed only (12 - 4) / 20 = 0.4 s.
    assert elapsed >= (2 * PER_WORKER - BURST) / RATE * 0.95, elapsed


async def test_a_429_in_one_process_holds_back_the_other(ctx: ServiceContext) -> None:
    _postgres_only(ctx)
    connection_id = await _connection(ctx)
    limits = [RateLimit("getOrder", rate=100.0, burst=10)]
    first, second = (
        RateLimiter(limits, shared=PostgresRateBudget(ctx.db, connection_id)) for _ in range(2)
    )
    await first.acquire("getOrder")
    first.throttled("getOrder", retry_after=0.6)
    started = time.monotonic()
    await first.acquire("getOrder")  # waits itself, and tells the budget
    await second.acquire("getOrder")
    assert time.monotonic() - started >= 0.5
