"""Running an export configuration: schedule the orders its conditions pick.

A run holds the configuration's lease, so two workers never run one configuration at
once. It counts the matching orders by what it will do with them (one grouped query),
then schedules the eligible ones in batches: each batch is one short transaction that
adds the ``configuration_exports`` rows and their outbox rows together, so a run over
100,000 orders neither holds one giant transaction nor loads them all into memory.
The summary goes to ``last_run_summary`` and the audit log in the transaction that
ends the run, and back to the caller.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.states import ExportStatus, ImportStatus, OrderStatus, export_hold
from orderbridge.observability import log
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, NotFound
from orderbridge.services.export_conditions import stored_conditions
from orderbridge.services.export_configurations import SUBJECT, configuration_row
from orderbridge.services.order_export_status import schedule_orders, walk
from orderbridge.services.run_schedule import next_run
from orderbridge.store import configuration_schedule as schedule
from orderbridge.store.audit_trail import record_change
from orderbridge.store.configuration_exports import add_exports, requeue_export
from orderbridge.store.configuration_selection import (
    ALREADY_EXPORTED,
    ALREADY_SCHEDULED,
    AWAITING_PAYMENT,
    CANCELED,
    ELIGIBLE,
    EXPORT_FAILED,
    NOT_FULFILLABLE,
    NOT_FULLY_IMPORTED,
    VISIBLE_ONLY,
    Candidate,
    count_by_reason,
    eligible_batch,
)
from orderbridge.store.configuration_tables import configuration_exports
from orderbridge.store.error_log import record_error
from orderbridge.store.tables import connections, orders

BATCH_SIZE = 500
SKIP_REASONS = {
    ALREADY_EXPORTED: "already exported by this configuration",
    ALREADY_SCHEDULED: "already scheduled by this configuration",
    EXPORT_FAILED: "its export failed before; run with retry_failed (or retry it) to send again",
    NOT_FULLY_IMPORTED: "not fully imported",
    AWAITING_PAYMENT: "awaiting payment (the marketplace still shows it pending)",
    CANCELED: "canceled",
    NOT_FULFILLABLE: "not in a fulfillable status",
    VISIBLE_ONLY: "its connection is visible-only",
}
# (scheduled so far, to schedule in all), after each batch: for a progress bar.
Progress = Callable[[int, int], None]


class LeaseLost(RuntimeError):
    """The run took longer than its lease and another run may have started."""


@dataclass
class RunSummary:
    configuration: str
    trigger: str  # "manual" or "schedule"
    started_at: datetime
    retry_failed: bool = False
    finished_at: datetime | None = None
    matched: int = 0
    scheduled: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "configuration": self.configuration,
            "trigger": self.trigger,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "retry_failed": self.retry_failed,
            "matched": self.matched,
            "scheduled": self.scheduled,
            "skipped": dict(self.skipped),
            "error": self.error,
        }


def _lease_owner(actor: str) -> str:
    # Unique per run: two manual runs by one user must not release each other's lease.
    return f"{actor[:80]}/{secrets.token_hex(4)}"


async def run_configuration(
    ctx: ServiceContext,
    name: str,
    *,
    actor: str,
    retry_failed: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> RunSummary:
    """The manual Run: now, whatever the schedule or the enabled flag say."""
    async with ctx.db.read() as conn:
        row = await configuration_row(conn, name)
    summary = await _run(
        ctx,
        row["id"],
        owner=_lease_owner(actor),
        actor=actor,
        trigger="manual",
        retry_failed=retry_failed,
        progress=progress,
        batch_size=batch_size,
    )
    if summary is None:
        raise Conflict(
            f"export configuration {name!r} is running already; try again when it is done",
            field="name",
        )
    return summary


async def run_due_configurations(ctx: ServiceContext, *, owner: str) -> int:
    """Run every enabled configuration whose time has come; returns how many ran."""
    async with ctx.db.read() as conn:
        due = await schedule.due_configuration_ids(conn, ctx.clock())
    ran = 0
    for configuration_id in due:
        try:
            summary = await _run(
                ctx,
                configuration_id,
                owner=owner,
                actor="schedule",
                trigger="schedule",
                retry_failed=False,
                progress=None,
                batch_size=BATCH_SIZE,
            )
            ran += summary is not None
        except Exception:
            log.exception("export_configuration_crashed", configuration_id=configuration_id)
    return ran


async def _run(
    ctx: ServiceContext,
    configuration_id: int,
    *,
    owner: str,
    actor: str,
    trigger: str,
    retry_failed: bool,
    progress: Progress | None,
    batch_size: int,
) -> RunSummary | None:
    now = ctx.clock()
    lease = timedelta(seconds=ctx.settings.lease_seconds)
    async with ctx.db.write() as conn:
        leased = await schedule.try_lease(
            conn,
            configuration_id,
            owner=owner,
            now=now,
            lease=lease,
            only_if_due=trigger == "schedule",
        )
        if leased is None:
            return None
        row = await configuration_row(conn, leased["name"])
    summary = RunSummary(
        configuration=row["name"], trigger=trigger, started_at=now, retry_failed=retry_failed
    )
    try:
        await _schedule_matching(ctx, row, owner, actor, summary, progress, batch_size)
    except Exception as exc:
        log.exception("export_configuration_failed", configuration=row["name"])
        summary.error = f"{type(exc).__name__}: {exc}"
    finished = ctx.clock()
    summary.finished_at = finished
    async with ctx.db.write() as conn:
        await schedule.release(
            conn,
            configuration_id,
            owner=owner,
            next_run_at=next_run(row["interval_seconds"], row["cron"], finished),
            summary=summary.as_json(),
        )
        # Every manual run is audited; a scheduled one when it sent orders on their way
        # or failed; idle ticks every interval would bury the changes people look for.
        if trigger == "manual" or summary.scheduled or summary.error:
            await record_change(
                conn,
                at=finished,
                actor=actor,
                action="run",
                subject_kind=SUBJECT,
                subject_name=row["name"],
                changes=summary.as_json(),
            )
        if summary.error:
            await record_error(
                conn,
                title=f"Export configuration {row['name']!r} could not run: {summary.error}",
                operation="export",
                at=finished,
                attributes={
                    "configuration": row["name"],
                    "scheduled_before_the_error": summary.scheduled,
                    "fix": "correct what the message names; the configuration runs again at "
                    "its next scheduled time, or run it by hand",
                },
            )
    if summary.scheduled:
        ctx.wake()
    log.info(
        "export_configuration_ran",
        configuration=row["name"],
        matched=summary.matched,
        scheduled=summary.scheduled,
        error=summary.error,
    )
    return summary


async def _schedule_matching(
    ctx: ServiceContext,
    row: RowMapping,
    owner: str,
    actor: str,
    summary: RunSummary,
    progress: Progress | None,
    batch_size: int,
) -> None:
    wanted = stored_conditions(row["conditions"]).order_filter()
    lease = timedelta(seconds=ctx.settings.lease_seconds)
    async with ctx.db.read() as conn:
        counts = await count_by_reason(conn, row["id"], wanted, retry_failed=summary.retry_failed)
    to_schedule = counts.pop(ELIGIBLE, 0)
    summary.skipped = {reason: count for reason, count in counts.items() if count}
    if progress:
        progress(0, to_schedule)
    after_id = 0
    while True:
        async with ctx.db.write() as conn:
            now = ctx.clock()
            if not await schedule.renew_lease(conn, row["id"], owner=owner, now=now, lease=lease):
                raise LeaseLost(
                    f"the run outlasted its lease of {lease.total_seconds():.0f} s; "
                    "raise ORDERBRIDGE_LEASE_SECONDS if runs are this long"
                )
            batch = await eligible_batch(
                conn,
                row["id"],
                wanted,
                retry_failed=summary.retry_failed,
                after_id=after_id,
                limit=batch_size,
            )
            if not batch:
                break
            # Target and update_status as they are now: a change during a long run holds
            # for the batches after it.
            current = await configuration_row(conn, row["name"])
            summary.scheduled += await _schedule_batch(ctx, conn, current, batch, now, actor)
        after_id = batch[-1].order_id
        if progress:
            progress(summary.scheduled, max(to_schedule, summary.scheduled))
    # Counted as eligible, then scheduled by a concurrent retry before this run got there.
    raced = to_schedule - summary.scheduled
    if raced > 0:
        summary.skipped[ALREADY_SCHEDULED] = summary.skipped.get(ALREADY_SCHEDULED, 0) + raced
    summary.matched = summary.scheduled + sum(summary.skipped.values())


async def _schedule_batch(
    ctx: ServiceContext,
    conn: AsyncConnection,
    row: RowMapping,
    batch: list[Candidate],
    now: datetime,
    actor: str,
) -> int:
    max_attempts = ctx.settings.export_max_attempts
    scheduled = await add_exports(
        conn,
        configuration_id=row["id"],
        target_id=row["target_id"],
        rows=[(item.order_id, item.connection_id) for item in batch if item.export_id is None],
        status=walk(ExportStatus.NOT_EXPORTED, ExportStatus.SCHEDULED).value,
        now=now,
        max_attempts=max_attempts,
    )
    for item in batch:
        if item.export_id is not None and await requeue_export(
            conn,
            export_id=item.export_id,
            configuration_id=row["id"],
            order_id=item.order_id,
            connection_id=item.connection_id,
            target_id=row["target_id"],
            from_status=ExportStatus.EXPORT_FAILED.value,
            to_status=walk(ExportStatus.EXPORT_FAILED, ExportStatus.SCHEDULED).value,
            now=now,
            max_attempts=max_attempts,
        ):
            scheduled.append(item.order_id)
    if row["update_status"]:
        await schedule_orders(
            conn,
            scheduled,
            now=now,
            actor=actor,
            data={"configuration": row["name"], "target": row["target"]},
        )
    return len(scheduled)


def _ineligibility(order: RowMapping) -> str | None:
    if order["import_status"] != ImportStatus.COMPLETE:
        return "it is not fully imported"
    held = export_hold(OrderStatus(order["status"]))
    if held:
        return held
    if order["visible_only"]:
        return f"connection {order['connection']!r} is visible-only"
    return None


async def retry_export(ctx: ServiceContext, name: str, order_id: int, *, actor: str) -> str:
    """An operator's retry of one failed export of a configuration, with fresh attempts."""
    now = ctx.clock()
    async with ctx.db.write() as conn:
        row = await configuration_row(conn, name)
        export = (
            (
                await conn.execute(
                    select(configuration_exports).where(
                        configuration_exports.c.configuration_id == row["id"],
                        configuration_exports.c.order_id == order_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        if export is None:
            raise NotFound(
                f"export configuration {name!r} has no export of order {order_id}",
                field="order_id",
            )
        if export["status"] != ExportStatus.EXPORT_FAILED:
            raise Conflict(
                f"the export of order {order_id} by {name!r} is {export['status']}; only a "
                "failed export is retried",
                field="order_id",
            )
        order = (
            (
                await conn.execute(
                    select(
                        orders.c.import_status,
                        orders.c.status,
                        orders.c.connection_id,
                        connections.c.visible_only,
                        connections.c.name.label("connection"),
                    )
                    .join(connections, connections.c.id == orders.c.connection_id)
                    .where(orders.c.id == order_id)
                )
            )
            .mappings()
            .one()
        )
        reason = _ineligibility(order)
        if reason:
            raise Conflict(f"order {order_id} cannot be exported now: {reason}", field="order_id")
        await requeue_export(
            conn,
            export_id=export["id"],
            configuration_id=row["id"],
            order_id=order_id,
            connection_id=order["connection_id"],
            target_id=row["target_id"],
            from_status=ExportStatus.EXPORT_FAILED.value,
            to_status=walk(ExportStatus.EXPORT_FAILED, ExportStatus.SCHEDULED).value,
            now=now,
            max_attempts=ctx.settings.export_max_attempts,
        )
        if row["update_status"]:
            await schedule_orders(
                conn,
                [order_id],
                now=now,
                actor=actor,
                data={"configuration": name, "target": row["target"]},
            )
        await record_change(
            conn,
            at=now,
            actor=actor,
            action="retry",
            subject_kind=SUBJECT,
            subject_name=name,
            changes={"order_id": order_id},
        )
    ctx.wake()
    return "export scheduled again"
