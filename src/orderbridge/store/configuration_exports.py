"""What each export configuration exported: its rows, and their outbox rows.

Each (configuration, order) pair has one ``configuration_exports`` row and one outbox
row of kind ``export_configured`` whose dedup key names the pair, so scheduling twice
(two runs, two workers) adds nothing; the database refuses the second, not a lookup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.configuration_tables import configuration_exports
from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.outbox_queue import CANCELLED, DEAD, OMS_LANE, PENDING, RUNNING
from orderbridge.store.tables import outbox

EXPORT_CONFIGURED = "export_configured"


def configured_key(configuration_id: int, order_id: int) -> str:
    return f"{EXPORT_CONFIGURED}:{configuration_id}:{order_id}"


def _outbox_row(
    *,
    export_id: int,
    configuration_id: int,
    order_id: int,
    connection_id: int,
    target_id: int,
    now: datetime,
    max_attempts: int,
) -> dict[str, Any]:
    return {
        "kind": EXPORT_CONFIGURED,
        "lane": OMS_LANE,
        "dedup_key": configured_key(configuration_id, order_id),
        "order_id": order_id,
        "connection_id": connection_id,
        "target_id": target_id,
        "subject_id": export_id,
        "status": PENDING,
        "attempts": 0,
        "max_attempts": max_attempts,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


async def add_exports(
    conn: AsyncConnection,
    *,
    configuration_id: int,
    target_id: int,
    rows: list[tuple[int, int]],
    status: str,
    now: datetime,
    max_attempts: int,
) -> list[int]:
    """Schedule (order id, connection id) pairs; returns the orders newly scheduled."""
    if not rows:
        return []
    connection_of = dict(rows)
    inserted = await conn.execute(
        insert_for(conn, configuration_exports)
        .on_conflict_do_nothing(index_elements=["configuration_id", "order_id"])
        .returning(configuration_exports.c.id, configuration_exports.c.order_id),
        [
            {
                "configuration_id": configuration_id,
                "order_id": order_id,
                "status": status,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for order_id, _ in rows
        ],
    )
    created = [(int(row.id), int(row.order_id)) for row in inserted]
    if created:
        await conn.execute(
            insert_for(conn, outbox).on_conflict_do_nothing(index_elements=["dedup_key"]),
            [
                _outbox_row(
                    export_id=export_id,
                    configuration_id=configuration_id,
                    order_id=order_id,
                    connection_id=connection_of[order_id],
                    target_id=target_id,
                    now=now,
                    max_attempts=max_attempts,
                )
                for export_id, order_id in created
            ],
        )
    return sorted(order_id for _, order_id in created)


async def requeue_export(
    conn: AsyncConnection,
    *,
    export_id: int,
    configuration_id: int,
    order_id: int,
    connection_id: int,
    target_id: int,
    from_status: str,
    to_status: str,
    now: datetime,
    max_attempts: int,
) -> bool:
    """A failed export back in the queue with fresh attempts, to the configuration's
    current target; False when it is no longer in ``from_status`` (changed meanwhile)."""
    moved = await conn.execute(
        update(configuration_exports)
        .where(
            configuration_exports.c.id == export_id, configuration_exports.c.status == from_status
        )
        .values(status=to_status, attempts=0, last_error=None, updated_at=now)
    )
    if not moved.rowcount:
        return False
    key = configured_key(configuration_id, order_id)
    requeued = await conn.execute(
        update(outbox)
        .where(outbox.c.dedup_key == key, outbox.c.status.in_((DEAD, CANCELLED)))
        .values(
            status=PENDING,
            attempts=0,
            target_id=target_id,
            next_attempt_at=now,
            updated_at=now,
            lease_until=None,
            lease_owner=None,
            handle=None,
        )
    )
    if not requeued.rowcount:
        await conn.execute(
            insert_for(conn, outbox)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .values(
                **_outbox_row(
                    export_id=export_id,
                    configuration_id=configuration_id,
                    order_id=order_id,
                    connection_id=connection_id,
                    target_id=target_id,
                    now=now,
                    max_attempts=max_attempts,
                )
            )
        )
    return True


def outbox_of(configuration_id: int) -> Any:
    """Outbox rows that carry an export of this configuration."""
    return (outbox.c.kind == EXPORT_CONFIGURED) & outbox.c.subject_id.in_(
        select(configuration_exports.c.id).where(
            configuration_exports.c.configuration_id == configuration_id
        )
    )


async def waiting_count(conn: AsyncConnection, configuration_id: int) -> int:
    """Exports of this configuration still to be sent or being sent now."""
    result = await conn.execute(
        select(func.count())
        .select_from(outbox)
        .where(outbox_of(configuration_id), outbox.c.status.in_((PENDING, RUNNING)))
    )
    return int(result.scalar_one())


async def retarget_waiting(
    conn: AsyncConnection, configuration_id: int, target_id: int, *, now: datetime
) -> int:
    """Exports not yet started go to the configuration's new target."""
    result = await conn.execute(
        update(outbox)
        .where(outbox_of(configuration_id), outbox.c.status == PENDING)
        .values(target_id=target_id, updated_at=now)
    )
    return int(result.rowcount)


async def cancel_dead(conn: AsyncConnection, configuration_id: int, *, now: datetime) -> int:
    """Failed exports of a removed configuration need nobody's attention any more."""
    result = await conn.execute(
        update(outbox)
        .where(outbox_of(configuration_id), outbox.c.status == DEAD)
        .values(status=CANCELLED, updated_at=now)
    )
    return int(result.rowcount)


async def counts_by_status(
    conn: AsyncConnection, configuration_ids: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """configuration id → {status: exports}."""
    query = select(
        configuration_exports.c.configuration_id, configuration_exports.c.status, func.count()
    ).group_by(configuration_exports.c.configuration_id, configuration_exports.c.status)
    if configuration_ids is not None:
        query = query.where(configuration_exports.c.configuration_id.in_(configuration_ids))
    counts: dict[int, dict[str, int]] = {}
    for configuration_id, status, count in await conn.execute(query):
        counts.setdefault(int(configuration_id), {})[str(status)] = int(count)
    return counts
