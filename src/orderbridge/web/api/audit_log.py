"""``/audit-log``: who changed which configuration, when, and what changed; newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from orderbridge.services.queries.audit_log import AuditPage, list_audit_entries
from orderbridge.services.queries.paging import DEFAULT_LIMIT, MAX_LIMIT
from orderbridge.web.api.dependencies import Ctx

router = APIRouter(prefix="/audit-log", tags=["audit log"])


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject_kind: str
    subject_name: str
    changes: dict[str, Any]


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    next_before_id: int | None


@router.get("", response_model=AuditPageOut)
async def list_page(
    ctx: Ctx,
    subject_kind: Annotated[
        str | None,
        Query(examples=["status_source", "connection", "export_target", "export_configuration"]),
    ] = None,
    subject_name: Annotated[str | None, Query(description="The subject's name.")] = None,
    before_id: Annotated[
        int | None,
        Query(ge=1, description="Entries older than this id: the `next_before_id` of a page."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> AuditPage:
    """Newest first; secrets appear only as `(changed)`, never their values."""
    return await list_audit_entries(
        ctx,
        subject_kind=subject_kind,
        subject_name=subject_name,
        before_id=before_id,
        limit=limit,
    )
