"""What is knowable of a connection's rate limits: a read model for the CONNECTIONS tab.

Three facts, each true in its own place:

- the import feed's ``blocked_until`` (in ``ConnectionView``): a marketplace answered an
  import with 429, and the next import of the connection waits until then (both modes);
- the connection's live connector in this process: one token bucket per API operation
  with the rate in force (declared, or lower when the marketplace reported less) and the
  burst. In embedded mode this process makes every call, so its buckets are the whole
  truth: calls that may go at once, and any wait a 429 imposed;
- in distributed mode, the ``rate_budgets`` rows every worker shares (PostgreSQL): the
  calls left when a worker last took one, and the wait after a 429. This process's own
  buckets then say nothing of the workers' calls, so only the declared limits are used.

The one query of ``rate_budgets`` selects no secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from orderbridge.marketplaces.errors import MarketplaceError
from orderbridge.marketplaces.ratelimit import RateLimiter
from orderbridge.observability import log
from orderbridge.secrets_box import SecretUnreadable
from orderbridge.services.connections import connection_row, connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import ServiceError
from orderbridge.store.tables import rate_budgets


@dataclass(frozen=True, slots=True)
class Budget:
    operation: str
    rate: float | None  # calls per second allowed now; None: not metered, 429 still honoured
    burst: int | None  # calls that may go at once after a quiet spell
    available: float | None  # calls that may go at once now (estimated when shared)
    as_of: datetime | None  # shared: when a worker last took a call from the budget
    blocked_until: datetime | None  # no call before this: the marketplace answered 429

    @property
    def every(self) -> str:
        """The rate as people say it: "1 call every 3 min"."""
        if not self.rate:
            return "not metered"
        seconds = 1 / self.rate
        if seconds < 1:
            return f"{self.rate:g} calls a second"
        if seconds < 120:
            return f"1 call every {seconds:.0f} s"
        return f"1 call every {seconds / 60:.0f} min"


@dataclass(frozen=True, slots=True)
class RateState:
    shared: bool  # distributed mode: the budgets live in PostgreSQL
    budgets: list[Budget]
    unknown: str | None = None  # why the connector's limits could not be read

    def blocked(self, now: datetime) -> list[Budget]:
        return [b for b in self.budgets if b.blocked_until is not None and b.blocked_until > now]


async def _shared_rows(ctx: ServiceContext, connection_id: int) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        rows = (
            (
                await conn.execute(
                    select(rate_budgets).where(rate_budgets.c.connection_id == connection_id)
                )
            )
            .mappings()
            .all()
        )
    return {row["operation"]: row for row in rows}


async def _limiter(ctx: ServiceContext, connection_id: int) -> RateLimiter | None:
    connector = await connector_for(ctx, await connection_row(ctx, connection_id))
    # Every built-in connector keeps its buckets as ``limiter``; the connector protocol
    # does not promise one, so a plug-in without it simply shows no buckets.
    limiter = getattr(connector, "limiter", None)
    return limiter if isinstance(limiter, RateLimiter) else None


def _local(limiter: RateLimiter, operation: str, now: datetime) -> Budget:
    bucket = limiter.bucket(operation)
    wait = bucket.blocked_until - limiter.clock()
    return Budget(
        operation=operation,
        rate=bucket.rate,
        burst=bucket.burst,
        available=bucket.available() if bucket.rate is not None else None,
        as_of=None,
        blocked_until=now + timedelta(seconds=wait) if wait > 0 else None,
    )


def _shared(limiter: RateLimiter | None, operation: str, row: Any, now: datetime) -> Budget:
    bucket = limiter.bucket(operation) if limiter and operation in limiter.operations() else None
    rate = bucket.rate if bucket else None
    burst = bucket.burst if bucket else None
    available = None
    if row is not None and rate is not None and burst is not None:
        # The row holds the tokens left when last taken; they refill at the rate since.
        elapsed = max((now - row["updated_at"]).total_seconds(), 0.0)
        available = min(float(burst), row["tokens"] + elapsed * rate)
    return Budget(
        operation=operation,
        rate=rate,
        burst=burst,
        available=available,
        as_of=row["updated_at"] if row is not None else None,
        blocked_until=row["blocked_until"] if row is not None else None,
    )


async def rate_state(ctx: ServiceContext, connection_id: int) -> RateState:
    shared = not ctx.db.is_sqlite
    now = ctx.clock()
    unknown = None
    limiter = None
    try:
        limiter = await _limiter(ctx, connection_id)
    except (MarketplaceError, SecretUnreadable, ServiceError) as exc:
        unknown = getattr(exc, "message", None) or str(exc)
        log.warning("rate_state_unavailable", connection_id=connection_id, error=unknown)
    operations = sorted(limiter.operations()) if limiter else []
    if not shared:
        budgets = [_local(limiter, op, now) for op in operations] if limiter else []
        return RateState(shared=False, budgets=budgets, unknown=unknown)
    rows = await _shared_rows(ctx, connection_id)
    names = sorted(set(operations) | set(rows))
    budgets = [_shared(limiter, op, rows.get(op), now) for op in names]
    return RateState(shared=True, budgets=budgets, unknown=unknown)
