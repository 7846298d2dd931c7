"""An operator's retry of a scheduled export or marketplace update that failed for good."""

from __future__ import annotations

from sqlalchemy import select

from orderbridge.domain.events import OrderEventKind
from orderbridge.domain.fulfilment import UpdateStatus
from orderbridge.domain.states import transition_to
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, NotFound
from orderbridge.services.exporting import export_orders
from orderbridge.services.fulfilment.update_building import SUBJECT_TABLES
from orderbridge.store import outbox_queue
from orderbridge.store.order_events import add_events
from orderbridge.store.tables import outbox


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
