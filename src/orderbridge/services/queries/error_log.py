"""The error log as users read it: the paged list, one entry, and marking it resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.engine import RowMapping

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import NotFound
from orderbridge.services.queries.filters import connection_id
from orderbridge.services.queries.paging import (
    DEFAULT_LIMIT,
    Page,
    after,
    check_limit,
    decode_cursor,
    page_of,
)
from orderbridge.store.tables import connections, error_entries


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    id: int
    at: datetime
    severity: str
    title: str
    operation: str
    connection: str | None
    connection_id: int | None
    order_id: int | None
    external_order_id: str | None
    outbox_id: int | None
    import_run_id: int | None
    attributes: dict[str, Any]
    resolved_at: datetime | None


ERROR_COLUMNS = (*error_entries.c, connections.c.name.label("connection"))


def error_entry(row: RowMapping) -> ErrorEntry:
    return ErrorEntry(
        id=row["id"],
        at=row["at"],
        severity=row["severity"],
        title=row["title"],
        operation=row["operation"],
        connection=row["connection"],
        connection_id=row["connection_id"],
        order_id=row["order_id"],
        external_order_id=row["external_order_id"],
        outbox_id=row["outbox_id"],
        import_run_id=row["import_run_id"],
        attributes=dict(row["attributes"] or {}),
        resolved_at=row["resolved_at"],
    )


def _entries() -> Select[Any]:
    return select(*ERROR_COLUMNS).outerjoin(
        connections, connections.c.id == error_entries.c.connection_id
    )


async def list_errors(
    ctx: ServiceContext,
    *,
    connection: str | None = None,
    operation: str | None = None,
    unresolved_only: bool = False,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ErrorEntry]:
    """Newest first."""
    check_limit(limit)
    key = decode_cursor(cursor) if cursor else None
    query = _entries()
    async with ctx.db.read() as conn:
        if connection is not None:
            query = query.where(
                error_entries.c.connection_id == await connection_id(conn, connection)
            )
        if operation:
            query = query.where(error_entries.c.operation == operation)
        if unresolved_only:
            query = query.where(error_entries.c.resolved_at.is_(None))
        if key is not None:
            query = query.where(after(error_entries.c.at, error_entries.c.id, key, descending=True))
        query = query.order_by(error_entries.c.at.desc(), error_entries.c.id.desc())
        rows = (await conn.execute(query.limit(limit + 1))).mappings().all()
    return page_of([error_entry(row) for row in rows], limit, lambda item: (item.at, item.id))


async def error_detail(ctx: ServiceContext, entry_id: int) -> ErrorEntry:
    async with ctx.db.read() as conn:
        row = (
            (await conn.execute(_entries().where(error_entries.c.id == entry_id)))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"error entry {entry_id} does not exist")
    return error_entry(row)


async def resolve_error(ctx: ServiceContext, entry_id: int) -> ErrorEntry:
    """Mark an entry as dealt with; resolving twice keeps the first time."""
    async with ctx.db.write() as conn:
        result = await conn.execute(
            update(error_entries)
            .where(error_entries.c.id == entry_id, error_entries.c.resolved_at.is_(None))
            .values(resolved_at=ctx.clock())
        )
        if not result.rowcount:
            found = (
                await conn.execute(select(error_entries.c.id).where(error_entries.c.id == entry_id))
            ).scalar()
            if found is None:
                raise NotFound(f"error entry {entry_id} does not exist")
    return await error_detail(ctx, entry_id)
