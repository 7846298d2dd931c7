"""Delivering claimed marketplace updates: claim → call → record, no transaction held
across the call.

A second attempt is told it is a retry, so the connector looks at the marketplace
before sending again (a lost answer must not ship twice). An update the marketplace
processes asynchronously comes back with a handle; later attempts only ask for its
result, and those checks do not use up attempts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.fulfilment import UpdateKind, UpdateStatus
from orderbridge.domain.states import OrderStatus
from orderbridge.marketplaces.errors import ErrorClass, MarketplaceError, TransientError
from orderbridge.marketplaces.updates import Applied, MarketplaceUpdate, Submitted
from orderbridge.observability import FULFILMENT_SECONDS, MARKETPLACE_UPDATES, log
from orderbridge.services.connections import connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.services.fulfilment.progress import move_order_status
from orderbridge.services.fulfilment.update_building import (
    SUBJECT_TABLES,
    build_update,
    load_subject,
)
from orderbridge.services.retry_timing import backoff_delay
from orderbridge.services.return_progress import decision_settled
from orderbridge.store import outbox_queue
from orderbridge.store.error_log import record_error
from orderbridge.store.fulfilment_ledger import order_position
from orderbridge.store.fulfilment_tables import shipments
from orderbridge.store.order_events import add_events
from orderbridge.store.tables import connections, orders

_EVENTS = {
    UpdateKind.ACKNOWLEDGEMENT.value: (
        OrderEventKind.ACKNOWLEDGED,
        OrderEventKind.ACKNOWLEDGEMENT_FAILED,
    ),
    UpdateKind.SHIPMENT.value: (OrderEventKind.SHIPMENT_CONFIRMED, OrderEventKind.SHIPMENT_FAILED),
    UpdateKind.CANCELLATION.value: (
        OrderEventKind.CANCELLATION_CONFIRMED,
        OrderEventKind.CANCELLATION_FAILED,
    ),
    UpdateKind.REFUND.value: (OrderEventKind.REFUND_CONFIRMED, OrderEventKind.REFUND_FAILED),
    UpdateKind.RETURN_DECISION.value: (
        OrderEventKind.RETURN_DECISION_CONFIRMED,
        OrderEventKind.RETURN_DECISION_FAILED,
    ),
}
_NOUNS = {
    "ship": "Shipment",
    "cancel": "Cancellation",
    "refund": "Refund",
    "acknowledge": "Acknowledgement",
    "return_decision": "Return decision",
}


async def deliver_update(ctx: ServiceContext, item: outbox_queue.ClaimedItem, *, owner: str) -> str:
    """Send (or check on) one claimed update; returns the outcome for logs and tests."""
    loaded = await _load(ctx, item, owner)
    if isinstance(loaded, str):
        return loaded
    subject, built, connection = loaded
    connector = await connector_for(ctx, connection)
    channel = connection["channel"]
    if isinstance(built, MarketplaceUpdateWithoutTracking):
        if connector.capabilities.tracking_required:
            error = MarketplaceError(
                f"tracking required: {channel} does not accept a shipment without a tracking "
                f"number, and none arrived within the connection's tracking wait",
                operation="ship",
            )
            return await _failed(ctx, item, owner, subject, channel, error, fix=_TRACKING_FIX)
        built = built.update
    try:
        if item.handle:
            outcome = await connector.check_update(built, item.handle)
        else:
            outcome = await connector.push_update(built, retry=item.attempts > 1)
    except MarketplaceError as exc:
        return await _failed(ctx, item, owner, subject, channel, exc)
    except Exception as exc:  # an unexpected crash is retried like a network error
        log.exception("marketplace_update_crashed", outbox_id=item.id, order_id=item.order_id)
        error = TransientError(f"{type(exc).__name__}: {exc}", operation=item.kind)
        return await _failed(ctx, item, owner, subject, channel, error)
    if isinstance(outcome, Submitted):
        return await _submitted(ctx, item, owner, subject, channel, outcome)
    return await _applied(ctx, item, owner, subject, channel, outcome)


class MarketplaceUpdateWithoutTracking:
    """A shipment whose tracking wait ran out: sent without tracking only where allowed."""

    def __init__(self, update: MarketplaceUpdate) -> None:
        self.update = update


_TRACKING_FIX = (
    "send the tracking number for this shipment (API: POST …/shipments/{id}/tracking, or "
    "report the shipment again with its reference and tracking number); it is sent at once"
)


async def _load(
    ctx: ServiceContext, item: outbox_queue.ClaimedItem, owner: str
) -> (
    tuple[dict[str, Any], MarketplaceUpdate | MarketplaceUpdateWithoutTracking, dict[str, Any]]
    | str
):
    now = ctx.clock()
    async with ctx.db.write() as conn:
        subject = (
            await load_subject(conn, item.kind, item.subject_id)
            if item.subject_id is not None
            else None
        )
        order = (
            (await conn.execute(select(orders).where(orders.c.id == item.order_id)))
            .mappings()
            .first()
        )
        if subject is None or order is None or _done(item.kind, subject):
            await outbox_queue.settle(conn, item.id, owner=owner, status=outbox_queue.DONE, now=now)
            return "skipped"
        connection = (
            (await conn.execute(select(connections).where(connections.c.id == item.connection_id)))
            .mappings()
            .one()
        )
        built = await build_update(conn, item.kind, subject, dict(order))
    if item.kind == UpdateKind.SHIPMENT and not subject["tracking_number"]:
        return subject, MarketplaceUpdateWithoutTracking(built), dict(connection)
    return subject, built, dict(connection)


def _done(kind: str, subject: dict[str, Any]) -> bool:
    if kind == UpdateKind.ACKNOWLEDGEMENT:
        return subject["acknowledged_at"] is not None
    return bool(subject["status"] == UpdateStatus.CONFIRMED)


async def _set_subject(
    conn: AsyncConnection, kind: str, subject_id: int, now: datetime, **values: Any
) -> None:
    """Record where a shipment, cancellation or refund stands. An acknowledgement has no
    record of its own (its subject is the order): only its confirmation is kept, as the
    order's ``acknowledged_at``."""
    if kind == UpdateKind.ACKNOWLEDGEMENT:
        if values.get("status") == UpdateStatus.CONFIRMED.value:
            await conn.execute(
                update(orders).where(orders.c.id == subject_id).values(acknowledged_at=now)
            )
        return
    table = SUBJECT_TABLES[kind]
    await conn.execute(
        update(table).where(table.c.id == subject_id).values(updated_at=now, **values)
    )


async def _applied(
    ctx: ServiceContext,
    item: outbox_queue.ClaimedItem,
    owner: str,
    subject: dict[str, Any],
    channel: str,
    outcome: Applied,
) -> str:
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn, item.id, owner=owner, status=outbox_queue.DONE, now=now
        ):
            return "skipped"
        await _set_subject(
            conn,
            item.kind,
            subject["id"],
            now,
            status=UpdateStatus.CONFIRMED.value,
            confirmed_at=now,
            last_error=None,
        )
        await add_events(
            conn,
            [item.order_id],
            _EVENTS[item.kind][0],
            at=now,
            actor=owner,
            data={
                f"{_subject_key(item.kind)}": subject["id"],
                "already_at_marketplace": outcome.already,
                "detail": outcome.detail,
            },
        )
        if item.kind == UpdateKind.RETURN_DECISION:
            await decision_settled(conn, subject, confirmed=True, now=now, actor=owner)
        await _progress(conn, item, now, owner)
    result = "already" if outcome.already else "confirmed"
    MARKETPLACE_UPDATES.labels(channel, item.kind, result).inc()
    FULFILMENT_SECONDS.labels(channel, item.kind).observe(
        max((now - subject["created_at"]).total_seconds(), 0.0)
    )
    return result


async def _progress(
    conn: AsyncConnection, item: outbox_queue.ClaimedItem, now: datetime, actor: str
) -> None:
    position = await order_position(conn, item.order_id)
    if position is None:
        return
    if item.kind == UpdateKind.CANCELLATION:
        if position.fully_cancelled:
            await move_order_status(conn, position, OrderStatus.CANCELED, now=now, actor=actor)
        elif position.fully_shipped:
            await move_order_status(conn, position, OrderStatus.SHIPPED, now=now, actor=actor)
    if item.kind in (UpdateKind.SHIPMENT, UpdateKind.CANCELLATION) and position.fully_shipped:
        unconfirmed = (
            await conn.execute(
                select(shipments.c.id).where(
                    shipments.c.order_id == item.order_id,
                    shipments.c.status != UpdateStatus.CONFIRMED.value,
                    shipments.c.status != UpdateStatus.FAILED.value,
                )
            )
        ).first()
        if unconfirmed is None:
            await move_order_status(conn, position, OrderStatus.COMPLETE, now=now, actor=actor)


async def _submitted(
    ctx: ServiceContext,
    item: outbox_queue.ClaimedItem,
    owner: str,
    subject: dict[str, Any],
    channel: str,
    outcome: Submitted,
) -> str:
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn,
            item.id,
            owner=owner,
            status=outbox_queue.PENDING,
            now=now,
            next_attempt_at=now + outcome.check_after,
            handle=outcome.handle,
            not_an_attempt=True,
        ):
            return "skipped"
        if item.handle is None:
            await _set_subject(
                conn, item.kind, subject["id"], now, status=UpdateStatus.SUBMITTED.value
            )
            await add_events(
                conn,
                [item.order_id],
                OrderEventKind.MARKETPLACE_UPDATE_SUBMITTED,
                at=now,
                actor=owner,
                data={_subject_key(item.kind): subject["id"], "handle": outcome.handle},
            )
    MARKETPLACE_UPDATES.labels(channel, item.kind, "submitted").inc()
    return "submitted"


async def _failed(
    ctx: ServiceContext,
    item: outbox_queue.ClaimedItem,
    owner: str,
    subject: dict[str, Any],
    channel: str,
    exc: MarketplaceError,
    *,
    fix: str | None = None,
) -> str:
    now = ctx.clock()
    waited = exc.error_class is ErrorClass.RATE_LIMITED
    retryable = exc.error_class in (ErrorClass.TRANSIENT, ErrorClass.RATE_LIMITED)
    retry = retryable and (waited or item.attempts < item.max_attempts)
    if waited:
        delay = timedelta(seconds=exc.retry_after or ctx.settings.retry_base_seconds)
    else:
        delay = backoff_delay(ctx, item.attempts)
    noun = _NOUNS.get(item.kind, item.kind)
    async with ctx.db.write() as conn:
        if not await outbox_queue.settle(
            conn,
            item.id,
            owner=owner,
            status=outbox_queue.PENDING if retry else outbox_queue.DEAD,
            now=now,
            error=exc.message,
            next_attempt_at=now + delay if retry else None,
            not_an_attempt=waited,
        ):
            return "skipped"
        if not retry:
            await _set_subject(
                conn,
                item.kind,
                subject["id"],
                now,
                status=UpdateStatus.FAILED.value,
                last_error=exc.message,
            )
            await add_events(
                conn,
                [item.order_id],
                _EVENTS[item.kind][1],
                at=now,
                actor=owner,
                data={_subject_key(item.kind): subject["id"], "error": exc.message},
            )
            if item.kind == UpdateKind.RETURN_DECISION:
                await decision_settled(
                    conn, subject, confirmed=False, now=now, actor=owner, error=exc.message
                )
        else:
            await _set_subject(conn, item.kind, subject["id"], now, last_error=exc.message)
        if not retry or (item.attempts == 1 and not waited):
            await record_error(
                conn,
                title=f"{noun} {subject['id']} for order {item.order_id} "
                f"{'refused' if not retryable else 'failed'}: {exc.message}",
                operation=item.kind,
                at=now,
                connection_id=item.connection_id,
                order_id=item.order_id,
                outbox_id=item.id,
                attributes={
                    **exc.attributes(),
                    "attempt": item.attempts,
                    "fix": fix or _fix(exc, retry, now + delay),
                },
            )
    result = "retry" if retry else "failed"
    MARKETPLACE_UPDATES.labels(channel, item.kind, result).inc()
    log.warning(
        "marketplace_update_failed",
        order_id=item.order_id,
        outbox_id=item.id,
        kind=item.kind,
        result=result,
    )
    return result


def _fix(exc: MarketplaceError, retry: bool, at: datetime) -> str:
    if retry:
        return f"nothing: tried again automatically at {at.isoformat()}"
    if exc.error_class is ErrorClass.CONFIGURATION:
        return "correct the connection's settings as the message says, then retry"
    if exc.error_class is ErrorClass.TRANSIENT:
        return "the marketplace kept failing; retry when it answers again"
    return "the marketplace refused it: correct what its answer names, then retry or send a new one"


def _subject_key(kind: str) -> str:
    return {
        "ship": "shipment_id",
        "cancel": "cancellation_id",
        "refund": "refund_id",
        "acknowledge": "order_id",
        "return_decision": "return_decision_id",
    }[kind]
