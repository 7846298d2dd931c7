"""The CONNECTIONS tab: every connection with its import health and rate-limit state, one
connection in full, adding and editing (admins), testing, and import on or off.

Connections are addressed by id here, so no connection name can clash with a page
(``/connections/new``). Changes go through ``services.connections`` with the actor
``ui:<username>``, which writes them to the audit log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orderbridge.secrets_box import SecretUnreadable
from orderbridge.services.connections import (
    create_connection,
    known_channels,
    test_connection,
    update_connection,
)
from orderbridge.services.errors import ServiceError
from orderbridge.services.order_holds import release_held
from orderbridge.services.queries import (
    ConnectionView,
    connection_detail,
    list_connections,
    list_export_targets,
)
from orderbridge.services.queries.rate_state import rate_state
from orderbridge.services.users import Permission, SessionUser
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.ui import connection_form
from orderbridge.web.ui.connection_form import Posted
from orderbridge.web.ui.session import PageUser, checked_form, require
from orderbridge.web.ui.templating import back_to, render

router = APIRouter()


@router.get("/connections", response_class=HTMLResponse)
async def connections_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    views = await list_connections(ctx)
    states = {view.id: await rate_state(ctx, view.id) for view in views}
    return render(
        request,
        "connections.html",
        user,
        active="connections",
        connections=views,
        states=states,
        now=ctx.clock(),
    )


async def _form_page(
    request: Request,
    ctx: Ctx,
    user: SessionUser,
    *,
    view: ConnectionView | None,
    channel: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    targets = await list_export_targets(ctx)
    return render(
        request,
        "connection_form.html",
        user,
        status_code=422 if errors else 200,
        active="connections",
        view=view,
        channel=channel,
        channels=known_channels(),
        values=values,
        errors=errors or {},
        credential_fields=connection_form.credential_fields(channel),
        option_example=connection_form.OPTION_EXAMPLES.get(channel, "key=value"),
        numbers=connection_form.NUMBERS,
        flags=connection_form.FLAGS,
        targets=targets,
    )


@router.get("/connections/new", response_class=HTMLResponse)
async def new_connection_page(
    request: Request, ctx: Ctx, user: PageUser, channel: str | None = None
) -> HTMLResponse:
    require(user, Permission.ADMINISTER)
    known = known_channels()
    chosen = channel if channel in known else known[0]
    return await _form_page(
        request,
        ctx,
        user,
        view=None,
        channel=chosen,
        values=connection_form.initial_values(None, chosen),
    )


@router.post("/connections/new", response_model=None)
async def add_connection(request: Request, ctx: Ctx, user: PageUser) -> Response:
    form = await checked_form(request, user, Permission.ADMINISTER)
    channel = str(form.get("channel") or "")
    posted = connection_form.read_posted(form, channel)
    if not posted.errors:
        try:
            connection_id = await create_connection(
                ctx, connection_form.spec_of(posted), actor=f"ui:{user.username}"
            )
        except ServiceError as exc:
            connection_form.place_error(posted, exc)
        else:
            notice = f"Connection {posted.values['name']} added."
            return back_to(f"/connections/{connection_id}", notice=notice)
    return await _refused(request, ctx, user, posted, view=None)


async def _refused(
    request: Request, ctx: Ctx, user: SessionUser, posted: Posted, *, view: ConnectionView | None
) -> HTMLResponse:
    # The entered values come back; credentials never do (the inputs stay empty).
    channel = posted.values["channel"]
    return await _form_page(
        request, ctx, user, view=view, channel=channel, values=posted.values, errors=posted.errors
    )


async def _view(ctx: Ctx, connection_id: int) -> ConnectionView | None:
    try:
        return await connection_detail(ctx, connection_id)
    except ServiceError:
        return None


def _missing(request: Request, user: SessionUser, connection_id: int) -> HTMLResponse:
    return render(
        request,
        "not_found.html",
        user,
        status_code=404,
        active="connections",
        what=f"Connection {connection_id} does not exist.",
    )


@router.get("/connections/{connection_id}", response_class=HTMLResponse)
async def connection_page(
    request: Request, ctx: Ctx, user: PageUser, connection_id: int
) -> HTMLResponse:
    view = await _view(ctx, connection_id)
    if view is None:
        return _missing(request, user, connection_id)
    return render(
        request,
        "connection.html",
        user,
        active="connections",
        c=view,
        state=await rate_state(ctx, view.id),
        options_text=connection_form.options_text(view.options),
        now=ctx.clock(),
    )


@router.get("/connections/{connection_id}/edit", response_class=HTMLResponse)
async def edit_page(request: Request, ctx: Ctx, user: PageUser, connection_id: int) -> HTMLResponse:
    require(user, Permission.ADMINISTER)
    view = await _view(ctx, connection_id)
    if view is None:
        return _missing(request, user, connection_id)
    return await _form_page(
        request,
        ctx,
        user,
        view=view,
        channel=view.channel,
        values=connection_form.initial_values(view, view.channel),
    )


@router.post("/connections/{connection_id}/edit", response_model=None)
async def edit_connection(
    request: Request, ctx: Ctx, user: PageUser, connection_id: int
) -> Response:
    form = await checked_form(request, user, Permission.ADMINISTER)
    view = await _view(ctx, connection_id)
    if view is None:
        return _missing(request, user, connection_id)
    posted = connection_form.read_posted(form, view.channel, name=view.name)
    if not posted.errors:
        changes = connection_form.changes_of(posted, view)
        try:
            await update_connection(ctx, view.id, changes, actor=f"ui:{user.username}")
        except ServiceError as exc:
            connection_form.place_error(posted, exc)
        else:
            held_rules = ("check_catalog", "visible_only")
            if any(changes[flag] != getattr(view, flag) for flag in held_rules):
                # Held orders follow the new setting at once, as after the API's change.
                await release_held(ctx, [view.id])
            return back_to(f"/connections/{view.id}", notice=f"Connection {view.name} saved.")
    return await _refused(request, ctx, user, posted, view=view)


@router.post("/connections/{connection_id}/test")
async def test(request: Request, ctx: Ctx, user: PageUser, connection_id: int) -> RedirectResponse:
    await checked_form(request, user, Permission.OPERATE)
    here = f"/connections/{connection_id}"
    try:
        answer = await test_connection(ctx, connection_id)
    except ServiceError as exc:
        return back_to(here, problem=exc.message)
    except SecretUnreadable:
        return back_to(
            here,
            problem="The stored credentials cannot be read with this server's secret key "
            "(ORDERBRIDGE_SECRET_KEY): enter them again on the edit page.",
        )
    if answer == "ok":
        return back_to(here, notice="Test connection: ok — the marketplace accepted the call.")
    return back_to(here, problem=f"Test connection failed — {answer}")


async def _set_import(
    request: Request, ctx: Ctx, user: SessionUser, connection_id: int, on: bool
) -> RedirectResponse:
    await checked_form(request, user, Permission.ADMINISTER)
    here = f"/connections/{connection_id}"
    try:
        await update_connection(
            ctx, connection_id, {"import_enabled": on}, actor=f"ui:{user.username}"
        )
    except ServiceError as exc:
        return back_to(here, problem=exc.message)
    return back_to(here, notice=f"Import turned {'on' if on else 'off'}.")


@router.post("/connections/{connection_id}/enable")
async def enable(
    request: Request, ctx: Ctx, user: PageUser, connection_id: int
) -> RedirectResponse:
    return await _set_import(request, ctx, user, connection_id, True)


@router.post("/connections/{connection_id}/disable")
async def disable(
    request: Request, ctx: Ctx, user: PageUser, connection_id: int
) -> RedirectResponse:
    return await _set_import(request, ctx, user, connection_id, False)
