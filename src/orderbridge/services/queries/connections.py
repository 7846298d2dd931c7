"""Connections and export targets as users see them: settings and import health, no secrets.

Credentials and target secrets are never selected here, so no view can leak them by
accident: a column that is not read cannot be rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.engine import RowMapping

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import NotFound
from orderbridge.store.feeds import ORDERS, RETURNS
from orderbridge.store.tables import connections, export_targets, import_feeds


@dataclass(frozen=True, slots=True)
class ConnectionView:
    id: int
    name: str
    channel: str
    options: dict[str, Any]
    import_enabled: bool
    import_interval_seconds: int
    overlap_seconds: int
    auto_export: bool
    export_target: str | None
    tracking_wait_seconds: int
    late_warning_seconds: int
    check_catalog: bool
    visible_only: bool
    created_at: datetime
    updated_at: datetime
    # From the orders feed: the watermark and how the last imports went.
    watermark: datetime | None
    next_poll_at: datetime | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    blocked_until: datetime | None
    running: bool
    # From the returns feed: when returns were last imported, and its last error.
    returns_last_success_at: datetime | None = None
    returns_next_poll_at: datetime | None = None
    returns_last_error: str | None = None


@dataclass(frozen=True, slots=True)
class ExportTargetView:
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    has_secret: bool
    created_at: datetime
    updated_at: datetime


def _connections() -> Select[Any]:
    return (
        select(
            connections.c.id,
            connections.c.name,
            connections.c.channel,
            connections.c.options,
            connections.c.import_enabled,
            connections.c.import_interval_seconds,
            connections.c.overlap_seconds,
            connections.c.auto_export,
            connections.c.tracking_wait_seconds,
            connections.c.late_warning_seconds,
            connections.c.check_catalog,
            connections.c.visible_only,
            connections.c.created_at,
            connections.c.updated_at,
            export_targets.c.name.label("export_target"),
            import_feeds.c.watermark,
            import_feeds.c.next_poll_at,
            import_feeds.c.last_success_at,
            import_feeds.c.last_attempt_at,
            import_feeds.c.last_error,
            import_feeds.c.consecutive_failures,
            import_feeds.c.blocked_until,
            import_feeds.c.lease_until,
            _RETURN_FEEDS.c.last_success_at.label("returns_last_success_at"),
            _RETURN_FEEDS.c.next_poll_at.label("returns_next_poll_at"),
            _RETURN_FEEDS.c.last_error.label("returns_last_error"),
        )
        .outerjoin(export_targets, export_targets.c.id == connections.c.export_target_id)
        .outerjoin(
            import_feeds,
            and_(import_feeds.c.connection_id == connections.c.id, import_feeds.c.feed == ORDERS),
        )
        .outerjoin(
            _RETURN_FEEDS,
            and_(
                _RETURN_FEEDS.c.connection_id == connections.c.id,
                _RETURN_FEEDS.c.feed == RETURNS,
            ),
        )
    )


_RETURN_FEEDS = import_feeds.alias("return_feeds")


def _connection(row: RowMapping, now: datetime) -> ConnectionView:
    lease_until = row["lease_until"]
    return ConnectionView(
        id=row["id"],
        name=row["name"],
        channel=row["channel"],
        options=dict(row["options"]),
        import_enabled=row["import_enabled"],
        import_interval_seconds=row["import_interval_seconds"],
        overlap_seconds=row["overlap_seconds"],
        auto_export=row["auto_export"],
        export_target=row["export_target"],
        tracking_wait_seconds=row["tracking_wait_seconds"],
        late_warning_seconds=row["late_warning_seconds"],
        check_catalog=row["check_catalog"],
        visible_only=row["visible_only"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        watermark=row["watermark"],
        next_poll_at=row["next_poll_at"],
        last_success_at=row["last_success_at"],
        last_attempt_at=row["last_attempt_at"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"] or 0,
        blocked_until=row["blocked_until"],
        running=lease_until is not None and lease_until > now,
        returns_last_success_at=row["returns_last_success_at"],
        returns_next_poll_at=row["returns_next_poll_at"],
        returns_last_error=row["returns_last_error"],
    )


async def list_connections(ctx: ServiceContext) -> list[ConnectionView]:
    now = ctx.clock()
    async with ctx.db.read() as conn:
        rows = (await conn.execute(_connections().order_by(connections.c.name))).mappings()
        return [_connection(row, now) for row in rows]


async def connection_detail(ctx: ServiceContext, name_or_id: str | int) -> ConnectionView:
    column = connections.c.id if isinstance(name_or_id, int) else connections.c.name
    async with ctx.db.read() as conn:
        row = (await conn.execute(_connections().where(column == name_or_id))).mappings().first()
    if row is None:
        raise NotFound(f"connection {name_or_id!r} does not exist")
    return _connection(row, ctx.clock())


def _export_targets() -> Select[Any]:
    return select(
        export_targets.c.id,
        export_targets.c.name,
        export_targets.c.kind,
        export_targets.c.settings,
        export_targets.c.secret_encrypted.is_not(None).label("has_secret"),
        export_targets.c.created_at,
        export_targets.c.updated_at,
    )


def _export_target(row: RowMapping) -> ExportTargetView:
    return ExportTargetView(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        settings=dict(row["settings"]),
        has_secret=bool(row["has_secret"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_export_targets(ctx: ServiceContext) -> list[ExportTargetView]:
    async with ctx.db.read() as conn:
        rows = (await conn.execute(_export_targets().order_by(export_targets.c.name))).mappings()
        return [_export_target(row) for row in rows]


async def export_target_detail(ctx: ServiceContext, name_or_id: str | int) -> ExportTargetView:
    column = export_targets.c.id if isinstance(name_or_id, int) else export_targets.c.name
    async with ctx.db.read() as conn:
        row = (await conn.execute(_export_targets().where(column == name_or_id))).mappings().first()
    if row is None:
        raise NotFound(f"export target {name_or_id!r} does not exist")
    return _export_target(row)
