"""Import returns from one connection: its own feed, watermark and schedule beside the orders'.

The rules are the orders' (see :mod:`.importing`): closed windows, one short transaction
per page, the watermark committed only when its window is stored. Two things can stop a
return from being stored, and neither loses it: its order is not in orderbridge yet (the
order is queued for the next order import and the window is read again soon), or it
cannot be mapped (an error entry names it). Either way the watermark stays before that
window until the return is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from orderbridge.marketplaces.base import Connector, MappingProblem, ReadWindow, ReturnPage
from orderbridge.marketplaces.errors import ErrorClass, MarketplaceError
from orderbridge.observability import log
from orderbridge.secrets_box import SecretUnreadable
from orderbridge.services.connections import connection_row, connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.export_scheduling import exports_new_orders
from orderbridge.services.import_run_records import (
    ImportSummary,
    RunFailure,
    record_failure,
    record_success,
    retry_delay,
    save_counters,
)
from orderbridge.services.importing import RAW_EXCERPT_CHARS, request_imports
from orderbridge.services.return_exports import schedule_return_exports
from orderbridge.store import feeds
from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.error_log import record_error
from orderbridge.store.return_writer import upsert_returns
from orderbridge.store.tables import error_entries, import_retries, import_runs

# A channel without a returns API: look again rarely, in case the connector gains one.
NO_RETURNS_RECHECK = timedelta(days=1)
# How soon to read a window again when it waited for its orders to be imported.
WAIT_FOR_ORDERS = timedelta(seconds=60)


@dataclass(slots=True)
class _Run:
    ctx: ServiceContext
    row: dict[str, Any]
    feed: dict[str, Any]
    owner: str
    summary: ImportSummary
    waiting_for_orders: bool = False
    unmapped: bool = False

    @property
    def connection_id(self) -> int:
        return int(self.row["id"])


async def import_returns(
    ctx: ServiceContext, name_or_id: str | int, *, trigger: str, owner: str
) -> ImportSummary:
    """One returns import run of one connection; safe to call from many workers at once."""
    row = await connection_row(ctx, name_or_id)
    summary = ImportSummary(connection_id=row["id"], connection_name=row["name"], status="skipped")
    if not row["import_enabled"] and trigger != "schedule":
        raise InvalidInput(
            f"import is disabled for connection {row['name']!r}; enable it with "
            f"`orderbridge connections enable {row['name']}`"
        )
    now = ctx.clock()
    async with ctx.db.write() as conn:
        await feeds.ensure_feed(conn, row["id"], feeds.RETURNS, now)
        feed = await feeds.try_lease(
            conn, row["id"], feeds.RETURNS, owner=owner, now=now, lease=_lease(ctx)
        )
    if feed is None:
        summary.error = "a returns import of this connection is running already"
        return summary
    run = _Run(ctx, row, feed, owner, summary)
    try:
        connector = await connector_for(ctx, row)
    except (SecretUnreadable, MarketplaceError, ValueError) as exc:
        await _start(run, trigger)
        await _finish_failed(run, str(exc), ErrorClass.CONFIGURATION, {}, None)
        return summary
    if not connector.capabilities.returns:
        await _no_returns_api(run, trigger == "schedule")
        return summary
    await _start(run, trigger)
    try:
        watermark = await _read_windows(run, connector)
    except MarketplaceError as exc:
        await _finish_failed(run, exc.message, exc.error_class, exc.attributes(), exc.retry_after)
        return summary
    except Exception as exc:  # an unforeseen bug must still end the run visibly
        log.exception("return_import_crashed", connection_id=run.connection_id)
        await _finish_failed(run, f"{type(exc).__name__}: {exc}", ErrorClass.TRANSIENT, {}, None)
        return summary
    await _finish_succeeded(run, watermark)
    return summary


def _lease(ctx: ServiceContext) -> timedelta:
    return timedelta(seconds=ctx.settings.lease_seconds)


async def _no_returns_api(run: _Run, scheduled: bool) -> None:
    now = run.ctx.clock()
    async with run.ctx.db.write() as conn:
        await conn.execute(
            update(feeds.import_feeds)
            .where(feeds.import_feeds.c.id == run.feed["id"])
            .values(lease_until=None, lease_owner=None, next_poll_at=now + NO_RETURNS_RECHECK)
        )
    if not scheduled:
        raise InvalidInput(
            f"connection {run.row['name']!r} ({run.row['channel']}): orderbridge reads no "
            "returns from this channel, whose API offers none"
        )


async def _start(run: _Run, trigger: str) -> None:
    async with run.ctx.db.write() as conn:
        result = await conn.execute(
            import_runs.insert()
            .values(
                connection_id=run.connection_id,
                feed=feeds.RETURNS,
                trigger=trigger,
                status="running",
                started_at=run.ctx.clock(),
            )
            .returning(import_runs.c.id)
        )
        run.summary.run_id = int(result.scalar_one())


async def _read_windows(run: _Run, connector: Connector) -> datetime:
    """Read from the watermark up to now; returns the new watermark, which stays before the
    first window that left a return unstored."""
    ctx, caps = run.ctx, connector.capabilities
    target = (await connector.marketplace_now()) - caps.settle_lag
    overlap = timedelta(seconds=run.row["overlap_seconds"])
    watermark: datetime | None = run.feed["watermark"]
    start = watermark or target - timedelta(days=ctx.settings.initial_import_days)
    lower = start - overlap
    while True:
        upper = min(target, lower + caps.max_window)
        if upper <= lower:
            return watermark or lower
        run.summary.window = ReadWindow(start - overlap, upper)
        complete = True
        async for page in connector.read_returns(ReadWindow(lower=lower, upper=upper)):
            complete = await _store_page(run, page) and complete
        if not complete:
            # Read again from here next time: what did not store now is stored then.
            return watermark or lower + overlap
        watermark = max(upper, watermark) if watermark else upper
        if upper >= target:
            return watermark
        async with ctx.db.write() as conn:
            await conn.execute(
                update(feeds.import_feeds)
                .where(feeds.import_feeds.c.id == run.feed["id"])
                .values(watermark=watermark)
            )
        lower = upper


async def _store_page(run: _Run, page: ReturnPage) -> bool:
    """Store one page; False when some return in it could not be stored yet."""
    ctx, summary = run.ctx, run.summary
    now = ctx.clock()
    async with ctx.db.write() as conn:
        outcome = await upsert_returns(
            conn, run.connection_id, page.snapshots, now=now, actor=f"import:{run.row['name']}"
        )
        if outcome.missing_orders:
            run.waiting_for_orders = True
            await _queue_missing_orders(run, conn, page, outcome.missing_orders, now)
        for problem in page.problems:
            run.unmapped = True
            await _record_problem(run, conn, problem, now)
        if outcome.exportable and exports_new_orders(run.row):
            await schedule_return_exports(
                ctx,
                conn,
                [(return_id, run.row["export_target_id"]) for return_id in outcome.exportable],
                now=now,
                actor="auto-export",
            )
        summary.pages += 1
        summary.seen += len(page.snapshots) + len(page.problems)
        summary.created += len(outcome.created)
        summary.updated += len(outcome.updated)
        summary.unchanged += outcome.unchanged
        summary.failed += len(page.problems) + len(outcome.missing_orders)
        await _save_counters(run, conn)
        await feeds.renew_lease(conn, run.feed["id"], owner=run.owner, until=now + _lease(ctx))
    if outcome.exportable:
        ctx.wake()
    return not outcome.missing_orders and not page.problems


async def _queue_missing_orders(
    run: _Run, conn: Any, page: ReturnPage, missing: list[str], now: datetime
) -> None:
    """Put each missing order in the order import's retry list, which fetches it by id on
    the next order import, and make that import due now."""
    wanted = {s.external_id: s.order_external_id for s in page.snapshots}
    for return_id in missing:
        order_id = wanted[return_id]
        note = f"return {return_id} needs this order, which was not imported yet"
        await conn.execute(
            insert_for(conn, import_retries)
            .values(
                connection_id=run.connection_id,
                external_id=order_id,
                # Before "now", so an order import starting right away takes it.
                first_failed_at=now - timedelta(seconds=1),
                last_failed_at=now - timedelta(seconds=1),
                attempts=0,
                last_error=note,
            )
            .on_conflict_do_nothing(index_elements=["connection_id", "external_id"])
        )
    await feeds.ensure_feed(conn, run.connection_id, feeds.ORDERS, now)
    await feeds.request_now(conn, [run.connection_id], now)


async def _record_problem(run: _Run, conn: Any, problem: MappingProblem, now: datetime) -> None:
    title = f"Return {problem.external_id} could not be imported: {problem.message}"
    # The window is read again on every run until the return stores: one entry is enough.
    known = await conn.execute(
        select(error_entries.c.id).where(
            error_entries.c.connection_id == run.connection_id,
            error_entries.c.title == title,
            error_entries.c.resolved_at.is_(None),
        )
    )
    if known.first() is not None:
        return
    await record_error(
        conn,
        title=title,
        operation="import_returns",
        at=now,
        connection_id=run.connection_id,
        import_run_id=run.summary.run_id,
        attributes={
            "error_class": ErrorClass.ITEM_PROBLEM.value,
            "return_id": problem.external_id,
            "fix": "the return is read again on every returns import until it stores; "
            "if the marketplace's data is wrong, correct it there",
            "payload_excerpt": str(problem.raw)[:RAW_EXCERPT_CHARS],
        },
    )


async def _save_counters(run: _Run, conn: Any) -> None:
    await save_counters(conn, run.summary)


async def _finish_succeeded(run: _Run, watermark: datetime) -> None:
    ctx, summary = run.ctx, run.summary
    now = ctx.clock()
    interval = timedelta(seconds=run.row["import_interval_seconds"])
    if run.waiting_for_orders:
        interval = min(interval, WAIT_FOR_ORDERS)
    async with ctx.db.write() as conn:
        await record_success(
            conn,
            summary,
            feed_id=run.feed["id"],
            owner=run.owner,
            watermark=watermark,
            now=now,
            next_poll_at=now + interval,
        )
    if run.waiting_for_orders:
        summary.error = "some returns wait for their order to be imported; read again soon"
    log.info(
        "return_import_succeeded",
        connection_id=run.connection_id,
        run_id=summary.run_id,
        created=summary.created,
        updated=summary.updated,
        waiting=run.waiting_for_orders,
    )


async def _finish_failed(
    run: _Run,
    message: str,
    error_class: ErrorClass,
    attributes: dict[str, Any],
    retry_after: float | None,
) -> None:
    failures = int(run.feed["consecutive_failures"]) + 1
    failure = RunFailure(
        title=f"Return import from {run.row['name']} failed: {message}",
        operation="import_returns",
        message=message,
        error_class=error_class,
        attributes=attributes,
        retry_in=retry_delay(run.row["import_interval_seconds"], failures, error_class),
        retry_after=retry_after,
    )
    async with run.ctx.db.write() as conn:
        await record_failure(
            conn,
            run.summary,
            failure,
            feed_id=run.feed["id"],
            owner=run.owner,
            now=run.ctx.clock(),
        )
    log.warning("return_import_failed", connection_id=run.connection_id, error=message)


async def request_return_imports(ctx: ServiceContext, names: list[str] | None) -> list[str]:
    """On demand: make the named connections' (or all enabled ones') returns feeds due now."""
    return await request_imports(ctx, names, feed=feeds.RETURNS)
