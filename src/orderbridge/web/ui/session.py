"""Who is signed in to the admin, what they may do, and the CSRF check on every form."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from orderbridge.services.users import Permission, SessionUser, csrf_matches, session_user
from orderbridge.web.api.dependencies import Ctx

COOKIE = "orderbridge_session"


class SignInRequired(Exception):
    """No valid session: the page answers with the sign-in form."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this."""

    def __init__(self, user: SessionUser, reason: str) -> None:
        super().__init__(reason)
        self.user = user
        self.reason = reason


async def page_user(request: Request, ctx: Ctx) -> SessionUser:
    user = await session_user(ctx, request.cookies.get(COOKIE))
    if user is None:
        raise SignInRequired
    return user


PageUser = Annotated[SessionUser, Depends(page_user)]

_WORDS = {
    Permission.OPERATE: "import, export, retry or cancel (operators and admins may)",
    Permission.ADMINISTER: "change connections or users (admins may)",
}


def require(user: SessionUser, permission: Permission) -> None:
    if not user.can(permission):
        raise Forbidden(
            user, f"Your role ({user.role.value}) may not {_WORDS.get(permission, permission)}."
        )


async def checked_form(
    request: Request, user: SessionUser, permission: Permission = Permission.OPERATE
) -> FormData:
    """The posted form, once its CSRF token matches the session's and the role allows it."""
    form = await request.form()
    token = form.get("csrf_token")
    if not csrf_matches(user, token if isinstance(token, str) else None):
        raise Forbidden(
            user,
            "This form has expired or did not come from this site. Reload the page and try again.",
        )
    require(user, permission)
    return form
