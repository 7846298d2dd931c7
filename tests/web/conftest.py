"""Fixtures of the admin page tests: the real app on a real socket, with signed-in users.

Pages are plain HTML forms, so most tests drive them with httpx as a browser would (the
cookie, the CSRF token in the form); tests/browser/ drives them in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from orderbridge.services.context import ServiceContext
from orderbridge.services.users import create_user
from orderbridge.web.app import create_app
from tests.support.servers import serving

PASSWORD = "correct horse battery"


@dataclass
class Admin:
    """The admin site at ``url``, and a way to sign in as each role."""

    url: str
    ctx: ServiceContext

    @asynccontextmanager
    async def client(self, username: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """A browser-like client, signed in as ``username`` when one is given."""
        async with httpx.AsyncClient(
            base_url=self.url, follow_redirects=False, timeout=30
        ) as client:
            if username is not None:
                answer = await client.post(
                    "/sign-in",
                    data={"username": username, "password": PASSWORD, "next": "/orders"},
                )
                assert answer.status_code == 303, answer.text
            yield client


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
async def admin(ctx: ServiceContext) -> AsyncIterator[Admin]:
    for username, role in (("ada", "admin"), ("otto", "operator"), ("vera", "viewer")):
        await create_user(ctx, username, PASSWORD, role)
    with serving(create_app(ctx, run_embedded_runner=False)) as url:
        yield Admin(url, ctx)
