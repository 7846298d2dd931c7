"""Changing and removing export targets (creating one lives with the connections that use it).

A target's secret is write-only: a change replaces it, nothing reads it back. A target
still named by a connection, or with exports waiting for it, cannot be removed: the
answer says which, so nothing queued for it is silently dropped. Each change and removal
is written to the audit log in its own transaction (a secret only as ``(changed)``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update

from orderbridge.oms.targets import validate_target_settings
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.store import outbox_queue
from orderbridge.store.audit_trail import SECRET_CHANGED, record_change
from orderbridge.store.configuration_tables import export_configurations
from orderbridge.store.tables import connections, export_targets, outbox


async def _target(conn: Any, name: str) -> dict[str, Any]:
    row = (
        (await conn.execute(select(export_targets).where(export_targets.c.name == name)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"export target {name!r} does not exist", field="name")
    return dict(row)


async def update_export_target(
    ctx: ServiceContext,
    name: str,
    *,
    settings: dict[str, Any] | None = None,
    secret: str | None = None,
    actor: str = "system",
) -> None:
    """Merge ``settings`` key by key into the stored ones (a ``null`` value removes a key)
    and replace the secret when one is given; the result must still be a usable target."""
    async with ctx.db.write() as conn:
        row = await _target(conn, name)
        merged = dict(row["settings"])
        for key, value in (settings or {}).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        stored_secret = (
            ctx.box.decrypt(row["secret_encrypted"]) if row["secret_encrypted"] else None
        )
        try:
            validate_target_settings(row["kind"], merged, secret or stored_secret)
        except ValueError as exc:
            field, sep, _ = str(exc).partition(":")
            raise InvalidInput(
                str(exc), field=field if sep and field.isidentifier() else "settings"
            ) from exc
        now = ctx.clock()
        values: dict[str, Any] = {"settings": merged, "updated_at": now}
        audit: dict[str, Any] = {}
        if merged != row["settings"]:
            audit["settings"] = {"old": dict(row["settings"]), "new": merged}
        if secret:
            values["secret_encrypted"] = ctx.box.encrypt(secret)
            audit["secret"] = SECRET_CHANGED
        await conn.execute(
            update(export_targets).where(export_targets.c.id == row["id"]).values(**values)
        )
        if audit:
            await record_change(
                conn,
                at=now,
                actor=actor,
                action="update",
                subject_kind="export_target",
                subject_name=name,
                changes=audit,
            )


async def delete_export_target(ctx: ServiceContext, name: str, *, actor: str = "system") -> None:
    async with ctx.db.write() as conn:
        row = await _target(conn, name)
        users = (
            (
                await conn.execute(
                    select(connections.c.name)
                    .where(connections.c.export_target_id == row["id"])
                    .order_by(connections.c.name)
                )
            )
            .scalars()
            .all()
        )
        if users:
            raise Conflict(
                f"export target {name!r} is used by {', '.join(users)}: give those connections "
                "another target (or none) first",
                field="name",
            )
        configured = (
            (
                await conn.execute(
                    select(export_configurations.c.name)
                    .where(export_configurations.c.target_id == row["id"])
                    .order_by(export_configurations.c.name)
                )
            )
            .scalars()
            .all()
        )
        if configured:
            raise Conflict(
                f"export target {name!r} is used by the export configuration(s) "
                f"{', '.join(configured)}: give them another target or remove them first",
                field="name",
            )
        waiting = (
            await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(
                    outbox.c.target_id == row["id"],
                    outbox.c.status.in_((outbox_queue.PENDING, outbox_queue.RUNNING)),
                )
            )
        ).scalar_one()
        if waiting:
            raise Conflict(
                f"export target {name!r} still has {waiting} export(s) waiting; let them finish "
                "or retry them elsewhere first",
                field="name",
            )
        # Finished outbox rows keep their history; they only lose the link to the target.
        await conn.execute(
            update(outbox).where(outbox.c.target_id == row["id"]).values(target_id=None)
        )
        await conn.execute(delete(export_targets).where(export_targets.c.id == row["id"]))
        await record_change(
            conn,
            at=ctx.clock(),
            actor=actor,
            action="delete",
            subject_kind="export_target",
            subject_name=name,
            changes={"kind": row["kind"], "settings": dict(row["settings"])},
        )
