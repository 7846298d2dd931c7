"""Signing in and out of the admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orderbridge.services.users import SESSION_LIFETIME, Permission, sign_in, sign_out
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.ui.session import COOKIE, PageUser, checked_form
from orderbridge.web.ui.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//evil.example" or a full URL would send people away.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/orders"


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "sign_in.html", None, next=_safe_next(next), failed=False)


@router.post("/sign-in", response_model=None)
async def sign_in_submit(
    request: Request,
    ctx: Ctx,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/orders",
) -> Response:
    token = await sign_in(ctx, username, password)
    if token is None:
        return render(
            request,
            "sign_in.html",
            None,
            status_code=401,
            next=_safe_next(next),
            failed=True,
            username=username,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/sign-out")
async def sign_out_submit(request: Request, ctx: Ctx, user: PageUser) -> RedirectResponse:
    await checked_form(request, user, Permission.VIEW)
    await sign_out(ctx, request.cookies.get(COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE)
    return response
