"""The audit log: who changed which configuration, when, and what the change was.

Written in the same transaction as the change itself, so a change is never without its
entry and an entry never describes a change that was rolled back. Callers pass the
changed fields only; a secret is recorded as ``"(changed)"``, never its value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.store.configuration_tables import audit_log

SECRET_CHANGED = "(changed)"  # noqa: S105 - a placeholder shown instead of the secret


async def record_change(
    conn: AsyncConnection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_kind: str,
    subject_name: str,
    changes: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        audit_log.insert().values(
            at=at,
            actor=actor,
            action=action,
            subject_kind=subject_kind,
            subject_name=subject_name,
            changes=changes or {},
        )
    )


async def audit_entries(
    conn: AsyncConnection,
    *,
    subject_kind: str | None = None,
    subject_name: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` continues a page (keyset pagination)."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if subject_kind:
        query = query.where(audit_log.c.subject_kind == subject_kind)
    if subject_name:
        query = query.where(audit_log.c.subject_name == subject_name)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return [dict(row) for row in (await conn.execute(query)).mappings()]
