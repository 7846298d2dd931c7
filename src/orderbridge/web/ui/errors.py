"""The ERRORS tab: the import and export errors newest first with their filters, one log
message in detail ("Detail of log message …", with its Attributes and Request/Response
tabs), and retrying or resolving it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import ServiceError
from orderbridge.services.queries import (
    ErrorEntry,
    Page,
    error_detail,
    list_connections,
    list_errors,
    resolve_error,
)
from orderbridge.services.queries.paging import encode_cursor
from orderbridge.services.users import Permission
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.ui.error_retry import retry_entry, retry_plan
from orderbridge.web.ui.error_sections import attribute_rows, call_rows, fix_of
from orderbridge.web.ui.list_params import day
from orderbridge.web.ui.session import PageUser, checked_form
from orderbridge.web.ui.templating import back_to, render

router = APIRouter()
PAGE_SIZE = 50

# The operations the services record, with the words the filter shows for them.
OPERATIONS = {
    "import": "Order import",
    "import_returns": "Return import",
    "export": "Export to OMS",
    "export_return": "Return export to OMS",
    "notify": "Cancellation notice to OMS",
    "ship": "Shipment to marketplace",
    "cancel": "Cancellation to marketplace",
    "refund": "Refund to marketplace",
    "acknowledge": "Acknowledgement",
    "return_decision": "Return decision to marketplace",
    "status_import": "Status import from OMS",
    "late_shipment": "Late shipment warning",
}


async def _page(
    ctx: ServiceContext, filters: dict[str, Any], cursor: str | None
) -> Page[ErrorEntry]:
    # list_errors has no date filter, but its keyset order is the date: the "to" day is
    # where the first page starts (a cursor just past that day), and the newest-first
    # list ends at the first entry older than the "from" day.
    start = day(filters["logged_from"])
    end = day(filters["logged_to"], end=True)
    if cursor is None and end is not None:
        cursor = encode_cursor(end, 0)
    page = await list_errors(
        ctx,
        connection=filters["connection"] or None,
        operation=filters["operation"] or None,
        unresolved_only=bool(filters["unresolved"]),
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    if start is None:
        return page
    kept = [entry for entry in page.items if entry.at >= start]
    if len(kept) < len(page.items):
        return Page(items=kept, next_cursor=None)
    return page


@router.get("/errors", response_class=HTMLResponse)
async def errors_page(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    connection: str | None = None,
    operation: str | None = None,
    unresolved: str | None = None,
    logged_from: str | None = None,
    logged_to: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    connections = await list_connections(ctx)
    filters: dict[str, Any] = {
        "connection": connection or "",
        "operation": operation or "",
        "unresolved": "1" if unresolved == "1" else "",
        "logged_from": logged_from or "",
        "logged_to": logged_to or "",
    }
    problem = None
    try:
        page = await _page(ctx, filters, cursor)
    except ServiceError as exc:
        # An unknown connection or a stale cursor: the first unfiltered page, and why.
        problem = exc.message
        page = await list_errors(ctx, limit=PAGE_SIZE)
    operations = dict(OPERATIONS)
    if filters["operation"] and filters["operation"] not in operations:
        operations[filters["operation"]] = filters["operation"]
    return render(
        request,
        "errors.html",
        user,
        active="errors",
        connections=connections,
        operations=operations,
        page=page,
        filters=filters,
        query_without_cursor=urlencode({k: v for k, v in filters.items() if v}),
        page_problem=problem,
        first_page=cursor is None,
    )


@router.get("/errors/{entry_id}", response_class=HTMLResponse)
async def error_page(request: Request, ctx: Ctx, user: PageUser, entry_id: int) -> HTMLResponse:
    try:
        entry = await error_detail(ctx, entry_id)
    except ServiceError as exc:
        return render(
            request, "not_found.html", user, status_code=404, active="errors", what=exc.message
        )
    return render(
        request,
        "error.html",
        user,
        active="errors",
        entry=entry,
        operation_label=OPERATIONS.get(entry.operation, entry.operation.replace("_", " ")),
        connection_id=entry.connection_id,
        fix=fix_of(entry),
        attributes=attribute_rows(entry),
        call=call_rows(entry),
        plan=retry_plan(entry),
    )


@router.post("/errors/{entry_id}/retry", response_model=None)
async def retry(request: Request, ctx: Ctx, user: PageUser, entry_id: int) -> Response:
    await checked_form(request, user, Permission.OPERATE)
    here = f"/errors/{entry_id}"
    try:
        entry = await error_detail(ctx, entry_id)
        done = await retry_entry(ctx, entry, actor=f"ui:{user.username}")
    except ServiceError as exc:
        return back_to(here, problem=f"Not retried: {exc.message}.")
    if done is None:
        return back_to(here, problem=retry_plan(entry).what)
    return back_to(here, notice=f"{done} Mark the message resolved once it went through.")


@router.post("/errors/{entry_id}/resolve")
async def resolve(request: Request, ctx: Ctx, user: PageUser, entry_id: int) -> RedirectResponse:
    await checked_form(request, user, Permission.OPERATE)
    here = f"/errors/{entry_id}"
    try:
        entry = await resolve_error(ctx, entry_id)
    except ServiceError as exc:
        return back_to(here, problem=exc.message)
    return back_to(here, notice=f"Log message “{entry.title}” is marked resolved.")
