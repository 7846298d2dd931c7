"""Creating, changing, removing and running status sources, by hand or when due.

A source runs every ``interval_seconds`` or, when ``cron`` is set, at the times of that
cron expression (UTC). A run holds the source's lease, so two workers never read one
folder or cursor at once; the cursor a poll reached is saved with the end of the run.

A source that cannot run at all (missing folder, missing expected file, OMS down) gets an
error entry that names the problem and its fix, and is tried again at its next run. While
the same problem persists, later runs add no further entry: one entry per distinct problem
until a run succeeds (or the entry is marked resolved), so an hourly folder that is not
mounted over a weekend is one entry, not hundreds. The run's result and the source's
``last_error`` still show the problem every time.

Every create, change, removal and manual run is written to the audit log, in the same
transaction as the change, with its actor (``api:<token>``, ``cli``, ``system``).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from orderbridge.observability import log
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.services.run_schedule import check_schedule, next_run
from orderbridge.services.status_sources.rows import RunResult, StatusSource
from orderbridge.store import status_sources as schedule
from orderbridge.store.audit_trail import SECRET_CHANGED, record_change
from orderbridge.store.error_log import record_error
from orderbridge.store.fulfilment_tables import status_sources
from orderbridge.store.tables import connections, error_entries

Runner = Callable[[ServiceContext, StatusSource], Awaitable[RunResult]]
DEFAULT_INTERVAL_SECONDS = 60
SUBJECT_KIND = "status_source"
OPERATION = "status_import"
UPDATABLE = frozenset({"settings", "secret", "connection", "enabled", "interval_seconds", "cron"})
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


def _clean_cron(cron: str | None) -> str | None:
    return " ".join(cron.split()) if cron is not None else None


def _next_run_at(interval_seconds: int, cron: str | None, after: datetime) -> datetime:
    """The run after ``after``: the next cron time, or one interval later."""
    return next_run(None if cron else interval_seconds, cron, after)


async def _connection_id(conn: Any, name: str | None) -> int | None:
    if name is None:
        return None
    found = (
        await conn.execute(select(connections.c.id).where(connections.c.name == name))
    ).scalar()
    if found is None:
        raise NotFound(f"no connection named {name!r}", field="connection")
    return int(found)


async def create_source(
    ctx: ServiceContext,
    *,
    name: str,
    kind: str,
    settings: dict[str, Any],
    connection: str | None = None,
    interval_seconds: int | None = None,
    cron: str | None = None,
    enabled: bool = True,
    secret: str | None = None,
    actor: str = "system",
) -> int:
    """Give ``interval_seconds`` or ``cron`` (neither: every 60 s). An interval source runs
    at once; a cron source first at its next cron time."""
    validate_settings(kind, settings)
    cron = _clean_cron(cron)
    if interval_seconds is None and cron is None:
        interval_seconds = DEFAULT_INTERVAL_SECONDS
    check_schedule(interval_seconds, cron)
    # The column is required; a cron source keeps the default for a later switch back.
    stored_interval = interval_seconds or DEFAULT_INTERVAL_SECONDS
    now = ctx.clock()
    async with ctx.db.write() as conn:
        connection_id = await _connection_id(conn, connection)
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
                    interval_seconds=stored_interval,
                    cron=cron,
                    next_run_at=_next_run_at(stored_interval, cron, now) if cron else now,
                    created_at=now,
                    updated_at=now,
                )
                .returning(status_sources.c.id)
            )
        except IntegrityError as exc:
            raise Conflict(f"a status source named {name!r} exists already", field="name") from exc
        source_id = int(result.scalar_one())
        created: dict[str, Any] = {
            "kind": kind,
            "settings": settings,
            "connection": connection,
            "enabled": enabled,
            "interval_seconds": None if cron else stored_interval,
            "cron": cron,
        }
        if secret:
            created["secret"] = SECRET_CHANGED
        await record_change(
            conn,
            at=now,
            actor=actor,
            action="create",
            subject_kind=SUBJECT_KIND,
            subject_name=name,
            changes=created,
        )
    ctx.wake()
    return source_id


async def update_source(
    ctx: ServiceContext,
    name_or_id: str | int,
    changes: dict[str, Any],
    *,
    actor: str = "system",
) -> None:
    """Change only what ``changes`` names.

    ``settings`` is merged key by key into the stored ones (a ``None`` value removes a key)
    and the result must still be valid; ``secret`` replaces the stored one when given;
    ``connection: None`` removes the default connection. ``interval_seconds`` makes the
    source run by interval (clearing a cron), ``cron`` by that expression, ``cron: None``
    back by its interval; giving both is refused. A changed schedule, or enabling the
    source, sets its next run by the (new) schedule from now.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise InvalidInput(
            f"cannot change {', '.join(sorted(unknown))}; a status source's changeable fields "
            f"are {', '.join(sorted(UPDATABLE))}",
            field=min(unknown),
        )
    now = ctx.clock()
    async with ctx.db.write() as conn:
        row = await _row(conn, name_or_id)
        values: dict[str, Any] = {}
        audit: dict[str, Any] = {}

        def note(field: str, old: Any, new: Any) -> None:
            if old != new:
                audit[field] = {"old": old, "new": new}

        if changes.get("settings") is not None:
            merged = dict(row["settings"])
            for key, value in changes["settings"].items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            validate_settings(row["kind"], merged)
            values["settings"] = merged
            note("settings", dict(row["settings"]), merged)
        if changes.get("secret"):
            values["secret_encrypted"] = ctx.box.encrypt(changes["secret"])
            audit["secret"] = SECRET_CHANGED
        if "connection" in changes:
            values["connection_id"] = await _connection_id(conn, changes["connection"])
            note("connection", row["connection"], changes["connection"])
        enabling = False
        if changes.get("enabled") is not None:
            values["enabled"] = bool(changes["enabled"])
            enabling = values["enabled"] and not row["enabled"]
            note("enabled", row["enabled"], values["enabled"])
        interval, cron = row["interval_seconds"], row["cron"]
        new_interval = changes.get("interval_seconds")
        new_cron = _clean_cron(changes.get("cron"))
        if new_interval is not None and new_cron is not None:
            raise InvalidInput(
                "give either interval_seconds or cron, not both: a source runs by one of them",
                field="cron",
            )
        if new_interval is not None:
            check_schedule(int(new_interval), None)
            interval, cron = int(new_interval), None
        elif new_cron is not None:
            check_schedule(None, new_cron)
            cron = new_cron
        elif "cron" in changes:
            cron = None  # back to the stored interval
        rescheduled = (interval, cron) != (row["interval_seconds"], row["cron"])
        if rescheduled:
            values["interval_seconds"] = interval
            values["cron"] = cron
            note("interval_seconds", row["interval_seconds"], interval)
            note("cron", row["cron"], cron)
        if rescheduled or enabling:
            values["next_run_at"] = _next_run_at(interval, cron, now)
        if not audit:
            return  # nothing differs from what is stored: no change, no entry
        await conn.execute(
            update(status_sources)
            .where(status_sources.c.id == row["id"])
            .values(**values, updated_at=now)
        )
        await record_change(
            conn,
            at=now,
            actor=actor,
            action="update",
            subject_kind=SUBJECT_KIND,
            subject_name=row["name"],
            changes=audit,
        )
    ctx.wake()


async def delete_source(
    ctx: ServiceContext, name_or_id: str | int, *, actor: str = "system"
) -> None:
    """Remove a source that is not running; what it applied stays applied."""
    now = ctx.clock()
    async with ctx.db.write() as conn:
        row = await _row(conn, name_or_id)
        removed = await conn.execute(
            delete(status_sources).where(
                status_sources.c.id == row["id"],
                or_(status_sources.c.lease_until.is_(None), status_sources.c.lease_until < now),
            )
        )
        if not removed.rowcount:
            raise Conflict(
                f"status source {row['name']!r} is running now; remove it when the run has "
                "ended (disable it first to keep it from starting again)",
                field="name",
            )
        await record_change(
            conn,
            at=now,
            actor=actor,
            action="delete",
            subject_kind=SUBJECT_KIND,
            subject_name=row["name"],
            # What it was, so the audit log alone is enough to create it again.
            changes={
                "kind": row["kind"],
                "settings": dict(row["settings"]),
                "connection": row["connection"],
                "enabled": row["enabled"],
                "interval_seconds": None if row["cron"] else row["interval_seconds"],
                "cron": row["cron"],
            },
        )


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
    public = {key: value for key, value in dict(row).items() if key not in hidden}
    public["has_secret"] = row["secret_encrypted"] is not None
    return public


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
        cron=row["cron"],
    )


async def run_source(
    ctx: ServiceContext, name_or_id: str | int, *, owner: str, actor: str = "system"
) -> RunResult:
    """Run one source now (the manual Run); a source already running answers a conflict."""
    async with ctx.db.read() as conn:
        row = await _row(conn, name_or_id)
    result = await _run(ctx, row["id"], owner, actor=actor)
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


async def _run(
    ctx: ServiceContext, source_id: int, owner: str, *, actor: str | None = None
) -> RunResult | None:
    """One run; ``actor`` is set for a manual run, which goes into the audit log (the
    scheduler's own runs do not: they are seen in the source's last run and errors)."""
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
        # The schedule as it is now: it may have been changed while the source ran.
        current = (
            await conn.execute(
                select(status_sources.c.interval_seconds, status_sources.c.cron).where(
                    status_sources.c.id == source_id
                )
            )
        ).first()
        interval, cron = (current.interval_seconds, current.cron) if current else (0, None)
        await schedule.release(
            conn,
            source_id,
            owner=owner,
            now=finished,
            next_run_at=_next_run_at(interval or DEFAULT_INTERVAL_SECONDS, cron, finished),
            error=result.error,
            cursor=result.cursor,
        )
        if result.error:
            await _report_failure(
                conn,
                source,
                result,
                at=finished,
                # A problem reported since this moment is still the current one.
                since=leased["last_success_at"] or leased["created_at"],
            )
        if actor is not None:
            await record_change(
                conn,
                at=finished,
                actor=actor,
                action="run",
                subject_kind=SUBJECT_KIND,
                subject_name=source.name,
                changes={
                    "applied": result.applied,
                    "failed": result.failed,
                    "files_processed": result.files_processed,
                    "files_failed": result.files_failed,
                    "error": result.error,
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


def _schedule_text(source: StatusSource) -> str:
    if source.cron:
        return f"at its next cron time ({source.cron}, UTC)"
    return f"at its next interval ({source.interval_seconds} s)"


async def _report_failure(
    conn: Any, source: StatusSource, result: RunResult, *, at: datetime, since: datetime
) -> None:
    """One error entry per distinct problem: none while an unresolved entry with the same
    title stands since the source last succeeded."""
    title = f"Status source {source.name!r} ({source.kind}) failed: {result.error}"
    reported = (
        await conn.execute(
            select(func.count())
            .select_from(error_entries)
            .where(
                error_entries.c.at >= since,
                error_entries.c.operation == OPERATION,
                error_entries.c.title == title,
                error_entries.c.resolved_at.is_(None),
            )
        )
    ).scalar_one()
    if reported:
        return
    fix = result.fix or "correct what the message names"
    await record_error(
        conn,
        title=title,
        operation=OPERATION,
        at=at,
        attributes={
            "source": source.name,
            "kind": source.kind,
            **result.error_attributes,
            "fix": f"{fix}; the source runs again {_schedule_text(source)} or with a manual "
            "run. While the problem lasts, no further entry is added",
        },
    )


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
