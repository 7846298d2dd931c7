"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against a running
orderbridge (API, admin pages and in-process runner) with an Amazon simulator and the
sandbox OMS behind it, on SQLite and PostgreSQL.

Playwright cannot download browsers here, so the tests use the Chromium found on the
machine (``ORDERBRIDGE_CHROMIUM``, else ``chromium`` on the PATH). Without one they are
skipped with that reason, unless ``ORDERBRIDGE_REQUIRE_BROWSER=1`` (set by ``.ci/run``,
which installs Chromium) makes a missing browser a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import update

from orderbridge.bootstrap import build_context
from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.users import create_user
from orderbridge.store.tables import import_feeds
from orderbridge.web.app import create_app
from tests.support.servers import serving

PASSWORD = "correct horse battery"
SECRET = "browser-webhook-secret"
MARKETPLACES = ("A1PA6795UKMFR9", "A1F83G8C2ARO7P")
# Retries and ticks in tenths of a second, so a test waits for seconds, not minutes.
FAST = {"retry_base_seconds": 0.05, "retry_max_seconds": 0.2, "tick_seconds": 0.2}


def chromium_path() -> str | None:
    configured = os.environ.get("ORDERBRIDGE_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        reason = (
            "no Chromium found (install Debian's chromium, or set ORDERBRIDGE_CHROMIUM to "
            "its path): the browser tests need a real browser"
        )
        if os.environ.get("ORDERBRIDGE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason=reason)
    return path


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Hub:
    """A running orderbridge with two connections to one Amazon simulator and a webhook
    target to the sandbox OMS; users ada (admin), otto (operator), vera (viewer)."""

    url: str
    ctx: ServiceContext
    amazon: httpx.AsyncClient
    oms: httpx.AsyncClient
    browser: Browser

    async def signed_in(self, username: str) -> Page:
        """A new browser page (own cookies) signed in as ``username``, on the orders tab."""
        context = await self.browser.new_context(base_url=self.url)
        page = await context.new_page()
        await page.goto("/sign-in")
        await page.get_by_label("Username").fill(username)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/orders")
        return page


@pytest.fixture
def simulators() -> Iterator[dict[str, Any]]:
    settings = AmazonSimulatorSettings(
        seed=21,
        speed_factor=10_000.0,
        marketplace_ids=MARKETPLACES,
        initial_orders_per_marketplace=12,
    )
    with serving(amazon_app(settings)) as amazon, serving(oms_app(SECRET)) as oms:
        yield {"amazon": amazon, "oms": oms, "settings": settings}


@pytest.fixture
async def hub(
    ctx: ServiceContext, simulators: dict[str, Any], browser: Browser
) -> AsyncIterator[Hub]:
    sim: AmazonSimulatorSettings = simulators["settings"]
    for username, role in (("ada", "admin"), ("otto", "operator"), ("vera", "viewer")):
        await create_user(ctx, username, PASSWORD, role)
    await create_export_target(
        ctx,
        name="oms",
        kind="webhook",
        settings={"url": f"{simulators['oms']}/webhooks/orders"},
        secret=SECRET,
    )
    for name, marketplace in (("amazon-de", MARKETPLACES[0]), ("amazon-uk", MARKETPLACES[1])):
        await create_connection(
            ctx,
            ConnectionSpec(
                name=name,
                channel="amazon",
                credentials={
                    "client_id": sim.client_id,
                    "client_secret": sim.client_secret,
                    "refresh_token": sim.refresh_token,
                },
                options={
                    "marketplace_ids": [marketplace],
                    "base_url": simulators["amazon"],
                    "token_url": f"{simulators['amazon']}/auth/o2/token",
                    "rate_limit_scale": 1000,
                },
                export_target="oms",
                auto_export=False,
                import_interval_seconds=3600,
            ),
        )
    async with ctx.db.write() as conn:
        # A new connection's first import is due at once; the tests press the buttons.
        await conn.execute(
            update(import_feeds).values(next_poll_at=ctx.clock() + timedelta(hours=1))
        )
    hub_ctx = build_context(ctx.settings.model_copy(update=FAST))
    with serving(create_app(hub_ctx, run_embedded_runner=True), lifespan="on") as url:
        async with (
            httpx.AsyncClient(base_url=simulators["amazon"], timeout=30) as amazon,
            httpx.AsyncClient(base_url=simulators["oms"], timeout=30) as oms,
        ):
            yield Hub(url, ctx, amazon, oms, browser)
