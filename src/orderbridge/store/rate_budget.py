"""A connection's rate budget in PostgreSQL, shared by every worker process.

Each (connection, operation) is one token bucket row. Taking a token locks the row for a
moment and refills it by the time elapsed on the database's clock, so workers on several
machines agree on the budget whatever their own clocks say. SQLite runs one process, whose
in-memory buckets suffice; this is used on PostgreSQL only.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func, select, update

from orderbridge.store.database import Database
from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.tables import rate_budgets

_NOW = func.clock_timestamp()


class PostgresRateBudget:
    """The :class:`~orderbridge.marketplaces.base.SharedBudget` of one connection."""

    def __init__(self, db: Database, connection_id: int) -> None:
        self._db = db
        self._connection_id = connection_id

    async def take(self, operation: str, rate: float, burst: int) -> float:
        async with self._db.write() as conn:
            # A bucket seen for the first time is full, like an idle seller's.
            await conn.execute(
                insert_for(conn, rate_budgets)
                .values(
                    connection_id=self._connection_id,
                    operation=operation,
                    tokens=float(burst),
                    updated_at=_NOW,
                )
                .on_conflict_do_nothing(index_elements=["connection_id", "operation"])
            )
            row = (
                await conn.execute(
                    select(
                        rate_budgets.c.tokens,
                        rate_budgets.c.updated_at,
                        rate_budgets.c.blocked_until,
                        _NOW.label("now"),
                    )
                    .where(self._key(operation))
                    .with_for_update()
                )
            ).one()
            now = row.now
            if row.blocked_until is not None and row.blocked_until > now:
                return (row.blocked_until - now).total_seconds()
            elapsed = max((now - row.updated_at).total_seconds(), 0.0)
            tokens = min(float(burst), row.tokens + elapsed * rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / rate
            await conn.execute(
                update(rate_budgets)
                .where(self._key(operation))
                .values(tokens=tokens, updated_at=now)
            )
        return wait

    async def block(self, operation: str, seconds: float) -> None:
        async with self._db.write() as conn:
            now = (await conn.execute(select(_NOW))).scalar_one()
            until = now + timedelta(seconds=seconds)
            await conn.execute(
                insert_for(conn, rate_budgets)
                .values(
                    connection_id=self._connection_id,
                    operation=operation,
                    tokens=0.0,
                    updated_at=now,
                    blocked_until=until,
                )
                .on_conflict_do_update(
                    index_elements=["connection_id", "operation"],
                    set_={"tokens": 0.0, "updated_at": now, "blocked_until": until},
                    where=(rate_budgets.c.blocked_until.is_(None))
                    | (rate_budgets.c.blocked_until < until),
                )
            )

    def _key(self, operation: str) -> ColumnElement[bool]:
        return and_(
            rate_budgets.c.connection_id == self._connection_id,
            rate_budgets.c.operation == operation,
        )
