"""The audit log as users read it: who changed which configuration, when, and how.

Newest first, a page at a time: ``before_id`` is the id of the last entry seen, so entries
written while someone pages never shift the pages that follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.queries.paging import DEFAULT_LIMIT, check_limit
from orderbridge.store.audit_trail import audit_entries


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str  # api:<token name>, cli or system
    action: str  # create, update, delete, run
    subject_kind: str  # status_source, connection, export_target, export_configuration …
    subject_name: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditEntry]
    next_before_id: int | None  # pass as before_id for the next (older) page; None: last


async def list_audit_entries(
    ctx: ServiceContext,
    *,
    subject_kind: str | None = None,
    subject_name: str | None = None,
    before_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> AuditPage:
    check_limit(limit)
    if before_id is not None and before_id < 1:
        raise InvalidInput(
            f"before_id must be an entry id (1 or more), got {before_id}", field="before_id"
        )
    async with ctx.db.read() as conn:
        # One more than asked tells whether an older page exists without a count.
        rows = await audit_entries(
            conn,
            subject_kind=subject_kind,
            subject_name=subject_name,
            before_id=before_id,
            limit=limit + 1,
        )
    items = [
        AuditEntry(
            id=row["id"],
            at=row["at"],
            actor=row["actor"],
            action=row["action"],
            subject_kind=row["subject_kind"],
            subject_name=row["subject_name"],
            changes=dict(row["changes"] or {}),
        )
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    return AuditPage(items=items, next_before_id=items[-1].id if more and items else None)
