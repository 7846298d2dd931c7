"""Every route but /health needs a live token; tokens are stored as hashes only."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.tokens import (
    TOKEN_PREFIX,
    create_token,
    list_tokens,
    revoke_token,
    token_digest,
    verify_token,
)
from orderbridge.store.tables import api_tokens

ROUTES = [
    ("GET", "/api/v1/connections"),
    ("POST", "/api/v1/connections"),
    ("GET", "/api/v1/connections/de"),
    ("PATCH", "/api/v1/connections/de"),
    ("POST", "/api/v1/connections/de/enable"),
    ("POST", "/api/v1/connections/de/disable"),
    ("POST", "/api/v1/connections/de/test"),
    ("GET", "/api/v1/export-targets"),
    ("POST", "/api/v1/export-targets"),
    ("GET", "/api/v1/imports"),
    ("POST", "/api/v1/imports"),
    ("GET", "/api/v1/orders"),
    ("GET", "/api/v1/orders/1"),
    ("POST", "/api/v1/exports"),
    ("GET", "/api/v1/scheduled-exports"),
    ("GET", "/api/v1/errors"),
    ("GET", "/api/v1/errors/1"),
    ("POST", "/api/v1/errors/1/resolve"),
    ("GET", "/metrics"),
]


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert error["message"]
    assert set(error) == {"code", "message", "field", "details"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_no_token_is_refused(anonymous: httpx.AsyncClient, method: str, path: str) -> None:
    assert_unauthorized(await anonymous.request(method, path, json={}))


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_wrong_token_is_refused(anonymous: httpx.AsyncClient, method: str, path: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN_PREFIX}not-a-real-token"}
    assert_unauthorized(await anonymous.request(method, path, json={}, headers=headers))


async def test_other_schemes_are_refused(anonymous: httpx.AsyncClient, token: str) -> None:
    response = await anonymous.get("/api/v1/orders", headers={"Authorization": f"Basic {token}"})
    assert_unauthorized(response)


async def test_health_needs_no_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_revoked_token_is_refused(
    ctx: ServiceContext, client: httpx.AsyncClient, token: str
) -> None:
    assert (await client.get("/api/v1/orders")).status_code == 200
    (info,) = await list_tokens(ctx)
    await revoke_token(ctx, info.id)
    assert_unauthorized(await client.get("/api/v1/orders"))
    assert not await verify_token(ctx, token)


async def test_only_the_hash_and_a_prefix_are_stored(ctx: ServiceContext) -> None:
    token = await create_token(ctx, "ci")
    assert token.startswith(TOKEN_PREFIX)
    assert len(token) > 40
    async with ctx.db.read() as conn:
        row = (await conn.execute(select(api_tokens))).mappings().one()
    assert row["token_hash"] == token_digest(token)
    assert token not in str(dict(row))
    assert row["prefix"] == token[:12]
    assert await verify_token(ctx, token)
    assert not await verify_token(ctx, token + "x")
    assert not await verify_token(ctx, "")


async def test_last_used_is_written_at_most_once_a_minute(ctx: ServiceContext) -> None:
    start = ctx.clock()
    now = [start]
    ctx.clock = lambda: now[0]
    token = await create_token(ctx, "ci")

    async def last_used_after(seconds: int) -> object:
        now[0] = start + timedelta(seconds=seconds)
        assert await verify_token(ctx, token)
        (info,) = await list_tokens(ctx)
        return info.last_used_at

    assert await last_used_after(0) == start
    assert await last_used_after(30) == start  # within the minute: not written again
    assert await last_used_after(61) == start + timedelta(seconds=61)


async def test_a_token_needs_a_name(ctx: ServiceContext) -> None:
    with pytest.raises(InvalidInput) as refused:
        await create_token(ctx, "  ")
    assert refused.value.field == "name"
