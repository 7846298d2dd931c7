"""Creating, listing and running status sources, by hand or when due.

A run holds the source's lease, so two workers never read one folder or cursor at once;
the cursor a poll reached is saved with the end of the run. A source that cannot run at
all (missing folder, OMS down) gets an error entry that names it, and is tried again at
its next interval.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from orderbridge.observability import log
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.services.status_sources.rows import RunResult, StatusSource
from orderbridge.store import status_sources as schedule
from orderbridge.store.error_log import record_error
from orderbridge.store.fulfilment_tables import status_sources
from orderbridge.store.tables import connections

Runner = Callable[[ServiceContext, StatusSource], Awaitable[RunResult]]
MIN_INTERVAL_SECONDS = 10
_RUNNERS: dict[str, Runner] = {}
_KIND_MODULES = ("folder", "polling", "catalog_poll")


def register_runner(kind: str, runner: Runner) -> None:
    _RUNNERS[kind] = runner


def _runners() -> dict[str, Runner]:
    # Imported late: each kind's module registers itself, and imports this one. Importing
    # every module (a no-op once loaded) keeps one early import from hiding the others.
    for module in _KIND_MODULES:
        importlib.import_module(f"orderbridge.services.status_sources.{module}")
    return _RUNNERS


def validate_settings(kind: str, settings: dict[str, Any]) -> None:
    runners = _runners()
    if kind not in runners:
        raise InvalidInput(
            f"unknown status source kind {kind!r}; use one of: {', '.join(sorted(runners))}",
            field="kind",
        )
    checker = _CHECKERS.get(kind)
    if checker:
        checker(settings)


_CHECKERS: dict[str, Callable[[dict[str, Any]], None]] = {}


def register_settings_check(kind: str, check: Callable[[dict[str, Any]], None]) -> None:
    _CHECKERS[kind] = check


async def create_source(
    ctx: ServiceContext,
    *,
    name: str,
    kind: str,
    settings: dict[str, Any],
    connection: str | None = None,
    interval_seconds: int = 60,
    enabled: bool = True,
    secret: str | None = None,
) -> int:
    validate_settings(kind, settings)
    if interval_seconds < MIN_INTERVAL_SECONDS:
        raise InvalidInput(
            f"interval_seconds must be at least {MIN_INTERVAL_SECONDS}", field="interval_seconds"
        )
    now = ctx.clock()
    async with ctx.db.write() as conn:
        connection_id = None
        if connection:
            connection_id = (
                await conn.execute(select(connections.c.id).where(connections.c.name == connection))
            ).scalar()
            if connection_id is None:
                raise NotFound(f"no connection named {connection!r}", field="connection")
        try:
            result = await conn.execute(
                status_sources.insert()
                .values(
                    name=name,
                    kind=kind,
                    settings=settings,
                    secret_encrypted=ctx.box.encrypt(secret) if secret else None,
                    connection_id=connection_id,
                    enabled=enabled,
                    interval_seconds=interval_seconds,
                    next_run_at=now,
                    created_at=now,
                    updated_at=now,
                )
                .returning(status_sources.c.id)
            )
        except IntegrityError as exc:
            raise Conflict(f"a status source named {name!r} exists already", field="name") from exc
        source_id = int(result.scalar_one())
    ctx.wake()
    return source_id


def _view_query() -> Any:
    return select(status_sources, connections.c.name.label("connection")).outerjoin(
        connections, connections.c.id == status_sources.c.connection_id
    )


async def list_sources(ctx: ServiceContext) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        rows = (await conn.execute(_view_query().order_by(status_sources.c.name))).mappings()
        return [_public(row) for row in rows]


async def source_detail(ctx: ServiceContext, name_or_id: str | int) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        return _public(await _row(conn, name_or_id))


def _public(row: Any) -> dict[str, Any]:
    hidden = {"lease_owner", "lease_until", "connection_id", "secret_encrypted"}
    return {key: value for key, value in dict(row).items() if key not in hidden}


async def _row(conn: Any, name_or_id: str | int) -> Any:
    query = _view_query()
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        query = query.where(status_sources.c.id == int(name_or_id))
    else:
        query = query.where(status_sources.c.name == name_or_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound(f"no status source {name_or_id!r}", field="source")
    return row


def _source(row: Any) -> StatusSource:
    return StatusSource(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        settings=dict(row["settings"]),
        connection=row["connection"],
        interval_seconds=row["interval_seconds"],
        cursor=row["cursor"],
        enabled=row["enabled"],
        secret_encrypted=row["secret_encrypted"],
    )


async def run_source(ctx: ServiceContext, name_or_id: str | int, *, owner: str) -> RunResult:
    """Run one source now (the manual Run); a source already running answers a conflict."""
    async with ctx.db.read() as conn:
        row = await _row(conn, name_or_id)
    result = await _run(ctx, row["id"], owner)
    if result is None:
        raise Conflict(f"status source {row['name']!r} is running already; try again shortly")
    return result


async def run_due_sources(ctx: ServiceContext, *, owner: str) -> int:
    async with ctx.db.read() as conn:
        due = await schedule.due_source_ids(conn, ctx.clock())
    ran = 0
    for source_id in due:
        try:
            ran += await _run(ctx, source_id, owner) is not None
        except Exception:
            log.exception("status_source_crashed", source_id=source_id)
    return ran


async def _run(ctx: ServiceContext, source_id: int, owner: str) -> RunResult | None:
    now = ctx.clock()
    async with ctx.db.write() as conn:
        leased = await schedule.try_lease(
            conn,
            source_id,
            owner=owner,
            now=now,
            lease=timedelta(seconds=ctx.settings.lease_seconds),
        )
        if leased is None:
            return None
        row = await _row(conn, source_id)
    source = _source(row)
    runner = _runners().get(source.kind)
    if runner is None:
        result = RunResult(error=f"unknown status source kind {source.kind!r}")
    else:
        try:
            result = await runner(ctx, source)
        except Exception as exc:
            log.exception("status_source_failed", source=source.name)
            result = RunResult(error=f"{type(exc).__name__}: {exc}")
    result.started_at = now
    finished = ctx.clock()
    async with ctx.db.write() as conn:
        await schedule.release(
            conn,
            source_id,
            owner=owner,
            now=finished,
            next_run_at=finished + timedelta(seconds=source.interval_seconds),
            error=result.error,
            cursor=result.cursor,
        )
        if result.error:
            await record_error(
                conn,
                title=f"Status source {source.name!r} ({source.kind}) failed: {result.error}",
                operation="status_import",
                at=finished,
                attributes={
                    "source": source.name,
                    "kind": source.kind,
                    "fix": "correct what the message names; the source runs again at its "
                    f"next interval ({source.interval_seconds} s) or with a manual run",
                },
            )
    log.info(
        "status_source_ran",
        source=source.name,
        applied=result.applied,
        failed=result.failed,
        error=result.error,
    )
    return result


async def request_run(ctx: ServiceContext, names: list[str] | None) -> list[str]:
    """Make sources due now, for a runner to pick up (what the API's Run does)."""
    async with ctx.db.write() as conn:
        query = select(status_sources.c.id, status_sources.c.name)
        if names:
            query = query.where(status_sources.c.name.in_(names))
        chosen = (await conn.execute(query)).all()
        missing = set(names or []) - {row.name for row in chosen}
        if missing:
            raise NotFound(f"no status source named {sorted(missing)[0]!r}", field="names")
        await schedule.request_now(conn, [row.id for row in chosen], ctx.clock())
    ctx.wake()
    return [row.name for row in chosen]
