"""The SCHEDULED EXPORTS tab: what is still to go to the OMS or a marketplace, each row's
state in words, Refresh (and a refresh every 10 s), and per row Retry now and Cancel.

A row that is sent leaves the default list, as merchants expect from the seed; the
status filter can still show the sent and the cancelled ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from orderbridge.domain.fulfilment import UpdateKind
from orderbridge.services.errors import ServiceError
from orderbridge.services.outbox_actions import KIND_NOUNS, cancel, retry_now
from orderbridge.services.queries import ScheduledExport, scheduled_exports
from orderbridge.services.users import Permission
from orderbridge.store.configuration_exports import EXPORT_CONFIGURED
from orderbridge.store.outbox_queue import CANCELLED, DEAD, DONE, PENDING, RUNNING
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.ui.list_params import back_path, query_string, with_params
from orderbridge.web.ui.session import PageUser, checked_form
from orderbridge.web.ui.templating import render, when

router = APIRouter()
PAGE_SIZE = 50
REFRESH_SECONDS = 10
# The status filter in words; the empty choice is everything still to do.
STATUS_CHOICES = {
    "": "Still to do (waiting, being sent, failed)",
    PENDING: "Waiting",
    RUNNING: "Being sent",
    DEAD: "Failed for good",
    DONE: "Sent",
    CANCELLED: "Cancelled",
}
_ACTIONABLE = (PENDING, DEAD)


@dataclass(frozen=True, slots=True)
class RowView:
    """One scheduled export as the table shows it."""

    item: ScheduledExport
    kind: str
    state: str
    next_attempt: str
    may_retry: bool
    may_cancel: bool


@router.get("/scheduled", response_class=HTMLResponse)
async def scheduled_page(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    status: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    problem = None
    chosen = status if status in STATUS_CHOICES else ""
    try:
        page = await scheduled_exports(
            ctx, status=[chosen] if chosen else None, limit=PAGE_SIZE, cursor=cursor
        )
    except ServiceError as exc:
        # A stale or edited cursor: show the first page and say why.
        problem = exc.message
        page = await scheduled_exports(ctx, limit=PAGE_SIZE)
    now = ctx.clock()
    filters: dict[str, Any] = {"status": chosen}
    return render(
        request,
        "scheduled.html",
        user,
        active="scheduled",
        page=page,
        rows=rows_of(page.items, now),
        filters=filters,
        status_choices=STATUS_CHOICES,
        query_without_cursor=query_string(filters),
        refresh_seconds=REFRESH_SECONDS,
        page_problem=problem,
        first_page=cursor is None,
        shown_at=now,
    )


def rows_of(items: list[ScheduledExport], now: datetime) -> list[RowView]:
    rows = []
    for item in items:
        # Work for one order goes in order per lane (a dead row no longer holds the rest
        # up): name the row this one waits behind, when that row is on the same page.
        ahead = next(
            (
                other.id
                for other in items
                if other.order_id == item.order_id
                and other.lane == item.lane
                and other.id < item.id
                and other.status in (PENDING, RUNNING)
            ),
            None,
        )
        rows.append(
            RowView(
                item=item,
                kind=KIND_NOUNS.get(item.kind, item.kind.replace("_", " ")),
                state=explain(item, now, ahead),
                next_attempt=_next_attempt(item, now),
                may_retry=item.status in _ACTIONABLE,
                may_cancel=item.status in _ACTIONABLE
                and item.kind != EXPORT_CONFIGURED
                and not item.handle,
            )
        )
    return rows


def _due(moment: datetime, now: datetime) -> str:
    seconds = int((moment - now).total_seconds())
    if seconds <= 0:
        return "now"
    if seconds < 120:
        return f"in {seconds} s ({moment:%H:%M:%S} UTC)"
    if seconds < 7200:
        return f"in {round(seconds / 60)} min ({moment:%H:%M} UTC)"
    return f"at {when(moment)}"


def _next_attempt(item: ScheduledExport, now: datetime) -> str:
    if item.status == PENDING:
        return _due(item.next_attempt_at, now)
    if item.status == RUNNING:
        return "being sent"
    return "—"


def explain(item: ScheduledExport, now: datetime, ahead: int | None = None) -> str:
    """The row's state in a sentence a merchant can act on."""
    if item.status == RUNNING:
        if item.lease_until is not None and item.lease_until < now:
            return (
                f"Was being sent by {item.lease_owner or 'a worker'}, which stopped answering; "
                "another worker takes it over."
            )
        return f"Being sent right now (attempt {item.attempts} of {item.max_attempts})."
    if item.status == DEAD:
        plural = "" if item.attempts == 1 else "s"
        return (
            f"Failed for good after {item.attempts} attempt{plural} (the last error says "
            "why). It needs someone: Retry now sends it again with fresh attempts; Cancel "
            "drops it."
        )
    if item.status == DONE:
        return "Sent. It no longer shows among the exports still to do."
    if item.status == CANCELLED:
        return f"Cancelled; it will not be sent ({item.last_error or 'no reason recorded'})."
    due = _due(item.next_attempt_at, now)
    if item.handle:
        return (
            f"With the marketplace, which is still processing it (reference {item.handle}); "
            f"its result is checked {due}."
        )
    if ahead is not None:
        return (
            f"Waits until #{ahead} of the same order is finished: the updates of one order "
            "go in order."
        )
    if item.attempts:
        return (
            f"Attempt {item.attempts} of {item.max_attempts} failed; it is tried again "
            f"automatically {due}."
        )
    if item.kind == UpdateKind.SHIPMENT and item.next_attempt_at > now:
        return f"Waits for its tracking number until {due}; then it goes as the channel allows."
    return "Waiting to be sent; it is due now." if due == "now" else f"Waiting; due {due}."


@router.post("/scheduled/{outbox_id}/retry")
async def retry_row(request: Request, ctx: Ctx, user: PageUser, outbox_id: int) -> RedirectResponse:
    form = await checked_form(request, user, Permission.OPERATE)
    back = back_path(form.get("back"), "/scheduled")
    try:
        message = await retry_now(ctx, outbox_id, actor=f"ui:{user.username}")
    except ServiceError as exc:
        return RedirectResponse(with_params(back, problem=exc.message), 303)
    return RedirectResponse(with_params(back, notice=f"#{outbox_id}: {message}."), 303)


@router.post("/scheduled/{outbox_id}/cancel")
async def cancel_row(
    request: Request, ctx: Ctx, user: PageUser, outbox_id: int
) -> RedirectResponse:
    form = await checked_form(request, user, Permission.OPERATE)
    back = back_path(form.get("back"), "/scheduled")
    try:
        message = await cancel(ctx, outbox_id, actor=f"ui:{user.username}")
    except ServiceError as exc:
        return RedirectResponse(with_params(back, problem=exc.message), 303)
    return RedirectResponse(with_params(back, notice=f"#{outbox_id}: {message}."), 303)
