"""Rendering admin pages: the Jinja2 environment, its filters, and personal data masking.

Templates get ``user`` (who is signed in), ``can`` (their permissions), ``csrf`` (for
forms) and ``notice`` (a confirmation carried in the query string after a POST).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from orderbridge.services.users import Permission, SessionUser

TEMPLATES = Path(__file__).parent / "templates"
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(moment: datetime | None) -> str:
    """``2026-11-26 09:30 UTC``; every time in the admin is UTC and says so."""
    if moment is None:
        return "never"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def masked(value: Any, user: SessionUser) -> str:
    """A buyer's personal data, or its first letter and stars for a viewer."""
    text = "" if value is None else str(value)
    if not text or user.can(Permission.PERSONAL_DATA):
        return text
    return text[0] + "•" * min(len(text) - 1, 8)


def status_label(value: str | None) -> str:
    return (value or "").replace("_", " ")


_ENV.filters["when"] = when
_ENV.filters["status_label"] = status_label


def render(
    request: Request,
    template: str,
    user: SessionUser | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    page = _ENV.get_template(template).render(
        request=request,
        user=user,
        can=(lambda permission: user is not None and user.can(Permission(permission))),
        csrf=user.csrf_token if user else "",
        notice=request.query_params.get("notice"),
        problem=request.query_params.get("problem"),
        mask=(lambda value: masked(value, user) if user else ""),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)


def back_to(path: str, **params: str | None) -> RedirectResponse:
    """After a POST: back to a page with a confirmation (``notice``) or a ``problem``."""
    query = urlencode({key: value for key, value in params.items() if value})
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=303)
