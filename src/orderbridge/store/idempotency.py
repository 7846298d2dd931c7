"""Idempotency keys: the first request with a key does the work, a repeat gets its answer.

The key row is written in the same transaction as the effect, so two racing requests
with one key cannot both act: the second waits on the unique index and then finds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.fulfilment_tables import idempotency_keys


async def claim_key(
    conn: AsyncConnection, *, scope: str, key: str, request_hash: str, now: datetime
) -> dict[str, Any] | None:
    """None when the key is new (and now ours); else the stored row of the first request."""
    inserted = await conn.execute(
        insert_for(conn, idempotency_keys)
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .values(
            scope=scope,
            key=key,
            request_hash=request_hash,
            status_code=0,
            response={},
            created_at=now,
        )
        .returning(idempotency_keys.c.id)
    )
    if inserted.first() is not None:
        return None
    row = (
        (
            await conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
                )
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def complete_key(
    conn: AsyncConnection, *, scope: str, key: str, status_code: int, response: dict[str, Any]
) -> None:
    await conn.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
        .values(status_code=status_code, response=response)
    )
