"""Import runs as users see them: which trigger, what window, how many orders, what failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from orderbridge.services.context import ServiceContext
from orderbridge.services.queries.filters import connection_id
from orderbridge.services.queries.paging import DEFAULT_LIMIT, check_limit
from orderbridge.store.tables import connections, import_runs


@dataclass(frozen=True, slots=True)
class ImportRunView:
    id: int
    connection: str
    feed: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    window_lower: datetime | None
    window_upper: datetime | None
    pages: int
    orders_seen: int
    orders_created: int
    orders_updated: int
    orders_unchanged: int
    orders_failed: int
    error: str | None


async def list_import_runs(
    ctx: ServiceContext,
    connection: str | None = None,
    limit: int = DEFAULT_LIMIT,
    feed: str | None = None,
) -> list[ImportRunView]:
    """The latest runs first, of one connection or of all, of one feed (orders, returns)
    or of both."""
    check_limit(limit)
    query = select(*import_runs.c, connections.c.name.label("connection")).join(
        connections, connections.c.id == import_runs.c.connection_id
    )
    async with ctx.db.read() as conn:
        if connection is not None:
            query = query.where(
                import_runs.c.connection_id == await connection_id(conn, connection)
            )
        if feed is not None:
            query = query.where(import_runs.c.feed == feed)
        query = query.order_by(import_runs.c.started_at.desc(), import_runs.c.id.desc())
        rows = (await conn.execute(query.limit(limit))).mappings().all()
    return [
        ImportRunView(
            id=row["id"],
            connection=row["connection"],
            feed=row["feed"],
            trigger=row["trigger"],
            status=row["status"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            window_lower=row["window_lower"],
            window_upper=row["window_upper"],
            pages=row["pages"],
            orders_seen=row["orders_seen"],
            orders_created=row["orders_created"],
            orders_updated=row["orders_updated"],
            orders_unchanged=row["orders_unchanged"],
            orders_failed=row["orders_failed"],
            error=row["error"],
        )
        for row in rows
    ]
