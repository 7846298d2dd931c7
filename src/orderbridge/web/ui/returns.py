"""The RETURNS tab: the connection selector with its return import buttons, filters, search,
keyset pages, the export toolbar, and one return in full with the decision form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from orderbridge.domain.returns import ReturnDecisionKind, ReturnStatus
from orderbridge.domain.states import ExportStatus, ImportStatus
from orderbridge.services.errors import ServiceError
from orderbridge.services.queries import list_connections
from orderbridge.services.queries.returns import list_returns, return_detail
from orderbridge.services.return_decisions import ReturnDecisionRequest, record_return_decision
from orderbridge.services.return_exports import export_returns
from orderbridge.services.return_imports import request_return_imports
from orderbridge.services.users import Permission
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.ui.list_params import day, query_string
from orderbridge.web.ui.selection import export_pressed, import_pressed
from orderbridge.web.ui.session import PageUser, checked_form
from orderbridge.web.ui.templating import back_to, render

router = APIRouter()
PAGE_SIZE = 50
NOTE_CHARS = 1000
# What a decision does, in the words of the form.
DECISIONS = {
    ReturnDecisionKind.ACCEPT.value: "Accept the return",
    ReturnDecisionKind.REJECT.value: "Reject the return",
    ReturnDecisionKind.REFUND.value: "Refund the returned units",
}


@router.get("/returns", response_class=HTMLResponse)
async def returns_page(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    connection: str | None = None,
    status: str | None = None,
    import_status: str | None = None,
    export_status: str | None = None,
    requested_from: str | None = None,
    requested_to: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    connections = await list_connections(ctx)
    selected = next((c for c in connections if c.name == connection), None)
    problem = None
    try:
        page = await list_returns(
            ctx,
            connection=selected.name if selected else None,
            status=[status] if status else None,
            import_status=[import_status] if import_status else None,
            export_status=[export_status] if export_status else None,
            requested_from=day(requested_from),
            requested_to=day(requested_to, end=True),
            search=q,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
    except ServiceError as exc:
        # A stale or edited cursor, or a status nobody could match: the first page, and why.
        problem = exc.message
        page = await list_returns(ctx, limit=PAGE_SIZE)
    filters: dict[str, Any] = {
        "connection": selected.name if selected else "",
        "status": status or "",
        "import_status": import_status or "",
        "export_status": export_status or "",
        "requested_from": requested_from or "",
        "requested_to": requested_to or "",
        "q": q or "",
    }
    return render(
        request,
        "returns.html",
        user,
        active="returns",
        connections=connections,
        selected=selected,
        page=page,
        filters=filters,
        query_without_cursor=query_string(filters),
        return_statuses=[s.value for s in ReturnStatus],
        import_statuses=[s.value for s in ImportStatus],
        export_statuses=[s.value for s in ExportStatus],
        page_problem=problem,
        first_page=cursor is None,
    )


@router.post("/returns/import")
async def import_returns_now(request: Request, ctx: Ctx, user: PageUser) -> RedirectResponse:
    return await import_pressed(
        request, ctx, user, home="/returns", what="Return", trigger=request_return_imports
    )


@router.post("/returns/export")
async def export_chosen(request: Request, ctx: Ctx, user: PageUser) -> RedirectResponse:
    return await export_pressed(
        request, ctx, user, home="/returns", noun="return", export=export_returns
    )


@router.get("/returns/{return_id}", response_class=HTMLResponse)
async def return_page(request: Request, ctx: Ctx, user: PageUser, return_id: int) -> HTMLResponse:
    try:
        found = await return_detail(ctx, return_id)
    except ServiceError as exc:
        return render(
            request, "not_found.html", user, status_code=404, active="returns", what=exc.message
        )
    return render(request, "return.html", user, active="returns", ret=found, decisions=DECISIONS)


@router.post("/returns/{return_id}/decisions")
async def decide(request: Request, ctx: Ctx, user: PageUser, return_id: int) -> RedirectResponse:
    form = await checked_form(request, user, Permission.OPERATE)
    here = f"/returns/{return_id}"
    chosen = str(form.get("decision") or "")
    if chosen not in DECISIONS:
        return back_to(here, problem="Choose accept, reject or refund.")
    note = str(form.get("note") or "").strip()[:NOTE_CHARS] or None
    try:
        recorded = await record_return_decision(
            ctx,
            return_id,
            ReturnDecisionRequest(decision=ReturnDecisionKind(chosen), note=note),
            actor=f"ui:{user.username}",
            source="ui",
        )
    except ServiceError as exc:
        return back_to(here, problem=exc.message)
    if not recorded.changed:
        return back_to(here, notice=f"This {chosen} decision was recorded already.")
    return back_to(
        here,
        notice=f"Decision recorded: {chosen}. It goes to the marketplace through the "
        "scheduled exports.",
    )
