"""Orders as users look them up: the filtered, paged list and one order in full."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.engine import RowMapping

from orderbridge.domain.states import ExportStatus, ImportStatus, OrderStatus
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import NotFound
from orderbridge.services.queries.error_log import ERROR_COLUMNS, error_entry
from orderbridge.services.queries.filters import as_utc, connection_id, known_values
from orderbridge.services.queries.fulfilment import KINDS, fulfilment_of
from orderbridge.services.queries.money_text import money_text
from orderbridge.services.queries.paging import (
    DEFAULT_LIMIT,
    Page,
    after,
    check_limit,
    decode_cursor,
    page_of,
)
from orderbridge.store.return_tables import returns
from orderbridge.store.tables import (
    connections,
    error_entries,
    export_targets,
    order_events,
    order_lines,
    orders,
    outbox,
)

LINE_AMOUNTS = ("item_price", "item_tax", "shipping_price", "shipping_tax", "discount")


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """One row of the order list; ``total`` is a decimal string in ``currency``."""

    id: int
    external_id: str
    connection: str
    channel: str
    purchased_at: datetime
    last_updated_at: datetime
    marketplace_status: str
    status: str
    import_status: str
    export_status: str
    total: str
    currency: str
    buyer_name: str | None
    exported_at: datetime | None
    # Its connection is visible-only: shown here, managed in the marketplace's portal.
    visible_only: bool = False
    # Still open and flagged as at risk of shipping after its latest ship date.
    late_risk: bool = False


OrderPage = Page[OrderSummary]

_SUMMARY_COLUMNS = (
    orders.c.id,
    orders.c.external_id,
    connections.c.name.label("connection"),
    connections.c.channel,
    orders.c.purchased_at,
    orders.c.last_updated_at,
    orders.c.marketplace_status,
    orders.c.status,
    orders.c.import_status,
    orders.c.export_status,
    orders.c.total_amount,
    orders.c.currency,
    orders.c.buyer,
    orders.c.exported_at,
    connections.c.visible_only,
    orders.c.late_flagged_at,
)
_OPEN = (OrderStatus.UNSHIPPED.value, OrderStatus.PARTIALLY_SHIPPED.value)


def _summary(row: RowMapping) -> OrderSummary:
    buyer = row["buyer"] or {}
    return OrderSummary(
        id=row["id"],
        external_id=row["external_id"],
        connection=row["connection"],
        channel=row["channel"],
        purchased_at=row["purchased_at"],
        last_updated_at=row["last_updated_at"],
        marketplace_status=row["marketplace_status"],
        status=row["status"],
        import_status=row["import_status"],
        export_status=row["export_status"],
        total=money_text(row["total_amount"], row["currency"]),
        currency=row["currency"],
        buyer_name=buyer.get("name"),
        exported_at=row["exported_at"],
        visible_only=row["visible_only"],
        late_risk=row["late_flagged_at"] is not None and row["status"] in _OPEN,
    )


def _search(query: Select[Any], text: str) -> Select[Any]:
    # IN over the SKU index, not a correlated EXISTS: SQLite would run EXISTS once per
    # order (seconds at 100,000 orders); this way it runs once.
    sku_matches = orders.c.id.in_(select(order_lines.c.order_id).where(order_lines.c.sku == text))
    return query.where(
        or_(
            orders.c.external_id.startswith(text, autoescape=True),
            orders.c.buyer["name"].as_string().icontains(text, autoescape=True),
            sku_matches,
        )
    )


async def list_orders(
    ctx: ServiceContext,
    *,
    connection: str | None = None,
    status: list[str] | None = None,
    export_status: list[str] | None = None,
    import_status: list[str] | None = None,
    purchased_from: datetime | None = None,
    purchased_to: datetime | None = None,
    search: str | None = None,
    late_risk: bool | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> OrderPage:
    """Newest purchase first. ``purchased_from`` is inclusive, ``purchased_to`` exclusive.

    ``search`` matches an external order id exactly or by prefix, a buyer name containing
    it (any case), or a line's SKU exactly. ``late_risk`` keeps (or drops) the open orders
    flagged as at risk of shipping late.
    """
    check_limit(limit)
    statuses = known_values(status, OrderStatus, "status")
    export_statuses = known_values(export_status, ExportStatus, "export_status")
    import_statuses = known_values(import_status, ImportStatus, "import_status")
    key = decode_cursor(cursor) if cursor else None
    query = select(*_SUMMARY_COLUMNS).join(connections, connections.c.id == orders.c.connection_id)
    async with ctx.db.read() as conn:
        if connection is not None:
            query = query.where(orders.c.connection_id == await connection_id(conn, connection))
        if statuses:
            query = query.where(orders.c.status.in_(statuses))
        if export_statuses:
            query = query.where(orders.c.export_status.in_(export_statuses))
        if import_statuses:
            query = query.where(orders.c.import_status.in_(import_statuses))
        if purchased_from is not None:
            query = query.where(orders.c.purchased_at >= as_utc(purchased_from))
        if purchased_to is not None:
            query = query.where(orders.c.purchased_at < as_utc(purchased_to))
        if search and search.strip():
            query = _search(query, search.strip())
        if late_risk is not None:
            at_risk = orders.c.late_flagged_at.is_not(None) & orders.c.status.in_(_OPEN)
            query = query.where(at_risk if late_risk else ~at_risk)
        if key is not None:
            query = query.where(after(orders.c.purchased_at, orders.c.id, key, descending=True))
        query = query.order_by(orders.c.purchased_at.desc(), orders.c.id.desc()).limit(limit + 1)
        rows = (await conn.execute(query)).mappings().all()
    return page_of(
        [_summary(row) for row in rows], limit, lambda item: (item.purchased_at, item.id)
    )


async def order_detail(ctx: ServiceContext, order_id: int) -> dict[str, Any]:
    """The order with its lines, events (oldest first), exports, errors and raw payload."""
    async with ctx.db.read() as conn:
        row = (
            (
                await conn.execute(
                    select(
                        orders,
                        connections.c.name.label("connection"),
                        connections.c.channel,
                        connections.c.visible_only,
                    )
                    .join(connections, connections.c.id == orders.c.connection_id)
                    .where(orders.c.id == order_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"order {order_id} does not exist")
        lines = (
            await conn.execute(
                select(order_lines)
                .where(order_lines.c.order_id == order_id)
                .order_by(order_lines.c.id)
            )
        ).mappings()
        line_items = [_line(line, row["currency"]) for line in lines]
        events = (
            await conn.execute(
                select(order_events)
                .where(order_events.c.order_id == order_id)
                .order_by(order_events.c.at, order_events.c.id)
            )
        ).mappings()
        event_items = [
            {
                "id": event["id"],
                "kind": event["kind"],
                "at": event["at"],
                "actor": event["actor"],
                "data": event["data"],
            }
            for event in events
        ]
        exports = (
            await conn.execute(
                select(outbox, export_targets.c.name.label("target"))
                .outerjoin(export_targets, export_targets.c.id == outbox.c.target_id)
                .where(outbox.c.order_id == order_id)
                .order_by(outbox.c.id)
            )
        ).mappings()
        export_items = [_export(item) for item in exports]
        errors = (
            await conn.execute(
                select(*ERROR_COLUMNS)
                .outerjoin(connections, connections.c.id == error_entries.c.connection_id)
                .where(
                    or_(
                        error_entries.c.order_id == order_id,
                        # Import failures happen before the order exists, so they carry
                        # only the marketplace's id.
                        (error_entries.c.connection_id == row["connection_id"])
                        & (error_entries.c.external_order_id == row["external_id"]),
                    )
                )
                .order_by(error_entries.c.at, error_entries.c.id)
            )
        ).mappings()
        error_items = [asdict(error_entry(entry)) for entry in errors]
        fulfilment = {kind: await fulfilment_of(conn, order_id, kind) for kind in KINDS}
        order_returns = [
            {
                "id": item.id,
                "external_id": item.external_id,
                "status": item.status,
                "export_status": item.export_status,
                "requested_at": item.requested_at,
            }
            for item in await conn.execute(
                select(
                    returns.c.id,
                    returns.c.external_id,
                    returns.c.status,
                    returns.c.export_status,
                    returns.c.requested_at,
                )
                .where(returns.c.order_id == order_id)
                .order_by(returns.c.requested_at, returns.c.id)
            )
        ]
    return {
        **asdict(_summary(row)),
        "marketplace_ids": list(row["marketplace_ids"]),
        "latest_ship_at": row["latest_ship_at"],
        "late_flagged_at": row["late_flagged_at"],
        "acknowledged_at": row["acknowledged_at"],
        "acknowledgement_overdue_at": row["acknowledgement_overdue_at"],
        "fulfillment_channel": row["fulfillment_channel"],
        "import_blockers": row["import_blockers"],
        "buyer": row["buyer"],
        "shipping_address": row["shipping_address"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "lines": line_items,
        "events": event_items,
        "exports": export_items,
        "errors": error_items,
        **fulfilment,
        "returns": order_returns,
        "raw": row["raw"],
    }


def _line(line: RowMapping, currency: str) -> dict[str, Any]:
    return {
        "id": line["id"],
        "external_line_id": line["external_line_id"],
        "sku": line["sku"],
        "title": line["title"],
        "asin": line["asin"],
        "quantity_ordered": line["quantity_ordered"],
        "quantity_shipped": line["quantity_shipped"],
        "quantity_cancelled": line["quantity_cancelled"],
        **{name: money_text(line[name], currency) for name in LINE_AMOUNTS},
        "currency": currency,
    }


def _export(item: RowMapping) -> dict[str, Any]:
    return {
        "id": item["id"],
        "kind": item["kind"],
        "target": item["target"],
        "status": item["status"],
        "attempts": item["attempts"],
        "max_attempts": item["max_attempts"],
        "next_attempt_at": item["next_attempt_at"],
        "last_error": item["last_error"],
        "created_at": item["created_at"],
        "done_at": item["done_at"],
    }
