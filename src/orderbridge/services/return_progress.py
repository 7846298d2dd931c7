"""What a confirmed or failed return decision does to its return: the status moves and the
return's timeline says so, in the transaction that settles the marketplace update."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.events import ReturnEventKind
from orderbridge.domain.returns import DECISION_STATUS, ReturnDecisionKind, ReturnStatus
from orderbridge.domain.states import can_transition
from orderbridge.store.return_tables import returns
from orderbridge.store.return_writer import add_return_events


async def decision_settled(
    conn: AsyncConnection,
    decision: dict[str, Any],
    *,
    confirmed: bool,
    now: datetime,
    actor: str,
    error: str | None = None,
) -> None:
    return_id = int(decision["return_id"])
    data: dict[str, Any] = {"decision_id": decision["id"], "decision": decision["decision"]}
    if not confirmed:
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.DECISION_FAILED,
            at=now,
            actor=actor,
            data={**data, "error": error},
        )
        return
    await add_return_events(
        conn, [return_id], ReturnEventKind.DECISION_CONFIRMED, at=now, actor=actor, data=data
    )
    stored = (
        await conn.execute(
            select(returns.c.status, returns.c.refund_amount).where(returns.c.id == return_id)
        )
    ).one()
    current = ReturnStatus(stored.status)
    target = DECISION_STATUS[ReturnDecisionKind(decision["decision"])]
    values: dict[str, Any] = {"updated_at": now}
    if decision["decision"] == ReturnDecisionKind.REFUND:
        # The return's refunded total grows by this refund. Added here, not in SQL: the
        # amount column is exact decimal text, which SQL would concatenate, not add.
        values["refund_amount"] = (stored.refund_amount or Decimal(0)) + Decimal(
            decision["total_amount"]
        )
    if target != current and can_transition(current, target):
        values["status"] = target.value
        await add_return_events(
            conn,
            [return_id],
            ReturnEventKind.STATUS_CHANGED,
            at=now,
            actor=actor,
            data={"from": current.value, "to": target.value},
        )
    await conn.execute(update(returns).where(returns.c.id == return_id).values(**values))
