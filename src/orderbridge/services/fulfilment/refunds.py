"""Recording refunds: whole or partial, never more than was paid per line and component."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.fulfilment import UpdateKind, UpdateStatus
from orderbridge.domain.money import Money
from orderbridge.domain.states import OrderStatus
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput
from orderbridge.services.fulfilment.recording import (
    check_quantity,
    locked_position,
    order_context,
    queue_for_marketplace,
    require_operation,
    resolve_line,
    with_idempotency,
)
from orderbridge.services.fulfilment.requests import Idempotency, Recorded, RefundRequest
from orderbridge.store.fulfilment_ledger import LinePosition, OrderPosition
from orderbridge.store.fulfilment_tables import refund_lines, refunds
from orderbridge.store.order_events import add_events

_ZERO = Decimal(0)


async def record_refund(
    ctx: ServiceContext,
    order_id: int,
    request: RefundRequest,
    *,
    actor: str,
    source: str,
    idempotency: Idempotency | None = None,
) -> Recorded:
    require_operation(await order_context(ctx, order_id), "refund", "refunds")
    now = ctx.clock()

    async def work() -> Recorded:
        position = await locked_position(conn, order_id)
        status = OrderStatus(position.order["status"])
        if status is OrderStatus.PENDING:
            raise Conflict(
                "the order is not paid yet: there is nothing to refund", field="order_id"
            )
        currency = position.order["currency"]
        lines = _refund_lines(position, request, currency)
        total = sum((sum(amounts[1:], _ZERO) for amounts in lines.values()), _ZERO)
        if total <= 0:
            raise InvalidInput("the refund adds up to nothing", field="lines")
        refund_id = await _insert(conn, position, request, lines, total, source, now)
        await queue_for_marketplace(
            ctx, conn, UpdateKind.REFUND, position.order, refund_id, now=now
        )
        await add_events(
            conn,
            [order_id],
            OrderEventKind.REFUND_REQUESTED,
            at=now,
            actor=actor,
            data={
                "refund_id": refund_id,
                "reason": request.reason.value,
                "total": str(total),
                "currency": currency,
            },
        )
        return Recorded(UpdateKind.REFUND.value, refund_id, order_id)

    async with ctx.db.write() as conn:
        recorded = await with_idempotency(conn, idempotency, now, work)
    ctx.wake()
    return recorded


Amounts = tuple[int, Decimal, Decimal, Decimal]  # quantity, item, shipping, tax


def _refund_lines(
    position: OrderPosition, request: RefundRequest, currency: str
) -> dict[str, Amounts]:
    if not request.lines:
        chosen = {
            line.external_line_id: _default(
                line, line.shipped_total - line.refunded_quantity, currency
            )
            for line in position.lines.values()
            if line.shipped_total > line.refunded_quantity
        }
        if not chosen:
            raise Conflict(
                "nothing shipped is left to refund; name lines and amounts to refund "
                "something else",
                field="lines",
            )
        return {line_id: amounts for line_id, amounts in chosen.items()}
    result: dict[str, Amounts] = {}
    for index, wanted in enumerate(request.lines):
        field = f"lines[{index}]"
        check_quantity(wanted.quantity, field)
        line = resolve_line(position, line_id=wanted.line_id, sku=wanted.sku, field=field)
        if line.external_line_id in result:
            raise InvalidInput("a line may appear once per refund", field=field)
        if line.refunded_quantity + wanted.quantity > line.quantity_ordered:
            raise InvalidInput(
                f"line {line.external_line_id} (SKU {line.sku}): {wanted.quantity} more "
                f"refunded would exceed the {line.quantity_ordered} ordered "
                f"({line.refunded_quantity} refunded already)",
                field=f"{field}.quantity",
            )
        _, item, shipping, tax = _default(line, wanted.quantity, currency)
        amounts: Amounts = (
            wanted.quantity,
            _amount(wanted.item_amount, item, f"{field}.item_amount"),
            _amount(wanted.shipping_amount, shipping, f"{field}.shipping_amount"),
            _amount(wanted.tax_amount, tax, f"{field}.tax_amount"),
        )
        _check_not_more_than_paid(line, amounts, currency, field)
        result[line.external_line_id] = amounts
    return result


def _default(line: LinePosition, quantity: int, currency: str) -> Amounts:
    """The line's own price for ``quantity`` units (its amounts are line totals)."""
    share = Decimal(quantity) / Decimal(line.quantity_ordered or 1)
    item = Money(line.item_paid * share, currency).quantized().amount
    tax = Money(line.tax_paid * share, currency).quantized().amount
    return quantity, item, _ZERO, tax


def _amount(given: Decimal | None, default: Decimal, field: str) -> Decimal:
    if given is None:
        return default
    if given < 0:
        raise InvalidInput("refund amounts are positive: what goes back to the buyer", field=field)
    return given


def _check_not_more_than_paid(
    line: LinePosition, amounts: Amounts, currency: str, field: str
) -> None:
    _, item, shipping, tax = amounts
    for label, asked, paid, refunded in (
        ("item_amount", item, line.item_paid, line.item_refunded),
        ("shipping_amount", shipping, line.shipping_paid, line.shipping_refunded),
        ("tax_amount", tax, line.tax_paid, line.tax_refunded),
    ):
        if refunded + asked > paid:
            raise InvalidInput(
                f"line {line.external_line_id}: refunding {_text(asked, currency)} of {label} "
                f"would exceed what was paid ({_text(paid, currency)}, "
                f"{_text(refunded, currency)} refunded already)",
                field=f"{field}.{label}",
            )


def _text(amount: Decimal, currency: str) -> str:
    # The database may hand back 19.9900; people read the currency's own precision.
    return str(Money(amount, currency).quantized())


async def _insert(
    conn: AsyncConnection,
    position: OrderPosition,
    request: RefundRequest,
    lines: dict[str, Amounts],
    total: Decimal,
    source: str,
    now: datetime,
) -> int:
    refund_id = (
        await conn.execute(
            refunds.insert()
            .values(
                order_id=position.order["id"],
                connection_id=position.order["connection_id"],
                reason=request.reason.value,
                note=request.note,
                currency=position.order["currency"],
                total_amount=total,
                status=UpdateStatus.PENDING.value,
                source=source,
                created_at=now,
                updated_at=now,
            )
            .returning(refunds.c.id)
        )
    ).scalar_one()
    await conn.execute(
        refund_lines.insert(),
        [
            {
                "refund_id": refund_id,
                "external_line_id": line_id,
                "quantity": quantity,
                "item_amount": item,
                "shipping_amount": shipping,
                "tax_amount": tax,
            }
            for line_id, (quantity, item, shipping, tax) in lines.items()
        ],
    )
    return int(refund_id)
