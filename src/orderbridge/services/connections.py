"""Connections and export targets: create, change, enable or disable, and test them.

Each create and change is written to the audit log in its own transaction, with the
``actor`` the caller names (``api:<token>``, ``cli``; ``system`` when there is none).
Credentials and secrets appear there only as ``(changed)``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from orderbridge.marketplaces.base import ConnectionConfig, Connector
from orderbridge.marketplaces.errors import MarketplaceError
from orderbridge.marketplaces.registry import channels, factory_for
from orderbridge.oms.base import TargetConfig
from orderbridge.oms.targets import validate_target_settings
from orderbridge.secrets_box import SecretUnreadable
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.store.audit_trail import SECRET_CHANGED, record_change
from orderbridge.store.feeds import ORDERS, ensure_feed
from orderbridge.store.rate_budget import PostgresRateBudget
from orderbridge.store.tables import connections, export_targets

MIN_INTERVAL_SECONDS = 30
DEFAULT_INTERVAL_SECONDS = 300
DEFAULT_OVERLAP_SECONDS = 600
DEFAULT_TRACKING_WAIT_SECONDS = 3 * 3600
DEFAULT_LATE_WARNING_SECONDS = 24 * 3600
# A shipment may wait for its tracking number at most a week; marketplaces want it sooner.
MAX_TRACKING_WAIT_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    """What a user gives to create a connection; credentials are write-only."""

    name: str
    channel: str
    credentials: dict[str, str]
    options: dict[str, Any]
    import_enabled: bool = True
    import_interval_seconds: int = DEFAULT_INTERVAL_SECONDS
    overlap_seconds: int = DEFAULT_OVERLAP_SECONDS
    auto_export: bool = True
    export_target: str | None = None
    tracking_wait_seconds: int = DEFAULT_TRACKING_WAIT_SECONDS
    late_warning_seconds: int = DEFAULT_LATE_WARNING_SECONDS
    check_catalog: bool = False
    visible_only: bool = False


UPDATABLE = {
    "visible_only",
    "check_catalog",
    "tracking_wait_seconds",
    "late_warning_seconds",
    "import_enabled",
    "import_interval_seconds",
    "overlap_seconds",
    "auto_export",
    "export_target",
    "options",
    "credentials",
}


def _check_interval(seconds: int) -> None:
    if seconds < MIN_INTERVAL_SECONDS:
        raise InvalidInput(
            f"import interval {seconds}s is below the minimum of {MIN_INTERVAL_SECONDS}s",
            field="import_interval_seconds",
        )


def _check_tracking_wait(seconds: int) -> None:
    if not 0 <= seconds <= MAX_TRACKING_WAIT_SECONDS:
        raise InvalidInput(
            f"tracking_wait_seconds must be between 0 and {MAX_TRACKING_WAIT_SECONDS}",
            field="tracking_wait_seconds",
        )


def _check_late_warning(seconds: int) -> None:
    if seconds < 0:
        raise InvalidInput("late_warning_seconds cannot be negative", field="late_warning_seconds")


def _check_overlap(seconds: int) -> None:
    if seconds < 0:
        raise InvalidInput("overlap cannot be negative", field="overlap_seconds")


def _validate_channel(channel: str, credentials: dict[str, str], options: dict[str, Any]) -> None:
    try:
        factory = factory_for(channel)
    except MarketplaceError as exc:
        raise InvalidInput(exc.message, field="channel") from exc
    try:
        factory.validate_settings(credentials, options)
    except MarketplaceError as exc:
        # Connectors word their messages "channel: option 'x' …" or "channel: credential 'y' …".
        field = "options" if ": option" in exc.message else "credentials"
        raise InvalidInput(exc.message, field=field) from exc


async def _target_id(ctx: ServiceContext, name: str | None) -> int | None:
    if name is None:
        return None
    async with ctx.db.read() as conn:
        found = (
            await conn.execute(select(export_targets.c.id).where(export_targets.c.name == name))
        ).scalar()
    if found is None:
        raise InvalidInput(f"export target {name!r} does not exist", field="export_target")
    return int(found)


async def create_connection(
    ctx: ServiceContext, spec: ConnectionSpec, *, actor: str = "system"
) -> int:
    _check_interval(spec.import_interval_seconds)
    _check_overlap(spec.overlap_seconds)
    _check_tracking_wait(spec.tracking_wait_seconds)
    _check_late_warning(spec.late_warning_seconds)
    _validate_channel(spec.channel, spec.credentials, spec.options)
    target_id = await _target_id(ctx, spec.export_target)
    now = ctx.clock()
    try:
        async with ctx.db.write() as conn:
            result = await conn.execute(
                connections.insert()
                .values(
                    name=spec.name,
                    channel=spec.channel,
                    credentials_encrypted=ctx.box.encrypt_json(spec.credentials),
                    options=spec.options,
                    import_enabled=spec.import_enabled,
                    import_interval_seconds=spec.import_interval_seconds,
                    overlap_seconds=spec.overlap_seconds,
                    auto_export=spec.auto_export,
                    export_target_id=target_id,
                    tracking_wait_seconds=spec.tracking_wait_seconds,
                    late_warning_seconds=spec.late_warning_seconds,
                    check_catalog=spec.check_catalog,
                    visible_only=spec.visible_only,
                    created_at=now,
                    updated_at=now,
                )
                .returning(connections.c.id)
            )
            connection_id = int(result.scalar_one())
            await ensure_feed(conn, connection_id, ORDERS, now)
            await record_change(
                conn,
                at=now,
                actor=actor,
                action="create",
                subject_kind="connection",
                subject_name=spec.name,
                changes=_created(spec),
            )
    except IntegrityError as exc:
        raise Conflict(f"a connection named {spec.name!r} exists already", field="name") from exc
    ctx.wake()
    return connection_id


async def connection_row(ctx: ServiceContext, name_or_id: str | int) -> dict[str, Any]:
    column = connections.c.id if isinstance(name_or_id, int) else connections.c.name
    async with ctx.db.read() as conn:
        row = (await conn.execute(select(connections).where(column == name_or_id))).mappings()
        found = row.first()
    if found is None:
        raise NotFound(f"connection {name_or_id!r} does not exist")
    return dict(found)


def _created(spec: ConnectionSpec) -> dict[str, Any]:
    """A new connection's settings for the audit log, credentials only as "(changed)"."""
    created = {field: value for field, value in asdict(spec).items() if field != "name"}
    created["credentials"] = SECRET_CHANGED
    return created


async def update_connection(
    ctx: ServiceContext, name_or_id: str | int, changes: dict[str, Any], *, actor: str = "system"
) -> None:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
    row = await connection_row(ctx, name_or_id)
    values: dict[str, Any] = {}
    if "import_interval_seconds" in changes:
        _check_interval(int(changes["import_interval_seconds"]))
        values["import_interval_seconds"] = int(changes["import_interval_seconds"])
    if "overlap_seconds" in changes:
        _check_overlap(int(changes["overlap_seconds"]))
        values["overlap_seconds"] = int(changes["overlap_seconds"])
    if "tracking_wait_seconds" in changes:
        _check_tracking_wait(int(changes["tracking_wait_seconds"]))
        values["tracking_wait_seconds"] = int(changes["tracking_wait_seconds"])
    if "late_warning_seconds" in changes:
        _check_late_warning(int(changes["late_warning_seconds"]))
        values["late_warning_seconds"] = int(changes["late_warning_seconds"])
    for flag in ("import_enabled", "auto_export", "check_catalog", "visible_only"):
        if flag in changes:
            values[flag] = bool(changes[flag])
    if "export_target" in changes:
        values["export_target_id"] = await _target_id(ctx, changes["export_target"])
    if "credentials" in changes or "options" in changes:
        try:
            stored = ctx.box.decrypt_json(row["credentials_encrypted"])
        except SecretUnreadable:
            # The key changed and the old credentials are lost: re-entered ones replace
            # them whole (validation names any that is still missing).
            stored = {}
        credentials = {**stored, **changes.get("credentials", {})}
        options = {**dict(row["options"]), **changes.get("options", {})}
        _validate_channel(row["channel"], credentials, options)
        values["credentials_encrypted"] = ctx.box.encrypt_json(credentials)
        values["options"] = options
    if not values:
        return
    async with ctx.db.write() as conn:
        now = ctx.clock()
        await conn.execute(
            update(connections)
            .where(connections.c.id == row["id"])
            .values(**values, updated_at=now)
        )
        audit = await _changed(conn, row, values, changes)
        if audit:
            await record_change(
                conn,
                at=now,
                actor=actor,
                action="update",
                subject_kind="connection",
                subject_name=row["name"],
                changes=audit,
            )


async def _changed(
    conn: Any, row: dict[str, Any], values: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """The fields that differ, old → new; credentials only as "(changed)"."""
    audit: dict[str, Any] = {}
    for field, value in values.items():
        if field == "credentials_encrypted":
            if changes.get("credentials"):
                audit["credentials"] = SECRET_CHANGED
        elif field == "export_target_id":
            if value != row["export_target_id"]:
                old = None
                if row["export_target_id"] is not None:
                    old = (
                        await conn.execute(
                            select(export_targets.c.name).where(
                                export_targets.c.id == row["export_target_id"]
                            )
                        )
                    ).scalar()
                audit["export_target"] = {"old": old, "new": changes["export_target"]}
        elif row[field] != value:
            audit[field] = {"old": row[field], "new": value}
    return audit


def _config(ctx: ServiceContext, row: dict[str, Any]) -> ConnectionConfig:
    return ConnectionConfig(
        connection_id=row["id"],
        name=row["name"],
        credentials=ctx.box.decrypt_json(row["credentials_encrypted"]),
        options=dict(row["options"]),
        observer=ctx.observer,
        # Several processes share a connection's budget only on PostgreSQL (distributed mode).
        budget=None if ctx.db.is_sqlite else PostgresRateBudget(ctx.db, row["id"]),
    )


async def connector_for(ctx: ServiceContext, row: dict[str, Any]) -> Connector:
    """The connection's live connector, shared with every other call of this process."""
    fingerprint = hashlib.sha256(
        json.dumps(
            [row["channel"], row["credentials_encrypted"], row["options"]], sort_keys=True
        ).encode()
    ).hexdigest()
    return await ctx.connectors.acquire(row["channel"], _config(ctx, row), fingerprint)


def known_channels() -> list[str]:
    """The channels a connection may name (the built-in ones and any registered plug-in)."""
    return list(channels())


async def test_connection(ctx: ServiceContext, name_or_id: str | int) -> str:
    """One cheap authenticated call; returns "ok" or the classified error's message."""
    row = await connection_row(ctx, name_or_id)
    # An unreadable secret is not the marketplace's answer: it goes up as it is (the API
    # answers 500 secret_unreadable naming ORDERBRIDGE_SECRET_KEY).
    try:
        connector = await connector_for(ctx, row)
        await connector.check()
    except MarketplaceError as exc:
        return f"{exc.error_class.value}: {exc.message}"
    return "ok"


async def create_export_target(
    ctx: ServiceContext,
    *,
    name: str,
    kind: str,
    settings: dict[str, Any],
    secret: str | None,
    actor: str = "system",
) -> int:
    try:
        validate_target_settings(kind, settings, secret)
    except ValueError as exc:
        # Messages begin with the setting's name ("url: …", "secret: …").
        name, sep, _ = str(exc).partition(":")
        field = name if sep and name.isidentifier() else "settings"
        raise InvalidInput(str(exc), field=field) from exc
    now = ctx.clock()
    try:
        async with ctx.db.write() as conn:
            result = await conn.execute(
                export_targets.insert()
                .values(
                    name=name,
                    kind=kind,
                    settings=settings,
                    secret_encrypted=ctx.box.encrypt(secret) if secret else None,
                    created_at=now,
                    updated_at=now,
                )
                .returning(export_targets.c.id)
            )
            target_id = int(result.scalar_one())
            created: dict[str, Any] = {"kind": kind, "settings": settings}
            if secret:
                created["secret"] = SECRET_CHANGED
            await record_change(
                conn,
                at=now,
                actor=actor,
                action="create",
                subject_kind="export_target",
                subject_name=name,
                changes=created,
            )
            return target_id
    except IntegrityError as exc:
        raise Conflict(f"an export target named {name!r} exists already", field="name") from exc


def target_config(ctx: ServiceContext, row: dict[str, Any]) -> TargetConfig:
    secret = row["secret_encrypted"]
    return TargetConfig(
        target_id=row["id"],
        name=row["name"],
        kind=row["kind"],
        settings=dict(row["settings"]),
        secret=ctx.box.decrypt(secret) if secret else None,
    )
