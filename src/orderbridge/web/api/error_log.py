"""``/errors``: the error log, one entry in full, and marking an entry resolved."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from orderbridge.services.queries import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ErrorEntry,
    Page,
    error_detail,
    list_errors,
    resolve_error,
)
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import ErrorEntryOut, ErrorPage

router = APIRouter(prefix="/errors", tags=["errors"])


@router.get("", response_model=ErrorPage)
async def list_page(
    ctx: Ctx,
    connection: str | None = None,
    operation: Annotated[str | None, Query(examples=["import", "export"])] = None,
    unresolved: Annotated[bool, Query(description="Only entries not resolved yet.")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ErrorEntry]:
    """Newest first."""
    return await list_errors(
        ctx,
        connection=connection,
        operation=operation,
        unresolved_only=unresolved,
        limit=limit,
        cursor=cursor,
    )


@router.get("/{entry_id}", response_model=ErrorEntryOut, responses=error_responses(404))
async def show(entry_id: int, ctx: Ctx) -> ErrorEntry:
    return await error_detail(ctx, entry_id)


@router.post("/{entry_id}/resolve", response_model=ErrorEntryOut, responses=error_responses(404))
async def resolve(entry_id: int, ctx: Ctx) -> ErrorEntry:
    """Mark the entry as dealt with; resolving it again changes nothing."""
    return await resolve_error(ctx, entry_id)
