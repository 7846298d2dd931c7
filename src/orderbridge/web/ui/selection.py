"""What the list pages share: the rows ticked in a form, the import and export buttons'
handling, and the sentences that confirm an import or an export (or say, per row, why
not)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import ServiceError
from orderbridge.services.exporting import ExportDecision
from orderbridge.services.users import Permission, SessionUser
from orderbridge.web.ui.list_params import back_path, with_params
from orderbridge.web.ui.session import checked_form
from orderbridge.web.ui.templating import back_to

MAX_CHOSEN = 500


def chosen_ids(form: FormData, field: str) -> list[int]:
    """The ids ticked in ``field`` checkboxes, in page order, at most ``MAX_CHOSEN``."""
    ids: list[int] = []
    for value in form.getlist(field)[:MAX_CHOSEN]:
        if isinstance(value, str) and value.isdigit():
            ids.append(int(value))
    return list(dict.fromkeys(ids))


def import_outcome(what: str, triggered: list[str]) -> str:
    """``Order import triggered`` (the seed's words), naming the connections."""
    if not triggered:
        return "No connection has import enabled: nothing was triggered."
    return f"{what} import triggered for {', '.join(triggered)}."


def export_outcome(
    noun: str, outcomes: list[tuple[int, bool, str]]
) -> tuple[str | None, str | None]:
    """A confirmation for the scheduled ones and, per refused one, the reason."""
    scheduled = [item_id for item_id, ok, _ in outcomes if ok]
    refused = [(item_id, message) for item_id, ok, message in outcomes if not ok]
    notice = None
    if scheduled:
        plural = "" if len(scheduled) == 1 else "s"
        notice = f"Export to OMS triggered for {len(scheduled)} {noun}{plural}."
    problem = None
    if refused:
        reasons = "; ".join(f"{noun} {item_id}: {message}" for item_id, message in refused)
        problem = f"Not exported — {reasons}."
    return notice, problem


ImportRequest = Callable[[ServiceContext, list[str] | None], Awaitable[list[str]]]
ExportRequest = Callable[..., Awaitable[list[ExportDecision]]]


async def import_pressed(
    request: Request,
    ctx: ServiceContext,
    user: SessionUser,
    *,
    home: str,
    what: str,
    trigger: ImportRequest,
) -> RedirectResponse:
    """The "Import …" button: one connection (the form names it) or all."""
    form = await checked_form(request, user, Permission.OPERATE)
    connection = str(form.get("connection") or "")
    try:
        triggered = await trigger(ctx, [connection] if connection else None)
    except ServiceError as exc:
        return back_to(home, connection=connection or None, problem=exc.message)
    return back_to(home, connection=connection or None, notice=import_outcome(what, triggered))


async def export_pressed(
    request: Request,
    ctx: ServiceContext,
    user: SessionUser,
    *,
    home: str,
    noun: str,
    export: ExportRequest,
) -> RedirectResponse:
    """The "Export to OMS" button: the ticked rows (``{noun}_id``), each answered on its own."""
    form = await checked_form(request, user, Permission.OPERATE)
    ids = chosen_ids(form, f"{noun}_id")
    back = back_path(form.get("back"), home)
    if not ids:
        nothing = f"Choose at least one {noun} to export."
        return RedirectResponse(with_params(back, problem=nothing), 303)
    decisions = await export(ctx, ids, actor=f"ui:{user.username}")
    # ExportDecision.order_id carries the return's id for returns.
    outcomes = [(d.order_id, d.scheduled, d.message) for d in decisions]
    notice, problem = export_outcome(noun, outcomes)
    return RedirectResponse(with_params(back, notice=notice, problem=problem), 303)
