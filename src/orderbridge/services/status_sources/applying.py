"""Applying one status row: find the order (or the return), then record it like an API
request would."""

from __future__ import annotations

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import ServiceError
from orderbridge.services.fulfilment.cancellations import record_cancellation
from orderbridge.services.fulfilment.recording import find_order_id
from orderbridge.services.fulfilment.refunds import record_refund
from orderbridge.services.fulfilment.requests import Idempotency, Recorded
from orderbridge.services.fulfilment.shipments import record_shipment
from orderbridge.services.return_decisions import find_return_id, record_return_decision
from orderbridge.services.status_sources.rows import RowOutcome, StatusRow, StatusSource
from orderbridge.store.error_log import record_error


async def apply_row(ctx: ServiceContext, source: StatusSource, row: StatusRow) -> RowOutcome:
    """Apply ``row``; a refusal is returned (and logged as an error entry), never raised."""
    try:
        recorded = await _apply(ctx, source, row)
    except ServiceError as refused:
        await _log_refusal(ctx, source, row, refused)
        return RowOutcome(row.origin, row.order_id, row.action, False, refused.message)
    replayed = recorded.replayed or not recorded.changed
    if replayed:
        message = f"{row.action} already applied ({recorded.kind} {recorded.id})"
    else:
        message = f"{row.action} recorded ({recorded.kind} {recorded.id})"
    return RowOutcome(row.origin, row.order_id, row.action, True, message, replayed=replayed)


async def _apply(ctx: ServiceContext, source: StatusSource, row: StatusRow) -> Recorded:
    actor = f"{source.kind}:{source.name}"
    idempotency = Idempotency(
        scope=f"status-source:{source.name}", key=row.key, request_hash=row.fingerprint()
    )
    if row.return_decision is not None and row.return_id:
        return_id = await find_return_id(
            ctx, external_id=row.return_id, connection=row.connection or source.connection
        )
        return await record_return_decision(
            ctx,
            return_id,
            row.return_decision,
            actor=actor,
            source=source.kind,
            idempotency=idempotency,
        )
    order_id = await find_order_id(
        ctx, external_id=row.order_id, connection=row.connection or source.connection
    )
    if row.action == "ship" and row.shipment is not None:
        return await record_shipment(
            ctx, order_id, row.shipment, actor=actor, source=source.kind, idempotency=idempotency
        )
    if row.action == "cancel" and row.cancellation is not None:
        return await record_cancellation(
            ctx,
            order_id,
            row.cancellation,
            actor=actor,
            source=source.kind,
            idempotency=idempotency,
        )
    if row.action == "refund" and row.refund is not None:
        return await record_refund(
            ctx, order_id, row.refund, actor=actor, source=source.kind, idempotency=idempotency
        )
    raise ServiceError(f"row has action {row.action!r} but no details for it")


async def _log_refusal(
    ctx: ServiceContext, source: StatusSource, row: StatusRow, refused: ServiceError
) -> None:
    async with ctx.db.write() as conn:
        await record_error(
            conn,
            title=f"Status {row.action} for order {row.order_id} from {row.origin} refused: "
            f"{refused.message}",
            operation="status_import",
            at=ctx.clock(),
            external_order_id=row.order_id[:100],
            attributes={
                "source": source.name,
                "origin": row.origin,
                "field": refused.field,
                "fix": "correct the row (or the order in the OMS) and send only that row "
                "again; the rest of the input was applied (rows with a reference may be "
                "repeated safely)",
            },
        )
