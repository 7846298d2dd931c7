"""The web admin: server-rendered pages (Jinja2) for merchants and operators.

Every page needs a signed-in user (``session.PageUser``); every form carries the
session's CSRF token and every POST checks it (``session.checked_form``). Pages read
through ``services.queries`` and act through the same services as the REST API, so the
admin can do nothing the API could not, and says no for the same reasons.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from orderbridge.web.ui import connections, errors, orders, returns, scheduled, sign_in
from orderbridge.web.ui.session import Forbidden, SignInRequired
from orderbridge.web.ui.templating import render

STATIC = Path(__file__).parent / "static"
# Each module's ``router`` holds the pages of one tab.
PAGE_MODULES = (orders, returns, scheduled, errors, connections)


def install_ui(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home() -> RedirectResponse:
        return RedirectResponse("/orders", status_code=303)

    router.include_router(sign_in.router)
    for module in PAGE_MODULES:
        router.include_router(module.router)
    app.include_router(router)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, _exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={target}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "forbidden.html", exc.user, status_code=403, reason=exc.reason)
