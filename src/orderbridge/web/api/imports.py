"""``/imports``: trigger an order import now, and the history of import runs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from orderbridge.services.importing import request_imports
from orderbridge.services.queries import DEFAULT_LIMIT, MAX_LIMIT, ImportRunView, list_import_runs
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.schemas import ImportRequest, ImportRunList, ImportTriggered

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ImportTriggered)
async def trigger(body: ImportRequest, ctx: Ctx) -> ImportTriggered:
    """Make the named connections (or all with import enabled) due now.

    The import runs in the background; its progress shows in ``GET /imports`` and the
    connection's ``last_success_at``.
    """
    triggered = await request_imports(ctx, None if body.all else body.connections)
    message = "Order import triggered" if triggered else "No connection has import enabled"
    return ImportTriggered(triggered=triggered, message=message)


@router.get("", response_model=ImportRunList)
async def runs(
    ctx: Ctx,
    connection: str | None = None,
    feed: Annotated[
        Literal["orders", "returns"] | None, Query(description="Only runs of this feed.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> dict[str, list[ImportRunView]]:
    """The latest import runs first (orders and returns, unless ``feed`` picks one)."""
    return {"items": await list_import_runs(ctx, connection, limit, feed)}
