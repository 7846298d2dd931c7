"""``/scheduled-exports``: the outbox as users see it — what is still to be sent, and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from orderbridge.services.queries import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    OUTBOX_STATUSES,
    Page,
    ScheduledExport,
    scheduled_exports,
)
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.schemas import ScheduledExportPage

router = APIRouter(prefix="/scheduled-exports", tags=["scheduled exports"])


@router.get("", response_model=ScheduledExportPage)
async def scheduled(
    ctx: Ctx,
    status: Annotated[
        list[str] | None,
        Query(
            description=f"Repeatable; one of {', '.join(OUTBOX_STATUSES)}. "
            "Default: pending, running and dead."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ScheduledExport]:
    """The outbox as users see it: what is still to be sent and when, soonest first."""
    return await scheduled_exports(ctx, status=status, limit=limit, cursor=cursor)
