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
from orderbridge.web.ui.list_params import back_path, day, query_string, with_params
from orderbridge.web.ui.selection import chosen_ids, export_outcome, import_outcome
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
    form = await checked_form(request, user, Permission.OPERATE)
    connection = str(form.get("connection") or "")
    try:
        triggered = await request_return_imports(ctx, [connection] if connection else None)
    except ServiceError as exc:
        return back_to("/returns", connection=connection or None, problem=exc.message)
    notice = import_outcome("Return", triggered)
    return back_to("/returns", connection=connection or None, notice=notice)


@router.post("/returns/export")
async def export_chosen(request: Request, ctx: Ctx, user: PageUser) -> RedirectResponse:
    form = await checked_form(request, user, Permission.OPERATE)
    ids = chosen_ids(form, "return_id")
    back = back_path(form.get("back"), "/returns")
    if not ids:
        return RedirectResponse(
            with_params(back, problem="Choose at least one return to export."), 303
        )
    decisions = await export_returns(ctx, ids, actor=f"ui:{user.username}")
    # ExportDecision.order_id carries the return's id for returns.
    outcomes = [(d.order_id, d.scheduled, d.message) for d in decisions]
    notice, problem = export_outcome("return", outcomes)
    return RedirectResponse(with_params(back, notice=notice, problem=problem), 303)


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
