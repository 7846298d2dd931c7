"""Returns as users look them up: the filtered, paged list and one return in full."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import RowMapping

from orderbridge.domain.returns import ReturnStatus
from orderbridge.domain.states import ExportStatus, ImportStatus
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import NotFound
from orderbridge.services.queries.filters import as_utc, connection_id, known_values
from orderbridge.services.queries.money_text import money_text
from orderbridge.services.queries.paging import (
    DEFAULT_LIMIT,
    Page,
    after,
    check_limit,
    decode_cursor,
    page_of,
)
from orderbridge.store import feeds
from orderbridge.store.return_tables import return_decisions, return_events, return_lines, returns
from orderbridge.store.tables import connections, import_feeds, orders


@dataclass(frozen=True, slots=True)
class ReturnSummary:
    id: int
    external_id: str
    order_id: int
    order_external_id: str
    connection: str
    channel: str
    requested_at: datetime
    last_updated_at: datetime
    marketplace_status: str
    status: str
    import_status: str
    export_status: str
    reason: str | None
    refund_amount: str | None
    currency: str
    quantity: int
    exported_at: datetime | None
    visible_only: bool


ReturnPage = Page[ReturnSummary]

_COLUMNS = (
    returns.c.id,
    returns.c.external_id,
    returns.c.order_id,
    orders.c.external_id.label("order_external_id"),
    connections.c.name.label("connection"),
    connections.c.channel,
    returns.c.requested_at,
    returns.c.last_updated_at,
    returns.c.marketplace_status,
    returns.c.status,
    returns.c.import_status,
    returns.c.export_status,
    returns.c.reason,
    returns.c.refund_amount,
    returns.c.currency,
    returns.c.exported_at,
    connections.c.visible_only,
)


async def list_returns(
    ctx: ServiceContext,
    *,
    connection: str | None = None,
    status: list[str] | None = None,
    export_status: list[str] | None = None,
    import_status: list[str] | None = None,
    requested_from: datetime | None = None,
    requested_to: datetime | None = None,
    search: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> ReturnPage:
    """Newest request first. ``search`` matches the return's or its order's marketplace id
    (exact or prefix) or a returned SKU (exact)."""
    check_limit(limit)
    statuses = known_values(status, ReturnStatus, "status")
    export_statuses = known_values(export_status, ExportStatus, "export_status")
    import_statuses = known_values(import_status, ImportStatus, "import_status")
    key = decode_cursor(cursor) if cursor else None
    query = (
        select(*_COLUMNS)
        .join(connections, connections.c.id == returns.c.connection_id)
        .join(orders, orders.c.id == returns.c.order_id)
    )
    async with ctx.db.read() as conn:
        if connection is not None:
            query = query.where(returns.c.connection_id == await connection_id(conn, connection))
        if statuses:
            query = query.where(returns.c.status.in_(statuses))
        if export_statuses:
            query = query.where(returns.c.export_status.in_(export_statuses))
        if import_statuses:
            query = query.where(returns.c.import_status.in_(import_statuses))
        if requested_from is not None:
            query = query.where(returns.c.requested_at >= as_utc(requested_from))
        if requested_to is not None:
            query = query.where(returns.c.requested_at < as_utc(requested_to))
        if search and search.strip():
            text = search.strip()
            sku_match = (
                select(return_lines.c.id)
                .where(return_lines.c.return_id == returns.c.id, return_lines.c.sku == text)
                .exists()
            )
            query = query.where(
                or_(
                    returns.c.external_id.startswith(text, autoescape=True),
                    orders.c.external_id.startswith(text, autoescape=True),
                    sku_match,
                )
            )
        if key is not None:
            query = query.where(after(returns.c.requested_at, returns.c.id, key, descending=True))
        query = query.order_by(returns.c.requested_at.desc(), returns.c.id.desc()).limit(limit + 1)
        rows = (await conn.execute(query)).mappings().all()
        quantities = await _quantities(conn, [row["id"] for row in rows])
    items = [_summary(row, quantities.get(row["id"], 0)) for row in rows]
    return page_of(items, limit, lambda item: (item.requested_at, item.id))


async def _quantities(conn: Any, return_ids: list[int]) -> dict[int, int]:
    if not return_ids:
        return {}
    found: dict[int, int] = {}
    rows = await conn.execute(
        select(return_lines.c.return_id, return_lines.c.quantity).where(
            return_lines.c.return_id.in_(return_ids)
        )
    )
    for row in rows:
        found[row.return_id] = found.get(row.return_id, 0) + int(row.quantity)
    return found


def _summary(row: RowMapping, quantity: int) -> ReturnSummary:
    refund = row["refund_amount"]
    return ReturnSummary(
        id=row["id"],
        external_id=row["external_id"],
        order_id=row["order_id"],
        order_external_id=row["order_external_id"],
        connection=row["connection"],
        channel=row["channel"],
        requested_at=row["requested_at"],
        last_updated_at=row["last_updated_at"],
        marketplace_status=row["marketplace_status"],
        status=row["status"],
        import_status=row["import_status"],
        export_status=row["export_status"],
        reason=row["reason"],
        refund_amount=money_text(refund, row["currency"]) if refund is not None else None,
        currency=row["currency"],
        quantity=quantity,
        exported_at=row["exported_at"],
        visible_only=row["visible_only"],
    )


async def return_detail(ctx: ServiceContext, return_id: int) -> dict[str, Any]:
    """Lines, decisions, history and the marketplace's raw payload of one return."""
    async with ctx.db.read() as conn:
        row = (
            (
                await conn.execute(
                    select(*_COLUMNS, returns.c.import_blockers, returns.c.raw)
                    .join(connections, connections.c.id == returns.c.connection_id)
                    .join(orders, orders.c.id == returns.c.order_id)
                    .where(returns.c.id == return_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"return {return_id} does not exist", field="return_id")
        currency = row["currency"]
        lines = (
            await conn.execute(
                select(return_lines)
                .where(return_lines.c.return_id == return_id)
                .order_by(return_lines.c.id)
            )
        ).mappings()
        line_views = [
            {
                "external_line_id": line["external_line_id"],
                "order_line_id": line["order_line_external_id"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "reason": line["reason"],
                "refund_amount": (
                    money_text(line["refund_amount"], currency)
                    if line["refund_amount"] is not None
                    else None
                ),
            }
            for line in lines
        ]
        decisions = [
            {
                "id": decision["id"],
                "reference": decision["external_id"],
                "decision": decision["decision"],
                "reason": decision["reason"],
                "note": decision["note"],
                "total": money_text(decision["total_amount"], decision["currency"]),
                "lines": decision["lines"],
                "status": decision["status"],
                "source": decision["source"],
                "last_error": decision["last_error"],
                "created_at": decision["created_at"],
                "confirmed_at": decision["confirmed_at"],
            }
            for decision in (
                await conn.execute(
                    select(return_decisions)
                    .where(return_decisions.c.return_id == return_id)
                    .order_by(return_decisions.c.id)
                )
            ).mappings()
        ]
        events = [
            {"kind": e["kind"], "at": e["at"], "actor": e["actor"], "data": e["data"]}
            for e in (
                await conn.execute(
                    select(return_events)
                    .where(return_events.c.return_id == return_id)
                    .order_by(return_events.c.id)
                )
            ).mappings()
        ]
    quantity = sum(line["quantity"] for line in line_views)
    return {
        **asdict(_summary(row, quantity)),
        "import_blockers": row["import_blockers"] or [],
        "lines": line_views,
        "decisions": decisions,
        "events": events,
        "raw": row["raw"],
    }


async def last_return_imports(ctx: ServiceContext) -> dict[int, datetime | None]:
    """Per connection id, the last successful returns import."""
    async with ctx.db.read() as conn:
        rows = await conn.execute(
            select(import_feeds.c.connection_id, import_feeds.c.last_success_at).where(
                import_feeds.c.feed == feeds.RETURNS
            )
        )
        return {row.connection_id: row.last_success_at for row in rows}
