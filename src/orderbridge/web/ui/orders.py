"""The ORDERS tab: the connection selector with its import buttons, filters, search, keyset
pages, the export toolbar, and one order in full."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from orderbridge.domain.states import ExportStatus, ImportStatus, OrderStatus
from orderbridge.services.errors import ServiceError
from orderbridge.services.exporting import export_orders
from orderbridge.services.importing import request_imports
from orderbridge.services.queries import list_connections, list_orders, order_detail
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.ui.list_params import day, query_string
from orderbridge.web.ui.selection import export_pressed, import_pressed
from orderbridge.web.ui.session import PageUser
from orderbridge.web.ui.templating import render

router = APIRouter()
PAGE_SIZE = 50


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    connection: str | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    import_status: str | None = None,
    export_status: str | None = None,
    purchased_from: str | None = None,
    purchased_to: str | None = None,
    late: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    connections = await list_connections(ctx)
    selected = next((c for c in connections if c.name == connection), None)
    problem = None
    try:
        page = await list_orders(
            ctx,
            connection=selected.name if selected else None,
            status=[value for value in status or [] if value] or None,
            import_status=[import_status] if import_status else None,
            export_status=[export_status] if export_status else None,
            purchased_from=day(purchased_from),
            purchased_to=day(purchased_to, end=True),
            search=q,
            late_risk=True if late == "1" else None,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
    except ServiceError as exc:
        # A stale or edited cursor: show the first page and say why.
        problem = exc.message
        page = await list_orders(ctx, limit=PAGE_SIZE)
    filters: dict[str, Any] = {
        "connection": selected.name if selected else "",
        "status": [value for value in status or [] if value],
        "import_status": import_status or "",
        "export_status": export_status or "",
        "purchased_from": purchased_from or "",
        "purchased_to": purchased_to or "",
        "late": late or "",
        "q": q or "",
    }
    return render(
        request,
        "orders.html",
        user,
        active="orders",
        connections=connections,
        selected=selected,
        page=page,
        filters=filters,
        query_without_cursor=query_string(filters),
        order_statuses=[s.value for s in OrderStatus],
        import_statuses=[s.value for s in ImportStatus],
        export_statuses=[s.value for s in ExportStatus],
        page_problem=problem,
        first_page=cursor is None,
    )


@router.post("/orders/import")
async def import_orders_now(request: Request, ctx: Ctx, user: PageUser) -> RedirectResponse:
    return await import_pressed(
        request, ctx, user, home="/orders", what="Order", trigger=request_imports
    )


@router.post("/orders/export")
async def export_chosen(request: Request, ctx: Ctx, user: PageUser) -> RedirectResponse:
    return await export_pressed(
        request, ctx, user, home="/orders", noun="order", export=export_orders
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_page(request: Request, ctx: Ctx, user: PageUser, order_id: int) -> HTMLResponse:
    try:
        order = await order_detail(ctx, order_id)
    except ServiceError as exc:
        return render(request, "not_found.html", user, status_code=404, what=exc.message)
    return render(request, "order.html", user, active="orders", order=order)
