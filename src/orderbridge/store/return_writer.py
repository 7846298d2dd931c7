"""Storing a page of returns: insert the new, update the changed, link each to its order.

A return whose order is not stored yet is not written: it comes back as ``missing_orders``
so the caller can fetch the order first and read the window again. A returned line that
names no line of its order blocks the return (import status blocked, the reason per
line) instead of being dropped; it is re-checked whenever the return is read again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import ReturnEventKind
from orderbridge.domain.returns import ReturnSnapshot, ReturnStatus
from orderbridge.domain.states import ExportStatus, ImportStatus, can_transition
from orderbridge.store.key_lists import one_of
from orderbridge.store.return_tables import return_events, return_lines, returns
from orderbridge.store.tables import order_lines, orders


@dataclass(slots=True)
class ReturnOutcome:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    # Complete and never exported: ready for the OMS (new, or just unblocked).
    exportable: list[int] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)
    missing_orders: list[str] = field(default_factory=list)


async def add_return_events(
    conn: AsyncConnection,
    return_ids: list[int],
    kind: ReturnEventKind,
    *,
    at: datetime,
    actor: str,
    data: dict[str, Any] | None = None,
) -> None:
    if return_ids:
        await conn.execute(
            return_events.insert(),
            [
                {"return_id": rid, "kind": kind.value, "at": at, "actor": actor, "data": data or {}}
                for rid in return_ids
            ],
        )


async def upsert_returns(
    conn: AsyncConnection,
    connection_id: int,
    snapshots: list[ReturnSnapshot],
    *,
    now: datetime,
    actor: str,
) -> ReturnOutcome:
    outcome = ReturnOutcome()
    if not snapshots:
        return outcome
    order_ids = await _order_ids(conn, connection_id, {s.order_external_id for s in snapshots})
    lines_by_order = await _order_lines(conn, list(order_ids.values()))
    existing = {
        row.external_id: row
        for row in await conn.execute(
            select(returns).where(
                returns.c.connection_id == connection_id,
                one_of(conn, returns.c.external_id, [s.external_id for s in snapshots]),
            )
        )
    }
    for snapshot in snapshots:
        order_id = order_ids.get(snapshot.order_external_id)
        if order_id is None:
            outcome.missing_orders.append(snapshot.external_id)
            continue
        blockers = _blockers(snapshot, lines_by_order.get(order_id, {}))
        stored = existing.get(snapshot.external_id)
        if stored is None:
            return_id = await _insert(conn, connection_id, order_id, snapshot, blockers, now)
            outcome.created.append(return_id)
            await add_return_events(
                conn,
                [return_id],
                ReturnEventKind.IMPORTED,
                at=now,
                actor=actor,
                data={"status": snapshot.status.value, "order_id": order_id},
            )
            (outcome.blocked if blockers else outcome.exportable).append(return_id)
            if blockers:
                await add_return_events(
                    conn,
                    [return_id],
                    ReturnEventKind.IMPORT_BLOCKED,
                    at=now,
                    actor=actor,
                    data={"blockers": blockers},
                )
            continue
        await _update(
            conn, stored, snapshot, blockers, lines_by_order, order_id, now, actor, outcome
        )
    return outcome


async def _order_ids(
    conn: AsyncConnection, connection_id: int, external_ids: set[str]
) -> dict[str, int]:
    rows = await conn.execute(
        select(orders.c.id, orders.c.external_id).where(
            orders.c.connection_id == connection_id,
            one_of(conn, orders.c.external_id, sorted(external_ids)),
        )
    )
    return {row.external_id: int(row.id) for row in rows}


async def _order_lines(conn: AsyncConnection, order_ids: list[int]) -> dict[int, dict[str, str]]:
    """Per order: its marketplace line ids → SKU."""
    found: dict[int, dict[str, str]] = {}
    if not order_ids:
        return found
    rows = await conn.execute(
        select(order_lines.c.order_id, order_lines.c.external_line_id, order_lines.c.sku).where(
            one_of(conn, order_lines.c.order_id, order_ids)
        )
    )
    for row in rows:
        found.setdefault(int(row.order_id), {})[row.external_line_id] = row.sku
    return found


def _linked_line(line_id: str | None, sku: str, lines: dict[str, str]) -> str | None:
    """The order line a returned line sends back: by the marketplace's id, else by SKU."""
    if line_id and line_id in lines:
        return line_id
    by_sku = [external_id for external_id, line_sku in lines.items() if line_sku == sku]
    return by_sku[0] if by_sku else None


def _blockers(snapshot: ReturnSnapshot, lines: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "line": line.external_line_id,
            "sku": line.sku,
            "reason": (
                f"returned line {line.external_line_id} (SKU {line.sku}) names no line of "
                f"order {snapshot.order_external_id}"
            ),
        }
        for line in snapshot.lines
        if _linked_line(line.order_line_id, line.sku, lines) is None
    ]


def _values(snapshot: ReturnSnapshot, blockers: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "marketplace_status": snapshot.marketplace_status[:60],
        "import_status": (ImportStatus.BLOCKED if blockers else ImportStatus.COMPLETE).value,
        "import_blockers": blockers or None,
        "reason": snapshot.reason,
        "currency": snapshot.currency,
        "refund_amount": snapshot.refund_amount,
        "requested_at": snapshot.requested_at,
        "last_updated_at": snapshot.last_updated_at,
        "raw": snapshot.raw,
    }


async def _insert(
    conn: AsyncConnection,
    connection_id: int,
    order_id: int,
    snapshot: ReturnSnapshot,
    blockers: list[dict[str, str]],
    now: datetime,
) -> int:
    result = await conn.execute(
        returns.insert()
        .values(
            connection_id=connection_id,
            order_id=order_id,
            external_id=snapshot.external_id,
            status=snapshot.status.value,
            export_status=ExportStatus.NOT_EXPORTED.value,
            created_at=now,
            updated_at=now,
            **_values(snapshot, blockers),
        )
        .returning(returns.c.id)
    )
    return_id = int(result.scalar_one())
    await _write_lines(conn, return_id, snapshot, order_id, None)
    return return_id


async def _write_lines(
    conn: AsyncConnection,
    return_id: int,
    snapshot: ReturnSnapshot,
    order_id: int,
    lines: dict[int, dict[str, str]] | None,
) -> None:
    order_line_ids = (lines or {}).get(order_id)
    if order_line_ids is None:
        order_line_ids = (await _order_lines(conn, [order_id])).get(order_id, {})
    await conn.execute(
        return_lines.insert(),
        [
            {
                "return_id": return_id,
                "external_line_id": line.external_line_id,
                "order_line_external_id": _linked_line(line.order_line_id, line.sku, order_line_ids)
                or line.order_line_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "reason": line.reason,
                "refund_amount": line.refund_amount,
            }
            for line in snapshot.lines
        ],
    )


async def _update(
    conn: AsyncConnection,
    stored: Any,
    snapshot: ReturnSnapshot,
    blockers: list[dict[str, str]],
    lines_by_order: dict[int, dict[str, str]],
    order_id: int,
    now: datetime,
    actor: str,
    outcome: ReturnOutcome,
) -> None:
    return_id = int(stored.id)
    if snapshot.last_updated_at < stored.last_updated_at or (
        snapshot.last_updated_at == stored.last_updated_at
        and snapshot.marketplace_status == stored.marketplace_status
        and bool(blockers) == (stored.import_status == ImportStatus.BLOCKED)
    ):
        outcome.unchanged += 1  # an overlap re-read, or older than what we hold
        return
    values = _values(snapshot, blockers)
    current = ReturnStatus(stored.status)
    # The marketplace cannot take back a decision we already had confirmed; a status it
    # shows behind ours is news that has not reached it yet.
    if snapshot.status != current and can_transition(current, snapshot.status):
        values["status"] = snapshot.status.value
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.STATUS_CHANGED,
            at=now,
            actor=actor,
            data={"from": current.value, "to": snapshot.status.value},
        )
    await conn.execute(
        update(returns).where(returns.c.id == return_id).values(updated_at=now, **values)
    )
    await conn.execute(delete(return_lines).where(return_lines.c.return_id == return_id))
    await _write_lines(conn, return_id, snapshot, order_id, lines_by_order)
    outcome.updated.append(return_id)
    await add_return_events(
        conn,
        [return_id],
        ReturnEventKind.UPDATED,
        at=now,
        actor=actor,
        data={"marketplace_status": snapshot.marketplace_status},
    )
    was_blocked = stored.import_status == ImportStatus.BLOCKED
    if blockers and not was_blocked:
        outcome.blocked.append(return_id)
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.IMPORT_BLOCKED,
            at=now,
            actor=actor,
            data={"blockers": blockers},
        )
    elif was_blocked and not blockers:
        await add_return_events(
            conn, [return_id], ReturnEventKind.IMPORT_UNBLOCKED, at=now, actor=actor
        )
        if stored.export_status == ExportStatus.NOT_EXPORTED:
            outcome.exportable.append(return_id)
