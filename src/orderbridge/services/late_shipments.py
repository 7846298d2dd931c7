"""Orders at risk of shipping late: unshipped close to (or past) their latest ship date.

Flagged once per order, before the marketplace penalises the seller or cancels the
order: an event, a warning in the error log, the ``late_risk`` filter of the order list
and the ``orderbridge_orders_late_shipment_risk`` gauge. How close is "close" is the
connection's ``late_warning_seconds`` (a day by default).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.states import OrderStatus
from orderbridge.observability import LATE_SHIPMENT_RISK
from orderbridge.services.context import ServiceContext
from orderbridge.store.error_log import WARNING, record_error
from orderbridge.store.order_events import add_events
from orderbridge.store.tables import connections, orders

OPEN = (OrderStatus.UNSHIPPED.value, OrderStatus.PARTIALLY_SHIPPED.value)
_BATCH = 500


async def flag_late_shipments(ctx: ServiceContext) -> int:
    """Flag the orders that just came within their warning time; returns how many."""
    now = ctx.clock()
    async with ctx.db.read() as conn:
        widest = (await conn.execute(select(func.max(connections.c.late_warning_seconds)))).scalar()
    if widest is None:
        return 0
    horizon = now + timedelta(seconds=int(widest))
    async with ctx.db.write() as conn:
        candidates = (
            await conn.execute(
                select(
                    orders.c.id,
                    orders.c.external_id,
                    orders.c.connection_id,
                    orders.c.latest_ship_at,
                    connections.c.late_warning_seconds,
                    connections.c.name,
                )
                .join(connections, connections.c.id == orders.c.connection_id)
                .where(
                    orders.c.status.in_(OPEN),
                    orders.c.latest_ship_at.is_not(None),
                    orders.c.latest_ship_at <= horizon,
                    orders.c.late_flagged_at.is_(None),
                )
                .order_by(orders.c.latest_ship_at)
                .limit(_BATCH)
            )
        ).all()
        due = [
            row
            for row in candidates
            if row.latest_ship_at - timedelta(seconds=row.late_warning_seconds) <= now
        ]
        flagged = 0
        for row in due:
            # Another worker's scan may have flagged it meanwhile: flag (and warn) once.
            claimed = await conn.execute(
                update(orders)
                .where(orders.c.id == row.id, orders.c.late_flagged_at.is_(None))
                .values(late_flagged_at=now)
            )
            if not claimed.rowcount:
                continue
            flagged += 1
            left = row.latest_ship_at - now
            when = (
                f"{_hours(left)} before its latest ship date"
                if left.total_seconds() > 0
                else f"{_hours(-left)} past its latest ship date"
            )
            await add_events(
                conn,
                [row.id],
                OrderEventKind.LATE_SHIPMENT_RISK,
                at=now,
                actor="late-shipment-scan",
                data={"latest_ship_at": row.latest_ship_at.isoformat()},
            )
            await record_error(
                conn,
                title=f"Order {row.external_id} is not shipped yet, {when}",
                operation="late_shipment",
                at=now,
                severity=WARNING,
                connection_id=row.connection_id,
                order_id=row.id,
                external_order_id=row.external_id,
                attributes={
                    "latest_ship_at": row.latest_ship_at.isoformat(),
                    "connection": row.name,
                    "fix": "ship the order (and report the shipment) or cancel it with a "
                    "reason before the marketplace penalises the account",
                },
            )
        at_risk = (
            await conn.execute(
                select(func.count())
                .select_from(orders)
                .where(orders.c.status.in_(OPEN), orders.c.late_flagged_at.is_not(None))
            )
        ).scalar_one()
    LATE_SHIPMENT_RISK.set(at_risk)
    return flagged


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h"
