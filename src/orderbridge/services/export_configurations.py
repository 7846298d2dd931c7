"""Export configurations: create, change, remove and show them.

A configuration names an existing export target (its type is the target's kind), the
conditions that pick orders, whether a successful export updates the order's own export
status, and a schedule: an interval or a cron expression. Each create, update and delete
writes its audit entry in the same transaction as the change, so neither exists alone.
Running one lives in ``configuration_runs``; delivering its exports in
``configured_exports``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.services.export_conditions import parse_conditions
from orderbridge.services.run_schedule import check_schedule, next_run
from orderbridge.store.audit_trail import record_change
from orderbridge.store.configuration_exports import cancel_dead, counts_by_status, retarget_waiting
from orderbridge.store.configuration_exports import waiting_count as waiting_exports
from orderbridge.store.configuration_tables import export_configurations
from orderbridge.store.tables import connections, export_targets

SUBJECT = "export_configuration"
# Names travel in URL paths (/export-configurations/{name}), so they keep to URL-safe characters.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_DESCRIPTION = 2_000
UPDATABLE = (
    "description",
    "target",
    "conditions",
    "update_status",
    "enabled",
    "interval_seconds",
    "cron",
)
NULLABLE = frozenset({"description", "interval_seconds", "cron"})


@dataclass(frozen=True, slots=True)
class ConfigurationSpec:
    """What a user gives to create a configuration."""

    name: str
    target: str
    conditions: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    update_status: bool = True
    enabled: bool = True
    interval_seconds: int | None = None
    cron: str | None = None


def _check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise InvalidInput(
            f"name {name!r} must be 1 to 100 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit",
            field="name",
        )


def _check_description(description: str | None) -> None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"description is longer than {MAX_DESCRIPTION} characters", field="description"
        )


async def _connection_names(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(select(connections.c.name))).scalars())


async def _target(conn: AsyncConnection, name: str) -> RowMapping:
    row = (
        (await conn.execute(select(export_targets).where(export_targets.c.name == name)))
        .mappings()
        .first()
    )
    if row is None:
        raise InvalidInput(
            f"export target {name!r} does not exist; create it first (POST /api/v1/export-targets "
            "or `orderbridge targets add`)",
            field="target",
        )
    return row


def _view_query() -> Any:
    return select(
        export_configurations,
        export_targets.c.name.label("target"),
        export_targets.c.kind.label("type"),
    ).join(export_targets, export_targets.c.id == export_configurations.c.target_id)


async def configuration_row(conn: AsyncConnection, name: str) -> RowMapping:
    """The configuration with its target's name and kind; NotFound naming it otherwise."""
    row = (
        (await conn.execute(_view_query().where(export_configurations.c.name == name)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"export configuration {name!r} does not exist", field="name")
    return row


def settings_of(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    """What a person set on a configuration, as the audit log records it."""
    return {
        "target": row["target"],
        "description": row["description"],
        "conditions": dict(row["conditions"] or {}),
        "update_status": bool(row["update_status"]),
        "enabled": bool(row["enabled"]),
        "interval_seconds": row["interval_seconds"],
        "cron": row["cron"],
    }


def _view(row: RowMapping, counts: dict[str, int], now: datetime) -> dict[str, Any]:
    lease_until = row["lease_until"]
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        **settings_of(row),
        "next_run_at": row["next_run_at"],
        "last_run_at": row["last_run_at"],
        "last_run_summary": row["last_run_summary"],
        "running": lease_until is not None and lease_until > now,
        "exports": counts,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


async def list_configurations(ctx: ServiceContext) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        rows = (
            (await conn.execute(_view_query().order_by(export_configurations.c.name)))
            .mappings()
            .all()
        )
        counts = await counts_by_status(conn)
    now = ctx.clock()
    return [_view(row, counts.get(row["id"], {}), now) for row in rows]


async def configuration_detail(ctx: ServiceContext, name: str) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await configuration_row(conn, name)
        counts = await counts_by_status(conn, [row["id"]])
    return _view(row, counts.get(row["id"], {}), ctx.clock())


async def create_configuration(ctx: ServiceContext, spec: ConfigurationSpec, *, actor: str) -> int:
    _check_name(spec.name)
    _check_description(spec.description)
    check_schedule(spec.interval_seconds, spec.cron)
    now = ctx.clock()
    try:
        async with ctx.db.write() as conn:
            target = await _target(conn, spec.target)
            conditions = parse_conditions(spec.conditions, await _connection_names(conn))
            values = {
                "name": spec.name,
                "description": spec.description,
                "target_id": target["id"],
                "conditions": conditions.stored(),
                "update_status": spec.update_status,
                "enabled": spec.enabled,
                "interval_seconds": spec.interval_seconds,
                "cron": spec.cron,
                # The first scheduled run is one period away; a manual Run starts one now.
                "next_run_at": next_run(spec.interval_seconds, spec.cron, now),
                "created_at": now,
                "updated_at": now,
            }
            result = await conn.execute(
                export_configurations.insert()
                .values(**values)
                .returning(export_configurations.c.id)
            )
            configuration_id = int(result.scalar_one())
            await record_change(
                conn,
                at=now,
                actor=actor,
                action="create",
                subject_kind=SUBJECT,
                subject_name=spec.name,
                changes=settings_of({**values, "target": spec.target}),
            )
    except IntegrityError as exc:
        raise Conflict(
            f"an export configuration named {spec.name!r} exists already", field="name"
        ) from exc
    ctx.wake()
    return configuration_id


def _merged_schedule(row: RowMapping, changes: dict[str, Any]) -> tuple[int | None, str | None]:
    interval = changes.get("interval_seconds", row["interval_seconds"])
    cron = changes.get("cron", row["cron"])
    # Setting one of the two replaces the other, unless both are sent.
    if changes.get("interval_seconds") is not None and "cron" not in changes:
        cron = None
    if changes.get("cron") is not None and "interval_seconds" not in changes:
        interval = None
    return interval, cron


async def update_configuration(
    ctx: ServiceContext, name: str, changes: dict[str, Any], *, actor: str
) -> None:
    """Change the fields given; ``conditions`` are replaced as a whole, ``null`` clears
    ``description``; setting ``interval_seconds`` or ``cron`` replaces the other one."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(unknown)}", field=unknown[0])
    for key, value in changes.items():
        if value is None and key not in NULLABLE:
            raise InvalidInput(f"{key} cannot be null; leave it out to keep it", field=key)
    if "description" in changes:
        _check_description(changes["description"])
    now = ctx.clock()
    async with ctx.db.write() as conn:
        row = await configuration_row(conn, name)
        before = settings_of(row)
        values: dict[str, Any] = {}
        after = dict(before)
        if "target" in changes:
            target = await _target(conn, changes["target"])
            values["target_id"] = target["id"]
            after["target"] = target["name"]
        if "conditions" in changes:
            conditions = parse_conditions(changes["conditions"], await _connection_names(conn))
            values["conditions"] = after["conditions"] = conditions.stored()
        for key in ("description", "update_status", "enabled"):
            if key in changes:
                values[key] = after[key] = changes[key]
        interval, cron = _merged_schedule(row, changes)
        if {"interval_seconds", "cron"} & set(changes):
            check_schedule(interval, cron)
            values["interval_seconds"] = after["interval_seconds"] = interval
            values["cron"] = after["cron"] = cron
        changed = {
            key: {"old": before[key], "new": after[key]}
            for key in UPDATABLE
            if before[key] != after[key]
        }
        if not changed:
            return
        if changed.get("update_status", {}).get("new") is False:
            waiting = await waiting_exports(conn, row["id"])
            if waiting:
                # Their orders were marked scheduled; only a delivery that still updates
                # status takes them on to exported (or export failed).
                raise Conflict(
                    f"export configuration {name!r} has {waiting} export(s) waiting that will "
                    "update their orders' export status; turn update_status off when they "
                    "are done",
                    field="update_status",
                )
        rescheduled = "interval_seconds" in changed or "cron" in changed
        if rescheduled or changed.get("enabled", {}).get("new") is True:
            values["next_run_at"] = next_run(after["interval_seconds"], after["cron"], now)
        await conn.execute(
            update(export_configurations)
            .where(export_configurations.c.id == row["id"])
            .values(**values, updated_at=now)
        )
        if "target" in changed:
            # Exports not started yet follow the configuration to its new target.
            await retarget_waiting(conn, row["id"], values["target_id"], now=now)
        await record_change(
            conn,
            at=now,
            actor=actor,
            action="update",
            subject_kind=SUBJECT,
            subject_name=name,
            changes=changed,
        )
    ctx.wake()


async def delete_configuration(ctx: ServiceContext, name: str, *, actor: str) -> None:
    """Remove a configuration that is not running and has no export waiting in the outbox;
    what it exported is forgotten with it (the orders and their events stay)."""
    now = ctx.clock()
    async with ctx.db.write() as conn:
        row = await configuration_row(conn, name)
        if row["lease_until"] is not None and row["lease_until"] > now:
            raise Conflict(
                f"export configuration {name!r} is running now; remove it when the run is done",
                field="name",
            )
        waiting = await waiting_exports(conn, row["id"])
        if waiting:
            raise Conflict(
                f"export configuration {name!r} still has {waiting} export(s) waiting in the "
                "outbox; let them finish first (see GET /api/v1/scheduled-exports)",
                field="name",
            )
        await cancel_dead(conn, row["id"], now=now)
        await conn.execute(
            delete(export_configurations).where(export_configurations.c.id == row["id"])
        )
        await record_change(
            conn,
            at=now,
            actor=actor,
            action="delete",
            subject_kind=SUBJECT,
            subject_name=name,
            changes=settings_of(row),
        )
