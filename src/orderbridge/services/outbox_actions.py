"""An operator's hand on the scheduled exports and marketplace updates: retry one that
failed for good, bring a waiting one forward to now, or cancel one that should not be sent.

Each action changes only rows in a state that allows it (the UPDATE says which), so a
worker that claimed the row meanwhile wins and the operator is told to look again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import OrderEventKind, ReturnEventKind
from orderbridge.domain.fulfilment import UpdateKind, UpdateStatus
from orderbridge.domain.states import ExportStatus, can_transition, transition_to
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, NotFound
from orderbridge.services.exporting import export_orders
from orderbridge.services.fulfilment.update_building import SUBJECT_TABLES
from orderbridge.services.return_exports import EXPORT_RETURN, export_returns
from orderbridge.services.return_progress import decision_settled
from orderbridge.store import outbox_queue
from orderbridge.store.configuration_exports import EXPORT_CONFIGURED
from orderbridge.store.error_log import WARNING, record_error
from orderbridge.store.order_events import add_events
from orderbridge.store.return_tables import returns
from orderbridge.store.return_writer import add_return_events
from orderbridge.store.tables import orders, outbox

# What each kind of row carries, in the words of the scheduled exports tab.
KIND_NOUNS = {
    outbox_queue.EXPORT_ORDER: "Export to OMS",
    EXPORT_RETURN: "Return export",
    EXPORT_CONFIGURED: "Configured export",
    outbox_queue.NOTIFY_CANCELLED: "Cancellation notice to OMS",
    UpdateKind.SHIPMENT.value: "Shipment",
    UpdateKind.CANCELLATION.value: "Cancellation",
    UpdateKind.REFUND.value: "Refund",
    UpdateKind.ACKNOWLEDGEMENT.value: "Acknowledgement",
    UpdateKind.RETURN_DECISION.value: "Return decision",
}
# The order event a marketplace update that will never arrive leaves, as when refused.
_NOT_SENT_EVENTS = {
    UpdateKind.SHIPMENT.value: OrderEventKind.SHIPMENT_FAILED,
    UpdateKind.CANCELLATION.value: OrderEventKind.CANCELLATION_FAILED,
    UpdateKind.REFUND.value: OrderEventKind.REFUND_FAILED,
    UpdateKind.ACKNOWLEDGEMENT.value: OrderEventKind.ACKNOWLEDGEMENT_FAILED,
    UpdateKind.RETURN_DECISION.value: OrderEventKind.RETURN_DECISION_FAILED,
}


async def retry_item(ctx: ServiceContext, outbox_id: int, *, actor: str) -> str:
    """Send a dead row again with fresh attempts; answers what was done."""
    async with ctx.db.read() as conn:
        row = (
            (await conn.execute(select(outbox).where(outbox.c.id == outbox_id))).mappings().first()
        )
    if row is None:
        raise NotFound(f"scheduled export {outbox_id} does not exist")
    if row["status"] != outbox_queue.DEAD:
        raise Conflict(
            f"scheduled export {outbox_id} is {row['status']}: only a dead one is retried by hand"
        )
    if row["kind"] == outbox_queue.EXPORT_ORDER:
        (decision,) = await export_orders(ctx, [row["order_id"]], actor=actor)
        if not decision.scheduled:
            raise Conflict(decision.message)
        return decision.message
    if row["kind"] == EXPORT_RETURN and row["subject_id"] is not None:
        # Through the return's own retry, so its export status leaves "export failed"
        # with the row (a bare requeue would leave it there and the delivery refuse it).
        (decision,) = await export_returns(ctx, [int(row["subject_id"])], actor=actor)
        if not decision.scheduled:
            raise Conflict(decision.message)
        return decision.message
    table = SUBJECT_TABLES.get(row["kind"])
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if not await outbox_queue.requeue(conn, outbox_id, now=now):
            raise Conflict(f"scheduled export {outbox_id} changed meanwhile; look again")
        if table is not None and row["subject_id"] is not None:
            subject = (
                (await conn.execute(select(table).where(table.c.id == row["subject_id"])))
                .mappings()
                .one()
            )
            status = UpdateStatus(subject["status"])
            if status is UpdateStatus.FAILED:
                await conn.execute(
                    table.update()
                    .where(table.c.id == row["subject_id"])
                    .values(
                        status=transition_to(status, UpdateStatus.PENDING).value,
                        updated_at=now,
                    )
                )
            await add_events(
                conn,
                [row["order_id"]],
                OrderEventKind.MARKETPLACE_UPDATE_RETRIED,
                at=now,
                actor=actor,
                data={"kind": row["kind"], "outbox_id": outbox_id, "subject_id": row["subject_id"]},
            )
    ctx.wake()
    return "scheduled again"


async def _load(ctx: ServiceContext, outbox_id: int) -> RowMapping:
    async with ctx.db.read() as conn:
        row = (
            (
                await conn.execute(
                    select(outbox, orders.c.external_id.label("order_external_id"))
                    .join(orders, orders.c.id == outbox.c.order_id)
                    .where(outbox.c.id == outbox_id)
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"scheduled export {outbox_id} does not exist")
    return row


def _named(row: RowMapping) -> str:
    noun = KIND_NOUNS.get(row["kind"], row["kind"])
    return f"{noun} #{row['id']} of order {row['order_external_id']}"


async def retry_now(ctx: ServiceContext, outbox_id: int, *, actor: str) -> str:
    """Send a row at once: a dead one again with fresh attempts (:func:`retry_item`), a
    waiting one by bringing its next attempt forward to now. Answers what was done."""
    row = await _load(ctx, outbox_id)
    if row["status"] == outbox_queue.DEAD:
        return await retry_item(ctx, outbox_id, actor=actor)
    if row["status"] == outbox_queue.RUNNING:
        raise Conflict(f"{_named(row)} is being sent right now; wait for its outcome")
    if row["status"] != outbox_queue.PENDING:
        raise Conflict(f"{_named(row)} is {row['status']}: there is nothing left to send")
    now = ctx.clock()
    async with ctx.db.write() as conn:
        await _refuse_early_shipment(conn, row)
        moved = await conn.execute(
            update(outbox)
            .where(outbox.c.id == outbox_id, outbox.c.status == outbox_queue.PENDING)
            .values(next_attempt_at=now, updated_at=now)
        )
        if not moved.rowcount:
            raise Conflict(f"{_named(row)} changed meanwhile; look again")
        if row["lane"] == outbox_queue.MARKETPLACE_LANE:
            await add_events(
                conn,
                [row["order_id"]],
                OrderEventKind.MARKETPLACE_UPDATE_RETRIED,
                at=now,
                actor=actor,
                data={"kind": row["kind"], "outbox_id": outbox_id, "due_now": True},
            )
        ahead = await _ahead_of(conn, row)
    ctx.wake()
    if ahead is not None:
        return f"due now, but it waits until #{ahead} of the same order is finished"
    return "due now"


async def _refuse_early_shipment(conn: AsyncConnection, row: RowMapping) -> None:
    """A shipment still waiting for its tracking number is not sent early by hand: sent
    now it would go without tracking, which buyers and marketplaces hold against sellers."""
    if row["kind"] != UpdateKind.SHIPMENT or row["subject_id"] is None:
        return
    table = SUBJECT_TABLES[row["kind"]]
    status = (
        await conn.execute(select(table.c.status).where(table.c.id == row["subject_id"]))
    ).scalar()
    if status == UpdateStatus.WAITING_FOR_TRACKING:
        raise Conflict(
            f"{_named(row)} waits for its tracking number; send the tracking number from "
            "the OMS and the shipment goes at once"
        )


async def _ahead_of(conn: AsyncConnection, row: RowMapping) -> int | None:
    """The earlier unfinished row of the same order and lane that this one waits behind."""
    found = await conn.execute(
        select(outbox.c.id)
        .where(
            outbox.c.order_id == row["order_id"],
            outbox.c.lane == row["lane"],
            outbox.c.id < row["id"],
            outbox.c.status.not_in(outbox_queue.FINISHED),
        )
        .order_by(outbox.c.id)
        .limit(1)
    )
    value = found.scalar()
    return int(value) if value is not None else None


async def cancel(ctx: ServiceContext, outbox_id: int, *, actor: str) -> str:
    """Withdraw a waiting or dead row: it is never sent, what it carried says so (an order's
    or return's export goes back to not exported, a marketplace update to failed) and a
    warning in the error log names who cancelled it. Answers what was done."""
    row = await _load(ctx, outbox_id)
    if row["status"] == outbox_queue.RUNNING:
        raise Conflict(f"{_named(row)} is being sent right now; it cannot be called back")
    if row["status"] not in (outbox_queue.PENDING, outbox_queue.DEAD):
        raise Conflict(f"{_named(row)} is {row['status']}: there is nothing to cancel")
    if row["kind"] == EXPORT_CONFIGURED:
        raise Conflict(
            f"{_named(row)} belongs to an export configuration; change or remove the "
            "configuration instead (its failed exports are cancelled with it)"
        )
    if row["handle"]:
        raise Conflict(
            f"{_named(row)} is with the marketplace already (its reference {row['handle']}); "
            "it cannot be called back, only its result is awaited"
        )
    now = ctx.clock()
    note = f"cancelled by {actor}"
    values: dict[str, Any] = {
        "status": outbox_queue.CANCELLED,
        "last_error": note,
        "updated_at": now,
        "lease_until": None,
        "lease_owner": None,
    }
    if row["kind"] in (outbox_queue.EXPORT_ORDER, EXPORT_RETURN):
        # Free the key: a later export of the same order or return must queue a fresh row,
        # not find this cancelled one and answer "already scheduled".
        values["dedup_key"] = f"{row['dedup_key']}#cancelled-{outbox_id}"
    async with ctx.db.write() as conn:
        moved = await conn.execute(
            update(outbox)
            .where(
                outbox.c.id == outbox_id,
                outbox.c.status.in_((outbox_queue.PENDING, outbox_queue.DEAD)),
                outbox.c.handle.is_(None),
            )
            .values(**values)
        )
        if not moved.rowcount:
            raise Conflict(f"{_named(row)} changed meanwhile; look again")
        await _withdraw(conn, row, now=now, actor=actor, note=note)
        await record_error(
            conn,
            title=f"{_named(row)} {note}",
            operation="cancel",
            at=now,
            severity=WARNING,
            connection_id=row["connection_id"],
            order_id=row["order_id"],
            outbox_id=outbox_id,
            attributes={
                "kind": row["kind"],
                "cancelled_by": actor,
                "status_before": row["status"],
                "attempts": row["attempts"],
                "fix": "nothing, unless it should go after all: then send it again "
                "(export it again, or report the shipment, cancellation or refund anew)",
            },
        )
    ctx.wake()  # a row queued behind this one may go now
    if row["kind"] in SUBJECT_TABLES:
        return "cancelled; it is marked failed and never goes to the marketplace"
    return _CANCELLED_WORDS.get(row["kind"], "cancelled; it will not be sent")


_CANCELLED_WORDS = {
    outbox_queue.EXPORT_ORDER: "cancelled; the order is not exported now and waits until "
    "someone exports it again",
    EXPORT_RETURN: "cancelled; the return is not exported now and waits until someone "
    "exports it again",
    outbox_queue.NOTIFY_CANCELLED: "cancelled; the OMS is not told of the cancellation",
    UpdateKind.ACKNOWLEDGEMENT.value: "cancelled; the marketplace gets no acknowledgement",
}


async def _withdraw(
    conn: AsyncConnection, row: RowMapping, *, now: datetime, actor: str, note: str
) -> None:
    """What the cancelled row carried learns it will not be sent."""
    kind = row["kind"]
    if kind == outbox_queue.EXPORT_ORDER:
        await _unschedule(conn, orders, row["order_id"], now)
        await add_events(
            conn,
            [row["order_id"]],
            OrderEventKind.EXPORT_CANCELLED,
            at=now,
            actor=actor,
            data={"outbox_id": row["id"]},
        )
    elif kind == EXPORT_RETURN and row["subject_id"] is not None:
        await _unschedule(conn, returns, int(row["subject_id"]), now)
        await add_return_events(
            conn,
            [int(row["subject_id"])],
            ReturnEventKind.EXPORT_CANCELLED,
            at=now,
            actor=actor,
            data={"outbox_id": row["id"]},
        )
    elif kind in _NOT_SENT_EVENTS:
        subject = await _mark_not_sent(conn, kind, row["subject_id"], now=now, note=note)
        await add_events(
            conn,
            [row["order_id"]],
            _NOT_SENT_EVENTS[kind],
            at=now,
            actor=actor,
            data={"outbox_id": row["id"], "subject_id": row["subject_id"], "error": note},
        )
        if kind == UpdateKind.RETURN_DECISION and subject is not None:
            await decision_settled(conn, subject, confirmed=False, now=now, actor=actor, error=note)


async def _mark_not_sent(
    conn: AsyncConnection, kind: str, subject_id: int | None, *, now: datetime, note: str
) -> dict[str, Any] | None:
    """The shipment, cancellation, refund or return decision becomes failed, as when the
    marketplace refuses it (an acknowledgement has no record of its own)."""
    table = SUBJECT_TABLES.get(kind)
    if table is None or subject_id is None:
        return None
    found = (await conn.execute(select(table).where(table.c.id == subject_id))).mappings().first()
    if found is None:
        return None
    if can_transition(UpdateStatus(found["status"]), UpdateStatus.FAILED):
        await conn.execute(
            update(table)
            .where(table.c.id == subject_id)
            .values(status=UpdateStatus.FAILED.value, last_error=note, updated_at=now)
        )
    return dict(found)


async def _unschedule(conn: AsyncConnection, table: Any, item_id: int, now: datetime) -> None:
    """An order's or return's export status back to not exported, through the table of
    allowed moves; an export already made (or under way) is left as it is."""
    current = (
        await conn.execute(select(table.c.export_status).where(table.c.id == item_id))
    ).scalar()
    if current is None:
        return
    status = ExportStatus(current)
    if status is ExportStatus.NOT_EXPORTED or not can_transition(status, ExportStatus.NOT_EXPORTED):
        return
    await conn.execute(
        update(table)
        .where(table.c.id == item_id, table.c.export_status == current)
        .values(
            export_status=transition_to(status, ExportStatus.NOT_EXPORTED).value, updated_at=now
        )
    )
