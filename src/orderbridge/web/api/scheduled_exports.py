"""``/scheduled-exports``: the outbox as users see it — what is still to be sent, and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from orderbridge.services.outbox_actions import retry_item
from orderbridge.services.queries import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    OUTBOX_STATUSES,
    Page,
    ScheduledExport,
    scheduled_exports,
)
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
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


class RetryOut(BaseModel):
    id: int
    message: str


@router.post("/{outbox_id}/retry", response_model=RetryOut, responses=error_responses(404, 409))
async def retry(outbox_id: int, ctx: Ctx, token: Token) -> RetryOut:
    """Send a dead export, shipment, cancellation or refund again, with fresh attempts."""
    message = await retry_item(ctx, outbox_id, actor=f"api:{token.name}")
    return RetryOut(id=outbox_id, message=message)
