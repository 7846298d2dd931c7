"""Holding orders the merchant cannot fulfil yet, and releasing them when they can be.

A connection with ``check_catalog`` checks each new order against the catalog (through the
connection's SKU mappings): an unknown SKU, a disabled product or too little stock holds the
order — import status ``blocked`` with the reason per line — and it is neither exported nor
acknowledged. Held orders are checked again after every import run of their connection and
whenever the catalog or a mapping changes; once clear they are created (complete), take
their stock, and go to the OMS like any new order. Nothing is skipped: a held order stays
visible, with its reasons, until it is released.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.blockers import Product, blockers_of, merchant_sku, reservation
from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.order import OrderSnapshot
from orderbridge.domain.states import FULFILLABLE, ImportStatus, OrderStatus, transition_to
from orderbridge.services.acknowledgements import queue_acknowledgements
from orderbridge.services.connections import connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.services.export_scheduling import exports_new_orders, schedule
from orderbridge.store import catalog
from orderbridge.store.order_events import add_events
from orderbridge.store.order_rows import snapshot_from_rows
from orderbridge.store.tables import connections, order_lines, orders

_BATCH = 200


class CatalogCheck:
    """The check of one page's new orders, with the stock each cleared order takes, so two
    orders in one page cannot both take the last unit."""

    def __init__(self, mappings: dict[str, str], products: dict[str, dict[str, Any]]) -> None:
        self._mappings = mappings
        self._stock = {
            sku: Product(sku, bool(row["enabled"]), row["stock"]) for sku, row in products.items()
        }
        self.reserved: dict[str, int] = defaultdict(int)

    def __call__(self, fresh: list[OrderSnapshot]) -> dict[str, list[dict[str, Any]]]:
        held: dict[str, list[dict[str, Any]]] = {}
        for snap in fresh:
            found = blockers_of(snap.lines, self._mappings, self._stock)
            if found:
                held[snap.external_id] = [blocker.as_dict() for blocker in found]
                continue
            for sku, units in reservation(snap.lines, self._mappings).items():
                self.reserved[sku] += units
                product = self._stock.get(sku)
                if product is not None and product.stock is not None:
                    self._stock[sku] = Product(sku, product.enabled, product.stock - units)
        return held


async def catalog_check(
    conn: AsyncConnection, connection_id: int, snapshots: Iterable[OrderSnapshot]
) -> CatalogCheck:
    mappings = await catalog.mappings_of(conn, connection_id)
    skus = {merchant_sku(line, mappings) for snap in snapshots for line in snap.lines}
    return CatalogCheck(mappings, await catalog.products(conn, skus))


async def release_held(ctx: ServiceContext, connection_ids: list[int] | None = None) -> int:
    """Check held orders again (of some connections, or all); returns how many were released."""
    async with ctx.db.read() as conn:
        # Also connections that stopped checking: their held orders are released whole.
        query = select(connections)
        if connection_ids is not None:
            query = query.where(connections.c.id.in_(connection_ids))
        rows = [dict(row) for row in (await conn.execute(query)).mappings()]
        held_ones = []
        for row in rows:
            held = (
                await conn.execute(
                    select(func.count())
                    .select_from(orders)
                    .where(
                        orders.c.connection_id == row["id"],
                        orders.c.import_status == ImportStatus.BLOCKED.value,
                    )
                )
            ).scalar_one()
            if held:
                held_ones.append(row)
    released = 0
    for row in held_ones:
        capabilities = (await connector_for(ctx, row)).capabilities
        acknowledge = capabilities.acknowledgement_required and not row["visible_only"]
        released += await _release_connection(ctx, row, acknowledge)
    if released:
        ctx.wake()
    return released


async def _release_connection(ctx: ServiceContext, row: dict[str, Any], acknowledge: bool) -> int:
    now = ctx.clock()
    released = 0
    async with ctx.db.write() as conn:
        held = (
            (
                await conn.execute(
                    select(orders)
                    .where(
                        orders.c.connection_id == row["id"],
                        orders.c.import_status == ImportStatus.BLOCKED.value,
                    )
                    # Oldest first: the first in line gets the stock.
                    .order_by(orders.c.purchased_at, orders.c.id)
                    .limit(_BATCH)
                )
            )
            .mappings()
            .all()
        )
        snapshots = {}
        for order in held:
            lines = (
                (
                    await conn.execute(
                        select(order_lines)
                        .where(order_lines.c.order_id == order["id"])
                        .order_by(order_lines.c.id)
                    )
                )
                .mappings()
                .all()
            )
            snapshots[order["id"]] = (order, snapshot_from_rows(order, list(lines)))
        check = await catalog_check(conn, row["id"], (snap for _, snap in snapshots.values()))
        checking = row["check_catalog"] and not row["visible_only"]
        still = check([snap for _, snap in snapshots.values()]) if checking else {}
        clear = [
            order_id for order_id, (_, snap) in snapshots.items() if snap.external_id not in still
        ]
        for order_id, (order, snap) in snapshots.items():
            if snap.external_id in still:
                if still[snap.external_id] != order["import_blockers"]:
                    await conn.execute(
                        update(orders)
                        .where(orders.c.id == order_id)
                        .values(import_blockers=still[snap.external_id], updated_at=now)
                    )
                continue
            await conn.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(
                    import_status=transition_to(ImportStatus.BLOCKED, ImportStatus.COMPLETE).value,
                    import_blockers=None,
                    updated_at=now,
                )
            )
        await catalog.reserve(conn, dict(check.reserved), now)
        await add_events(conn, clear, OrderEventKind.IMPORT_UNBLOCKED, at=now, actor="catalog")
        fulfillable = [
            order_id
            for order_id in clear
            if OrderStatus(snapshots[order_id][0]["status"]) in FULFILLABLE
        ]
        if exports_new_orders(row):
            await schedule(
                ctx,
                conn,
                [(order_id, row["id"], row["export_target_id"]) for order_id in fulfillable],
                now=now,
                actor="catalog",
            )
        if acknowledge:
            await queue_acknowledgements(ctx, conn, row["id"], fulfillable, now=now)
        released = len(clear)
    return released


async def held_summary(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Per connection with held orders: how many, and the reasons with their counts."""
    async with ctx.db.read() as conn:
        rows = await conn.execute(
            select(connections.c.name, orders.c.import_blockers)
            .join(connections, connections.c.id == orders.c.connection_id)
            .where(orders.c.import_status == ImportStatus.BLOCKED.value)
            .order_by(connections.c.name)
        )
        per: dict[str, dict[str, Any]] = {}
        for name, blockers in rows:
            entry = per.setdefault(name, {"connection": name, "orders": 0, "reasons": {}})
            entry["orders"] += 1
            for blocker in blockers or []:
                message = blocker.get("message", blocker.get("reason", "blocked"))
                entry["reasons"][message] = entry["reasons"].get(message, 0) + 1
    notices = []
    for entry in per.values():
        reasons = sorted(entry["reasons"].items(), key=lambda item: (-item[1], item[0]))
        summary = "; ".join(f"{message} ({count})" for message, count in reasons[:5])
        notices.append(
            {
                "connection": entry["connection"],
                "orders": entry["orders"],
                "reasons": dict(reasons),
                "message": f"{entry['orders']} order(s) from connection {entry['connection']} "
                f"cannot be created: {summary}",
            }
        )
    return notices
