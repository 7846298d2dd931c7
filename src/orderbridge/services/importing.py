"""Import orders from one connection: read a closed window, store each page, move the watermark.

The rules (sync-anchors.md §6): the window is ``[watermark − overlap, marketplace now −
settle lag]``; each page is one short transaction; the watermark moves only after its
whole window is stored; an order that fails is quarantined with an error entry and
fetched again on every later run until it imports, so it is never skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.marketplaces.base import Connector, MappingProblem, OrderPage, ReadWindow
from orderbridge.marketplaces.errors import ErrorClass, MarketplaceError
from orderbridge.observability import IMPORT_RUNS, ORDERS_IMPORTED, log
from orderbridge.secrets_box import SecretUnreadable
from orderbridge.services.acknowledgements import queue_acknowledgements
from orderbridge.services.connections import connection_row, connector_for
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.export_scheduling import exports_new_orders, queue_imported
from orderbridge.services.import_run_records import (
    ImportSummary,
    RunFailure,
    record_failure,
    record_success,
    retry_delay,
    save_counters,
)
from orderbridge.services.oms_notices import schedule_cancellation_notices
from orderbridge.services.order_holds import catalog_check, release_held
from orderbridge.store import feeds
from orderbridge.store.catalog import reserve
from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.error_log import WARNING, record_error
from orderbridge.store.key_lists import one_of
from orderbridge.store.order_writer import PageOutcome, upsert_page
from orderbridge.store.tables import connections, import_retries, import_runs

RAW_EXCERPT_CHARS = 4000


@dataclass(slots=True)
class _Run:
    ctx: ServiceContext
    row: dict[str, Any]
    feed: dict[str, Any]
    owner: str
    summary: ImportSummary
    progress: Callable[[ImportSummary], None] | None
    started_at: datetime
    # Whether the connection has quarantined orders whose entry a stored page must clear.
    may_hold_retries: bool = True
    scheduled_exports: list[int] = field(default_factory=list)
    acknowledge: bool = False  # the channel wants each new order acknowledged

    @property
    def connection_id(self) -> int:
        return int(self.row["id"])


async def import_orders(
    ctx: ServiceContext,
    name_or_id: str | int,
    *,
    trigger: str,
    owner: str,
    progress: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """One import run of one connection; safe to call from any number of workers at once."""
    row = await connection_row(ctx, name_or_id)
    summary = ImportSummary(connection_id=row["id"], connection_name=row["name"], status="skipped")
    if not row["import_enabled"] and trigger != "schedule":
        raise InvalidInput(
            f"import is disabled for connection {row['name']!r}; enable it with "
            f"`orderbridge connections enable {row['name']}`"
        )
    now = ctx.clock()
    async with ctx.db.write() as conn:
        await feeds.ensure_feed(conn, row["id"], feeds.ORDERS, now)
        feed = await feeds.try_lease(
            conn, row["id"], feeds.ORDERS, owner=owner, now=now, lease=_lease(ctx)
        )
    if feed is None:
        summary.error = "an import of this connection is running already"
        return summary
    run = _Run(ctx, row, feed, owner, summary, progress, started_at=now)
    await _execute(run, trigger)
    IMPORT_RUNS.labels(row["channel"], summary.status).inc()
    ORDERS_IMPORTED.labels(row["channel"], "created").inc(summary.created)
    ORDERS_IMPORTED.labels(row["channel"], "updated").inc(summary.updated)
    if run.scheduled_exports:
        ctx.wake()
    return summary


async def _execute(run: _Run, trigger: str) -> None:
    ctx, summary = run.ctx, run.summary
    started = ctx.clock()
    async with ctx.db.write() as conn:
        result = await conn.execute(
            import_runs.insert()
            .values(
                connection_id=run.connection_id,
                feed=feeds.ORDERS,
                trigger=trigger,
                status="running",
                started_at=started,
            )
            .returning(import_runs.c.id)
        )
        summary.run_id = int(result.scalar_one())
    async with ctx.db.read() as conn:
        held = await conn.execute(
            select(import_retries.c.id)
            .where(import_retries.c.connection_id == run.connection_id)
            .limit(1)
        )
        run.may_hold_retries = held.first() is not None
    try:
        connector = await connector_for(ctx, run.row)
        # A visible-only connection leaves the order to the marketplace's seller portal.
        run.acknowledge = (
            connector.capabilities.acknowledgement_required and not run.row["visible_only"]
        )
        watermark = await _read_windows(run, connector)
        await _retry_quarantined(run, connector)
    except MarketplaceError as exc:
        await _finish_failed(run, exc.message, exc.error_class, exc.attributes(), exc.retry_after)
        return
    except SecretUnreadable as exc:
        await _finish_failed(run, str(exc), ErrorClass.CONFIGURATION, {}, None)
        return
    except Exception as exc:  # an unforeseen bug must still end the run visibly
        log.exception("import_crashed", connection_id=run.connection_id)
        await _finish_failed(run, f"{type(exc).__name__}: {exc}", ErrorClass.TRANSIENT, {}, None)
        return
    await _finish_succeeded(run, watermark)
    if run.row["check_catalog"]:
        # Every sync is a chance for held orders: the catalog may have changed meanwhile.
        await release_held(ctx, [run.connection_id])


def _lease(ctx: ServiceContext) -> timedelta:
    return timedelta(seconds=ctx.settings.lease_seconds)


async def _read_windows(run: _Run, connector: Connector) -> datetime:
    """Read from the watermark up to now, window by window; returns the new watermark."""
    ctx, caps = run.ctx, connector.capabilities
    target = (await connector.marketplace_now()) - caps.settle_lag
    overlap = timedelta(seconds=run.row["overlap_seconds"])
    watermark: datetime | None = run.feed["watermark"]
    start = watermark or target - timedelta(days=ctx.settings.initial_import_days)
    lower = start - overlap
    while True:
        upper = min(target, lower + caps.max_window)
        if upper <= lower:
            # The settle lag has not passed since the last read: nothing new can be complete.
            return watermark or lower
        window = ReadWindow(lower=lower, upper=upper)
        run.summary.window = ReadWindow(start - overlap, upper)
        async for page in connector.read_orders(window):
            await _store_page(run, page)
        watermark = max(upper, watermark) if watermark else upper
        if upper >= target:
            return watermark
        # A long catch-up commits each finished window, so a crash keeps what was done.
        async with ctx.db.write() as conn:
            await conn.execute(
                update(feeds.import_feeds)
                .where(feeds.import_feeds.c.id == run.feed["id"])
                .values(watermark=watermark)
            )
        lower = upper


async def _store_page(run: _Run, page: OrderPage) -> PageOutcome:
    ctx, summary = run.ctx, run.summary
    now = ctx.clock()
    async with ctx.db.write() as conn:
        check = (
            await catalog_check(conn, run.connection_id, page.snapshots)
            if run.row["check_catalog"] and not run.row["visible_only"]
            else None
        )
        outcome = await upsert_page(
            conn,
            run.connection_id,
            page.snapshots,
            now=now,
            actor=f"import:{run.row['name']}",
            export_new=exports_new_orders(run.row),
            hold=check,
        )
        if check is not None:
            await reserve(conn, dict(check.reserved), now)
        stored_ids = [snap.external_id for snap in page.snapshots]
        if stored_ids and run.may_hold_retries:
            await conn.execute(
                delete(import_retries).where(
                    import_retries.c.connection_id == run.connection_id,
                    one_of(conn, import_retries.c.external_id, stored_ids),
                )
            )
        for problem in page.problems:
            run.may_hold_retries = True
            await _quarantine(run, conn, problem, now)
        for external_id, message in outcome.status_conflicts:
            await record_error(
                conn,
                title=f"Order {external_id}: marketplace status change refused",
                operation="import",
                at=now,
                severity=WARNING,
                connection_id=run.connection_id,
                external_order_id=external_id,
                import_run_id=summary.run_id,
                attributes={"reason": message},
            )
        run.scheduled_exports += await queue_imported(ctx, conn, run.row, outcome, now=now)
        if run.acknowledge:
            await queue_acknowledgements(
                ctx,
                conn,
                run.connection_id,
                outcome.created_fulfillable + outcome.became_exportable,
                now=now,
            )
        if outcome.cancelled_after_export:
            await schedule_cancellation_notices(
                ctx, conn, run.row, outcome.cancelled_after_export, now=now
            )
        summary.pages += 1
        summary.seen += len(page.snapshots) + len(page.problems)
        summary.created += len(outcome.created)
        summary.updated += len(outcome.updated)
        summary.unchanged += outcome.unchanged + outcome.stale
        summary.failed += len(page.problems)
        await _save_counters(run, conn)
        await feeds.renew_lease(conn, run.feed["id"], owner=run.owner, until=now + _lease(ctx))
    if run.progress:
        run.progress(summary)
    return outcome


async def _quarantine(run: _Run, conn: Any, problem: MappingProblem, now: datetime) -> None:
    await conn.execute(
        insert_for(conn, import_retries)
        .values(
            connection_id=run.connection_id,
            external_id=problem.external_id,
            first_failed_at=now,
            last_failed_at=now,
            attempts=1,
            last_error=problem.message,
        )
        .on_conflict_do_update(
            index_elements=["connection_id", "external_id"],
            set_={
                "last_failed_at": now,
                "attempts": import_retries.c.attempts + 1,
                "last_error": problem.message,
            },
        )
    )
    await record_error(
        conn,
        title=f"Order {problem.external_id} could not be imported: {problem.message}",
        operation="import",
        at=now,
        connection_id=run.connection_id,
        external_order_id=problem.external_id,
        import_run_id=run.summary.run_id,
        attributes={
            "error_class": ErrorClass.ITEM_PROBLEM.value,
            "fix": "the order is fetched again on every import until it succeeds",
            "payload_excerpt": str(problem.raw)[:RAW_EXCERPT_CHARS],
        },
    )


async def _retry_quarantined(run: _Run, connector: Connector) -> None:
    ctx = run.ctx
    async with ctx.db.read() as conn:
        rows = (
            await conn.execute(
                select(import_retries.c.external_id)
                .where(
                    import_retries.c.connection_id == run.connection_id,
                    # Held before this run: one that just failed in its window waits a run.
                    import_retries.c.last_failed_at < run.started_at,
                )
                .order_by(import_retries.c.last_failed_at)
                .limit(ctx.settings.import_retries_per_run)
            )
        ).all()
    for (external_id,) in rows:
        try:
            snapshot = await connector.get_order(external_id)
        except (InvalidOrderData, MarketplaceError) as exc:
            if isinstance(exc, MarketplaceError) and exc.error_class in (
                ErrorClass.TRANSIENT,
                ErrorClass.RATE_LIMITED,
                ErrorClass.CONFIGURATION,
            ):
                raise
            async with ctx.db.write() as conn:
                await conn.execute(
                    update(import_retries)
                    .where(
                        import_retries.c.connection_id == run.connection_id,
                        import_retries.c.external_id == external_id,
                    )
                    .values(
                        attempts=import_retries.c.attempts + 1,
                        last_failed_at=ctx.clock(),
                        last_error=str(exc),
                    )
                )
            continue
        await _store_page(run, OrderPage(snapshots=[snapshot]))
        run.summary.retried_ok += 1


async def _save_counters(run: _Run, conn: Any) -> None:
    await save_counters(conn, run.summary)


async def _finish_succeeded(run: _Run, watermark: datetime) -> None:
    ctx, summary = run.ctx, run.summary
    now = ctx.clock()
    async with ctx.db.write() as conn:
        await record_success(
            conn,
            summary,
            feed_id=run.feed["id"],
            owner=run.owner,
            watermark=watermark,
            now=now,
            next_poll_at=now + timedelta(seconds=run.row["import_interval_seconds"]),
        )
    log.info(
        "import_succeeded",
        connection_id=run.connection_id,
        run_id=summary.run_id,
        created=summary.created,
        updated=summary.updated,
        failed=summary.failed,
    )


async def _finish_failed(
    run: _Run,
    message: str,
    error_class: ErrorClass,
    attributes: dict[str, Any],
    retry_after: float | None,
) -> None:
    ctx, summary = run.ctx, run.summary
    now = ctx.clock()
    failures = int(run.feed["consecutive_failures"]) + 1
    retry_in = retry_delay(run.row["import_interval_seconds"], failures, error_class)
    with contextlib.suppress(Exception):
        await _save_counters_after_failure(run)
    failure = RunFailure(
        title=f"Import from {run.row['name']} failed: {message}",
        operation="import",
        message=message,
        error_class=error_class,
        attributes=attributes,
        retry_in=retry_in,
        retry_after=retry_after,
    )
    async with ctx.db.write() as conn:
        await record_failure(
            conn, summary, failure, feed_id=run.feed["id"], owner=run.owner, now=now
        )
    log.warning(
        "import_failed",
        connection_id=run.connection_id,
        run_id=summary.run_id,
        error_class=error_class.value,
        error=message,
    )


async def _save_counters_after_failure(run: _Run) -> None:
    async with run.ctx.db.write() as conn:
        await _save_counters(run, conn)


async def request_imports(
    ctx: ServiceContext, names: list[str] | None, *, feed: str = feeds.ORDERS
) -> list[str]:
    """On demand: make the named connections' (or all enabled ones') feed due now; returns
    their names."""
    async with ctx.db.read() as conn:
        query = select(connections.c.id, connections.c.name, connections.c.import_enabled)
        if names is not None:
            query = query.where(connections.c.name.in_(names))
        rows = (await conn.execute(query)).all()
    if names is not None:
        missing = set(names) - {row.name for row in rows}
        if missing:
            raise InvalidInput(f"no connection named {', '.join(sorted(missing))}")
        disabled = [row.name for row in rows if not row.import_enabled]
        if disabled:
            raise InvalidInput(f"import is disabled for {', '.join(disabled)}")
    chosen = [row for row in rows if row.import_enabled]
    now = ctx.clock()
    async with ctx.db.write() as conn:
        for row in chosen:
            await feeds.ensure_feed(conn, row.id, feed, now)
        await feeds.request_now(conn, [row.id for row in chosen], now, feed=feed)
    ctx.wake()
    return [row.name for row in chosen]
