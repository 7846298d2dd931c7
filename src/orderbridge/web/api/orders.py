"""``/orders``: the order list with filters and keyset pages, and one order in full."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from orderbridge.domain.states import ExportStatus, ImportStatus, OrderStatus
from orderbridge.services.queries import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    OrderPage,
    list_orders,
    order_detail,
)
from orderbridge.services.queries.configuration_exports import order_configuration_exports
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import OrderDetailOut, OrderPageOut

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", response_model=OrderPageOut)
async def list_page(
    ctx: Ctx,
    connection: Annotated[str | None, Query(description="Connection name.")] = None,
    status: Annotated[list[OrderStatus] | None, Query(description="Repeatable.")] = None,
    export_status: Annotated[list[ExportStatus] | None, Query(description="Repeatable.")] = None,
    import_status: Annotated[list[ImportStatus] | None, Query(description="Repeatable.")] = None,
    purchased_from: Annotated[
        datetime | None, Query(description="Inclusive; a time without offset is UTC.")
    ] = None,
    purchased_to: Annotated[datetime | None, Query(description="Exclusive.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Order id (exact or prefix), buyer name (contains) or line SKU (exact).",
        ),
    ] = None,
    late_risk: Annotated[
        bool | None,
        Query(
            description="Only (true) or no (false) open orders flagged as at risk of shipping late."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> OrderPage:
    """Newest purchase first."""
    return await list_orders(
        ctx,
        connection=connection,
        status=[str(value) for value in status] if status else None,
        export_status=[str(value) for value in export_status] if export_status else None,
        import_status=[str(value) for value in import_status] if import_status else None,
        purchased_from=purchased_from,
        purchased_to=purchased_to,
        search=q,
        late_risk=late_risk,
        limit=limit,
        cursor=cursor,
    )


@router.get("/{order_id}", response_model=OrderDetailOut, responses=error_responses(404))
async def show(order_id: int, ctx: Ctx) -> dict[str, Any]:
    """Lines, history, exports, errors and the marketplace's raw payload of one order."""
    detail = await order_detail(ctx, order_id)
    detail["configuration_exports"] = await order_configuration_exports(ctx, order_id)
    return detail
