"""orderbridge as the end-to-end flow tests run it: its API and in-process runner on a real
socket, retries quickened, a webhook target to the sandbox OMS and one connection, all made
through the API as a user would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from orderbridge.bootstrap import build_context
from orderbridge.services.context import ServiceContext
from orderbridge.services.tokens import create_token
from orderbridge.web.app import create_app
from tests.support.servers import serving

# Retries and ticks in tenths of a second, so a test waits for seconds, not minutes.
FAST = {"retry_base_seconds": 0.05, "retry_max_seconds": 0.2, "tick_seconds": 0.2}


@asynccontextmanager
async def hub_api(
    ctx: ServiceContext, *, oms_url: str, oms_secret: str, connection: dict[str, Any]
) -> AsyncIterator[httpx.AsyncClient]:
    """The API client of a running orderbridge with the target ``oms`` and ``connection``."""
    token = await create_token(ctx, "flow")
    hub_ctx = build_context(ctx.settings.model_copy(update=FAST))
    with serving(create_app(hub_ctx, run_embedded_runner=True), lifespan="on") as url:
        async with httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as api:
            created = await api.post(
                "/api/v1/export-targets",
                json={
                    "name": "oms",
                    "kind": "webhook",
                    "settings": {"url": f"{oms_url}/webhooks/orders"},
                    "secret": oms_secret,
                },
            )
            assert created.status_code == 201, created.text
            created = await api.post("/api/v1/connections", json=connection)
            assert created.status_code == 201, created.text
            yield api
