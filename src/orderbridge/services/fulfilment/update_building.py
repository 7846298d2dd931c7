"""Turning a stored shipment, cancellation, refund or return decision into the connector
port's update."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.fulfilment import CancelReason, RefundReason, UpdateKind
from orderbridge.marketplaces.updates import (
    AcknowledgementUpdate,
    CancellationUpdate,
    MarketplaceUpdate,
    RefundLine,
    RefundUpdate,
    ReturnDecisionLine,
    ReturnDecisionUpdate,
    ShipmentUpdate,
    UpdateLine,
)
from orderbridge.store.fulfilment_tables import (
    cancellation_lines,
    cancellations,
    refund_lines,
    refunds,
    shipment_lines,
    shipments,
)
from orderbridge.store.return_tables import return_decisions, returns
from orderbridge.store.tables import order_lines, orders

SUBJECT_TABLES = {
    UpdateKind.SHIPMENT.value: shipments,
    UpdateKind.CANCELLATION.value: cancellations,
    UpdateKind.REFUND.value: refunds,
    UpdateKind.RETURN_DECISION.value: return_decisions,
}


async def load_subject(conn: AsyncConnection, kind: str, subject_id: int) -> dict[str, Any] | None:
    # An acknowledgement's subject is the order itself.
    table = SUBJECT_TABLES.get(kind, orders)
    row = (await conn.execute(select(table).where(table.c.id == subject_id))).mappings().first()
    return dict(row) if row else None


async def build_update(
    conn: AsyncConnection, kind: str, subject: dict[str, Any], order: dict[str, Any]
) -> MarketplaceUpdate:
    marketplace_ids = order.get("marketplace_ids") or []
    marketplace_id = marketplace_ids[0] if marketplace_ids else None
    external_id = order["external_id"]
    if kind == UpdateKind.ACKNOWLEDGEMENT:
        rows = await conn.execute(
            select(order_lines.c.external_line_id, order_lines.c.quantity_ordered)
            .where(order_lines.c.order_id == order["id"])
            .order_by(order_lines.c.id)
        )
        return AcknowledgementUpdate(
            reference=f"orderbridge-ack-{order['id']}",
            order_external_id=external_id,
            marketplace_id=marketplace_id,
            lines=tuple(UpdateLine(row.external_line_id, row.quantity_ordered) for row in rows),
        )
    if kind == UpdateKind.SHIPMENT:
        rows = await conn.execute(
            select(shipment_lines)
            .where(shipment_lines.c.shipment_id == subject["id"])
            .order_by(shipment_lines.c.id)
        )
        return ShipmentUpdate(
            # Numeric and ours: Amazon wants packageReferenceId as a positive number string.
            reference=str(subject["id"]),
            order_external_id=external_id,
            marketplace_id=marketplace_id,
            lines=tuple(UpdateLine(row.external_line_id, row.quantity) for row in rows),
            shipped_at=subject["shipped_at"],
            carrier_code=subject["carrier_code"],
            carrier_name=subject["carrier_name"],
            tracking_number=subject["tracking_number"],
            shipping_method=subject["shipping_method"],
            tracking_url=subject["tracking_url"],
        )
    if kind == UpdateKind.RETURN_DECISION:
        return_external_id = (
            await conn.execute(
                select(returns.c.external_id).where(returns.c.id == subject["return_id"])
            )
        ).scalar_one()
        return ReturnDecisionUpdate(
            reference=f"orderbridge-return-decision-{subject['id']}",
            order_external_id=external_id,
            return_external_id=return_external_id,
            marketplace_id=marketplace_id,
            decision=subject["decision"],
            currency=subject["currency"],
            lines=tuple(
                ReturnDecisionLine(
                    external_line_id=line["line_id"],
                    order_line_id=line["order_line_id"],
                    sku=line["sku"],
                    quantity=int(line["quantity"]),
                    amount=Decimal(line["amount"]),
                )
                for line in subject["lines"]
            ),
            reason=subject["reason"],
            note=subject["note"],
        )
    if kind == UpdateKind.CANCELLATION:
        rows = await conn.execute(
            select(cancellation_lines)
            .where(cancellation_lines.c.cancellation_id == subject["id"])
            .order_by(cancellation_lines.c.id)
        )
        return CancellationUpdate(
            reference=f"orderbridge-cancel-{subject['id']}",
            order_external_id=external_id,
            marketplace_id=marketplace_id,
            reason=CancelReason(subject["reason"]),
            whole_order=bool(subject["whole_order"]),
            lines=tuple(UpdateLine(row.external_line_id, row.quantity) for row in rows),
        )
    rows = await conn.execute(
        select(refund_lines)
        .where(refund_lines.c.refund_id == subject["id"])
        .order_by(refund_lines.c.id)
    )
    return RefundUpdate(
        reference=f"orderbridge-refund-{subject['id']}",
        order_external_id=external_id,
        marketplace_id=marketplace_id,
        currency=subject["currency"],
        reason=RefundReason(subject["reason"]),
        lines=tuple(
            RefundLine(
                row.external_line_id,
                row.quantity,
                item=row.item_amount,
                shipping=row.shipping_amount,
                tax=row.tax_amount,
            )
            for row in rows
        ),
    )
