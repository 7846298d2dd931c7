"""Recording the OMS's decision on a return (accept, reject, refund in full or in part) and
queuing it for the marketplace, whichever way it arrives (API, status file, polling).

A decision the channel's API cannot carry is refused now, while the OMS is listening,
with what the channel does support. A refund is never more than the order line's paid
amount for the returned units; without amounts the returned units are refunded at their
price. The same decision sent twice (same OMS id, or same Idempotency-Key) is recorded
once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from orderbridge.domain.events import ReturnEventKind
from orderbridge.domain.fulfilment import UpdateKind, UpdateStatus
from orderbridge.domain.returns import ReturnDecisionKind, ReturnStatus
from orderbridge.services.connections import connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.services.fulfilment.recording import queue_for_marketplace, with_idempotency
from orderbridge.services.fulfilment.requests import Idempotency, Recorded
from orderbridge.store.return_tables import return_decisions, return_lines, returns
from orderbridge.store.return_writer import add_return_events
from orderbridge.store.tables import connections, order_lines, orders

_ZERO = Decimal(0)
_FINAL = frozenset({ReturnStatus.REFUNDED, ReturnStatus.CLOSED})


@dataclass(frozen=True, slots=True)
class DecisionLine:
    quantity: int | None = None  # None: every returned unit of the line
    line_id: str | None = None  # the return line (its marketplace id)
    sku: str | None = None
    amount: Decimal | None = None  # refund only; None: the units' price


@dataclass(frozen=True, slots=True)
class ReturnDecisionRequest:
    decision: ReturnDecisionKind
    lines: tuple[DecisionLine, ...] = ()  # empty: the whole return
    reason: str | None = None
    note: str | None = None
    reference: str | None = None  # the OMS's id of this decision


async def find_return_id(
    ctx: ServiceContext, *, external_id: str, connection: str | None = None
) -> int:
    """orderbridge's id of a marketplace return id, for status files and polling."""
    query = (
        select(returns.c.id, connections.c.name)
        .join(connections, connections.c.id == returns.c.connection_id)
        .where(returns.c.external_id == external_id)
    )
    if connection:
        query = query.where(connections.c.name == connection)
    async with ctx.db.read() as conn:
        found = (await conn.execute(query)).all()
    if not found:
        where = f" on connection {connection!r}" if connection else ""
        raise NotFound(
            f"no return {external_id!r}{where}: check the return id (and the connection), "
            "or import returns first",
            field="return",
        )
    if len(found) > 1:
        names = ", ".join(sorted(row.name for row in found))
        raise InvalidInput(
            f"return id {external_id!r} exists on several connections ({names}); "
            "name the connection",
            field="connection",
        )
    return int(found[0].id)


async def record_return_decision(
    ctx: ServiceContext,
    return_id: int,
    request: ReturnDecisionRequest,
    *,
    actor: str,
    source: str,
    idempotency: Idempotency | None = None,
) -> Recorded:
    connection = await _connection_of(ctx, return_id)
    await _require_supported(ctx, connection, request.decision)
    now = ctx.clock()

    async def work() -> Recorded:
        stored, lines, prices = await _load(conn, return_id)
        status = ReturnStatus(stored["status"])
        if status in _FINAL or (status is ReturnStatus.REJECTED and request.decision != "refund"):
            raise Conflict(
                f"return {stored['external_id']} is {status.value}: no {request.decision.value} "
                "can follow",
                field="decision",
            )
        chosen = _decision_lines(request, lines, prices, stored["currency"])
        external_id = request.reference or _derived_reference(request, chosen)
        existing = (
            await conn.execute(
                select(return_decisions.c.id).where(
                    return_decisions.c.return_id == return_id,
                    return_decisions.c.external_id == external_id,
                )
            )
        ).scalar()
        if existing is not None:
            return Recorded(
                UpdateKind.RETURN_DECISION.value, int(existing), stored["order_id"], changed=False
            )
        total = sum((Decimal(line["amount"]) for line in chosen), _ZERO)
        if request.decision is ReturnDecisionKind.REFUND and total <= 0:
            raise InvalidInput("the refund adds up to nothing", field="lines")
        result = await conn.execute(
            return_decisions.insert()
            .values(
                return_id=return_id,
                external_id=external_id,
                decision=request.decision.value,
                reason=request.reason,
                note=request.note,
                currency=stored["currency"],
                total_amount=total,
                lines=chosen,
                status=UpdateStatus.PENDING.value,
                source=source,
                created_at=now,
                updated_at=now,
            )
            .returning(return_decisions.c.id)
        )
        decision_id = int(result.scalar_one())
        order = {"id": stored["order_id"], "connection_id": stored["connection_id"]}
        await queue_for_marketplace(
            ctx, conn, UpdateKind.RETURN_DECISION, order, decision_id, now=now
        )
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.DECISION_RECORDED,
            at=now,
            actor=actor,
            data={
                "decision_id": decision_id,
                "decision": request.decision.value,
                "total": str(total),
                "currency": stored["currency"],
                "source": source,
            },
        )
        return Recorded(UpdateKind.RETURN_DECISION.value, decision_id, stored["order_id"])

    async with ctx.db.write() as conn:
        recorded = await with_idempotency(conn, idempotency, now, work)
    ctx.wake()
    return recorded


async def _connection_of(ctx: ServiceContext, return_id: int) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = (
            (
                await conn.execute(
                    select(connections)
                    .join(returns, returns.c.connection_id == connections.c.id)
                    .where(returns.c.id == return_id)
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"return {return_id} does not exist", field="return_id")
    return dict(row)


async def _require_supported(
    ctx: ServiceContext, connection: dict[str, Any], decision: ReturnDecisionKind
) -> None:
    if connection["visible_only"]:
        raise InvalidInput(
            f"connection {connection['name']!r} is visible-only: its returns are handled in "
            "the marketplace's seller portal, not through orderbridge",
            field="return_id",
        )
    capabilities = (await connector_for(ctx, connection)).capabilities
    if decision.value not in capabilities.return_decisions:
        supported = ", ".join(sorted(capabilities.return_decisions)) or "none"
        raise InvalidInput(
            f"{connection['channel']} takes no '{decision.value}' of a return through its API "
            f"(it takes: {supported}); do it in the marketplace's seller portal",
            field="decision",
        )


async def _load(
    conn: Any, return_id: int
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, tuple[int, Decimal]]]:
    if conn.dialect.name == "postgresql":
        # Serialise decisions on one return (SQLite's BEGIN IMMEDIATE already does).
        await conn.execute(select(returns.c.id).where(returns.c.id == return_id).with_for_update())
    stored = (await conn.execute(select(returns).where(returns.c.id == return_id))).mappings().one()
    lines = [
        dict(row)
        for row in (
            await conn.execute(
                select(return_lines)
                .where(return_lines.c.return_id == return_id)
                .order_by(return_lines.c.id)
            )
        ).mappings()
    ]
    prices = {
        row.external_line_id: (int(row.quantity_ordered), Decimal(row.item_price))
        for row in await conn.execute(
            select(
                order_lines.c.external_line_id,
                order_lines.c.quantity_ordered,
                order_lines.c.item_price,
            )
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(orders.c.id == stored["order_id"])
        )
    }
    return dict(stored), lines, prices


def _decision_lines(
    request: ReturnDecisionRequest,
    lines: list[dict[str, Any]],
    prices: dict[str, tuple[int, Decimal]],
    currency: str,
) -> list[dict[str, Any]]:
    """The lines the decision covers, as stored with it (JSON-safe: amounts as text)."""
    wanted = request.lines or tuple(
        DecisionLine(line_id=line["external_line_id"]) for line in lines
    )
    chosen: dict[str, dict[str, Any]] = {}
    for position, asked in enumerate(wanted):
        field = f"lines[{position}]"
        line = _named_line(lines, asked, field)
        quantity = line["quantity"] if asked.quantity is None else asked.quantity
        if quantity < 1 or quantity > line["quantity"]:
            raise InvalidInput(
                f"quantity must be between 1 and {line['quantity']} (the units returned on "
                f"line {line['external_line_id']})",
                field=f"{field}.quantity",
            )
        amount = _ZERO
        if request.decision is ReturnDecisionKind.REFUND:
            amount = _refund_amount(asked, line, quantity, prices, field, currency)
        chosen[line["external_line_id"]] = {
            "line_id": line["external_line_id"],
            "order_line_id": line["order_line_external_id"],
            "sku": line["sku"],
            "quantity": quantity,
            "amount": str(amount),
        }
    return list(chosen.values())


def _named_line(lines: list[dict[str, Any]], asked: DecisionLine, field: str) -> dict[str, Any]:
    if asked.line_id:
        for line in lines:
            if asked.line_id in (line["external_line_id"], line["order_line_external_id"]):
                return line
        known = ", ".join(line["external_line_id"] for line in lines)
        raise InvalidInput(
            f"the return has no line {asked.line_id!r} (its lines: {known})",
            field=f"{field}.line_id",
        )
    if asked.sku:
        matches = [line for line in lines if line["sku"] == asked.sku]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise InvalidInput(
                f"the return has no line with SKU {asked.sku!r}", field=f"{field}.sku"
            )
        raise InvalidInput(
            f"SKU {asked.sku!r} is on several returned lines; name the line by line_id",
            field=f"{field}.sku",
        )
    raise InvalidInput("each line needs a line_id or a sku", field=field)


def _refund_amount(
    asked: DecisionLine,
    line: dict[str, Any],
    quantity: int,
    prices: dict[str, tuple[int, Decimal]],
    field: str,
    currency: str,
) -> Decimal:
    ordered, price = prices.get(line["order_line_external_id"] or "", (0, _ZERO))
    paid = (price * quantity / ordered) if ordered else None
    if asked.amount is None:
        if paid is None:
            raise InvalidInput(
                f"line {line['external_line_id']}: its order line is unknown, so give the "
                "refund amount",
                field=f"{field}.amount",
            )
        return paid.quantize(Decimal("0.01"))
    if asked.amount <= 0:
        raise InvalidInput("a refund amount must be more than zero", field=f"{field}.amount")
    if paid is not None and asked.amount > paid:
        raise InvalidInput(
            f"line {line['external_line_id']}: {asked.amount} {currency} is more than the "
            f"{paid.quantize(Decimal('0.01'))} {currency} paid for {quantity} unit(s)",
            field=f"{field}.amount",
        )
    return asked.amount


def _derived_reference(request: ReturnDecisionRequest, chosen: list[dict[str, Any]]) -> str:
    """Without the OMS's own id, the same decision on the same lines is the same decision."""
    text = (
        request.decision.value
        + "|"
        + "|".join(f"{line['line_id']}:{line['quantity']}:{line['amount']}" for line in chosen)
    )
    return "derived-" + hashlib.sha256(text.encode()).hexdigest()[:24]
