"""Screenshots of the web admin for the docs, taken in Debian's Chromium.

Run: ``.venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--orders 20]
[--wait 240] [--chromium /usr/bin/chromium]``

It starts what ``orderbridge demo`` starts — sandbox Amazon (two seller accounts),
Walmart, bol.com and eBay accounts and the sandbox OMS — on free ports, with orderbridge
and its embedded runner on a temporary SQLite database, and adds an admin user. Two
things are set up to fail on purpose, so the Errors and Scheduled exports tabs have
something to show: Walmart's orders go to an export target nobody answers at (the
exports retry), and one Amazon connection holds a revoked refresh token (its imports
fail). Buyers return a few shipped orders in the simulators.

Once every tab has data (or ``--wait`` seconds have passed) it signs in and saves a
full-page PNG per tab at 1366 px, and the Orders tab at 390 px (a phone). A tab the admin
does not have yet (404) is skipped with a note. Nothing is kept but the PNGs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import uvicorn
from cryptography.fernet import Fernet
from playwright.async_api import BrowserContext, Page, ViewportSize, async_playwright
from sqlalchemy import select

from orderbridge.bootstrap import build_context
from orderbridge.cli.demo import DEMO_OMS_SECRET
from orderbridge.cli.sandbox_accounts import SPEED, SandboxAccount, other_channels
from orderbridge.config import Settings
from orderbridge.observability import configure_logging
from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.importing import request_imports
from orderbridge.services.queries import list_connections, list_errors, list_orders
from orderbridge.services.queries import scheduled_exports as list_scheduled
from orderbridge.services.queries.returns import list_returns
from orderbridge.services.return_imports import request_return_imports
from orderbridge.services.status_sources.sources import create_source
from orderbridge.services.users import create_user
from orderbridge.store.migrate import upgrade
from orderbridge.store.tables import connections, order_lines, orders
from orderbridge.web.app import create_app

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
ADMIN = "admin"
PASSWORD = "screenshots only"  # noqa: S105 (a throw-away user on a throw-away database)
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
AMAZON = {
    "amazon-us": ("A2DEMOSELLERUS", ("ATVPDKIKX0DER",)),
    "amazon-eu": ("A2DEMOSELLEREU", ("A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH")),
}
FAILING_TARGET = "erp-staging"
REVOKED = "amazon-ca"


# --- the servers ----------------------------------------------------------------------------


def _bound() -> socket.socket:
    # Bound before the app exists, so a connection can be told its port without a race.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


def _port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


@contextmanager
def serving(
    app: Any, sock: socket.socket, *, lifespan: Literal["on", "off"] = "off"
) -> Iterator[str]:
    """Serve ``app`` on ``sock`` from a thread of its own until the block ends."""
    config = uvicorn.Config(
        app, log_level="error", lifespan=lifespan, access_log=False, date_header=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise SystemExit(f"a server on port {_port(sock)} did not start")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{_port(sock)}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@dataclass
class Sandbox:
    amazon: dict[str, tuple[str, AmazonSimulatorSettings]]  # connection → (url, settings)
    others: list[SandboxAccount]
    other_urls: dict[str, str]  # connection → simulator url
    oms: str
    nobody: str  # a port nothing listens on


@contextmanager
def sandbox(orders: int) -> Iterator[Sandbox]:
    with ExitStack() as stack:
        amazon = {}
        for seed, (name, (seller, marketplaces)) in enumerate(AMAZON.items(), start=1):
            # Ten times Amazon's published rates (the connection knows), as the other
            # sandbox accounts run, so the first import takes seconds, not minutes.
            settings = AmazonSimulatorSettings(
                seed=seed,
                seller_id=seller,
                marketplace_ids=marketplaces,
                initial_orders_per_marketplace=orders,
                speed_factor=SPEED,
            )
            url = stack.enter_context(serving(amazon_app(settings), _bound()))
            amazon[name] = (url, settings)
        sockets = [_bound() for _ in range(3)]
        ports = (_port(sockets[0]), _port(sockets[1]), _port(sockets[2]))
        others = other_channels(HOST, orders, ports=ports)
        other_urls = {
            account.name: stack.enter_context(serving(account.app, sock))
            for account, sock in zip(others, sockets, strict=True)
        }
        oms = stack.enter_context(serving(oms_app(DEMO_OMS_SECRET), _bound()))
        closed = _bound()
        nobody = f"http://{HOST}:{_port(closed)}"
        closed.close()
        yield Sandbox(amazon, others, other_urls, oms, nobody)


# --- the data -------------------------------------------------------------------------------


async def seed(ctx: ServiceContext, box: Sandbox) -> None:
    """What ``orderbridge demo`` seeds, plus a target that fails and a revoked token."""
    await create_export_target(
        ctx,
        name="sandbox-oms",
        kind="webhook",
        settings={"url": f"{box.oms}/webhooks/orders"},
        secret=DEMO_OMS_SECRET,
    )
    await create_export_target(
        ctx,
        name=FAILING_TARGET,
        kind="webhook",
        settings={"url": f"{box.nobody}/orders"},
        secret="nobody-checks-this",  # noqa: S106 (no server, nothing to sign for)
    )
    for name, (url, sim) in box.amazon.items():
        await create_connection(ctx, _amazon_spec(name, url, sim, sim.refresh_token))
    url, sim = box.amazon["amazon-us"]
    spec = _amazon_spec(REVOKED, url, sim, "Atzr|revoked-refresh-token")
    await create_connection(ctx, spec)
    for account in box.others:
        await create_connection(
            ctx,
            ConnectionSpec(
                name=account.name,
                channel=account.channel,
                credentials=account.credentials,
                options=account.options,
                import_interval_seconds=60,
                export_target=FAILING_TARGET if account.channel == "walmart" else "sandbox-oms",
            ),
        )
    await create_source(
        ctx,
        name="sandbox-oms-status",
        kind="poll",
        settings={"url": f"{box.oms}/status-updates"},
        interval_seconds=15,
    )
    await create_user(ctx, ADMIN, PASSWORD, "admin")


def _amazon_spec(
    name: str, url: str, sim: AmazonSimulatorSettings, refresh_token: str
) -> ConnectionSpec:
    return ConnectionSpec(
        name=name,
        channel="amazon",
        credentials={
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": refresh_token,
        },
        options={
            "marketplace_ids": list(sim.marketplace_ids),
            "base_url": url,
            "token_url": f"{url}/auth/o2/token",
            "seller_id": sim.seller_id,
            "rate_limit_scale": SPEED,
        },
        import_interval_seconds=60,
        export_target="sandbox-oms",
    )


async def buyers_return(ctx: ServiceContext, box: Sandbox, per_channel: int = 2) -> int:
    """Buyers send back a few shipped orders, through each simulator's control API."""
    urls = {name: url for name, (url, _sim) in box.amazon.items()} | box.other_urls
    made = 0
    async with httpx.AsyncClient(timeout=30) as client:
        for name, url in urls.items():
            done = 0
            for external_id, line_id in await _shipped(ctx, name, per_channel * 4):
                if done == per_channel:
                    break
                body = _return_body(name, external_id, line_id)
                answer = await client.post(f"{url}/_sandbox/returns", json=body)
                if answer.status_code in (200, 201):
                    done += 1
            made += done
    return made


def _return_body(connection: str, external_id: str, line_id: str) -> dict[str, Any]:
    if connection.startswith("walmart"):
        return {"purchaseOrderId": external_id, "lines": [{"lineNumber": line_id}]}
    if connection.startswith("bol"):
        return {"orderItemId": line_id}
    # Amazon and eBay take the order and return its first shipped line.
    return {"orderId": external_id}


async def _shipped(ctx: ServiceContext, connection: str, limit: int) -> list[tuple[str, str]]:
    async with ctx.db.read() as conn:
        rows = await conn.execute(
            select(orders.c.external_id, order_lines.c.external_line_id)
            .join(connections, connections.c.id == orders.c.connection_id)
            .join(order_lines, order_lines.c.order_id == orders.c.id)
            .where(
                connections.c.name == connection,
                orders.c.status.in_(("shipped", "complete")),
                order_lines.c.quantity_shipped > 0,
            )
            .order_by(orders.c.purchased_at.desc())
            .limit(limit)
        )
        return [(row.external_id, row.external_line_id) for row in rows]


async def _has(probe: Callable[[], Awaitable[Any]]) -> bool:
    return bool((await probe()).items)


async def wait_for_data(ctx: ServiceContext, box: Sandbox, within: float) -> None:
    """Until every tab has something to show, or ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    healthy = {name for name in AMAZON} | set(box.other_urls)

    async def imported() -> bool:
        done = {c.name for c in await list_connections(ctx) if c.last_success_at is not None}
        return healthy <= done

    async def returned() -> bool:
        return await _has(lambda: list_returns(ctx, limit=1))

    async def scheduled() -> bool:
        return await _has(lambda: list_scheduled(ctx, limit=1))

    async def errors() -> bool:
        # Both kinds made to fail: an export and an import.
        found = (await list_errors(ctx, limit=100)).items
        return {"export", "import"} <= {entry.operation.split("_")[0] for entry in found}

    waits: dict[str, Callable[[], Awaitable[bool]]] = {
        "orders imported from every healthy connection": imported,
        "scheduled exports": scheduled,
        "errors": errors,
    }
    returns_asked = False
    pending = dict(waits)
    while pending and time.monotonic() < deadline:
        for what, probe in list(pending.items()):
            if await probe():
                print(f"  ready: {what}", flush=True)
                del pending[what]
        if not returns_asked and "orders imported from every healthy connection" not in pending:
            made = await buyers_return(ctx, box)
            print(f"  buyers returned {made} orders in the simulators", flush=True)
            await request_return_imports(ctx, None)
            pending["returns"] = returned
            returns_asked = True
        elif returns_asked and "returns" in pending:
            # The returns feeds read closed windows; ask again until the returns are in.
            await request_return_imports(ctx, None)
        await asyncio.sleep(2)
    for what in pending:
        print(f"  note: no {what} after {within:.0f} s; the screenshots show what there is")


# --- the screenshots ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    file: str
    path: str | Callable[[Page], Awaitable[str | None]]  # a path, or found on a page
    what: str


async def _first_link(page: Page, source: str, pattern: str) -> str | None:
    """The first link on ``source`` whose path matches ``pattern`` (e.g. an order's page)."""
    answer = await page.goto(source)
    if answer is None or answer.status != 200:
        return None
    for href in await page.locator("main a[href]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    ):
        if href and re.fullmatch(pattern, href):
            return str(href)
    return None


async def _order_detail(page: Page) -> str | None:
    return await _first_link(page, "/orders", r"/orders/\d+")


async def _error_detail(page: Page) -> str | None:
    return await _first_link(page, "/errors", r"/errors/\d+")


SHOTS = (
    Shot("orders.png", "/orders", "Orders"),
    Shot("orders-connection.png", "/orders?connection=amazon-eu", "Orders of one connection"),
    Shot("order-detail.png", _order_detail, "an order's detail"),
    Shot("returns.png", "/returns", "Returns"),
    Shot("scheduled-exports.png", "/scheduled", "Scheduled exports"),
    Shot("errors.png", "/errors", "Errors"),
    Shot("error-detail.png", _error_detail, "an error's detail"),
    Shot("connections.png", "/connections", "Connections"),
)
PHONE_SHOTS = (Shot("orders-phone.png", "/orders", "Orders on a phone"),)


async def _sign_in(context: BrowserContext) -> None:
    page = await context.new_page()
    await page.goto("/sign-in")
    await page.get_by_label("Username").fill(ADMIN)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/orders")
    await page.close()


async def _take(context: BrowserContext, shots: tuple[Shot, ...], out: Path) -> list[str]:
    taken = []
    page = await context.new_page()
    for shot in shots:
        path = shot.path if isinstance(shot.path, str) else await shot.path(page)
        if path is None:
            print(f"  skipped {shot.file}: no page links to {shot.what} yet")
            continue
        answer = await page.goto(path)
        status = answer.status if answer is not None else 0
        if status == 404:
            print(f"  skipped {shot.file}: {path} does not exist yet (404)")
            continue
        if status != 200:
            print(f"  skipped {shot.file}: {path} answered {status}")
            continue
        await page.screenshot(path=str(out / shot.file), full_page=True)
        taken.append(shot.file)
        print(f"  {shot.file}: {shot.what} ({path})", flush=True)
    await page.close()
    return taken


async def screenshots(hub: str, out: Path, chromium: str) -> list[str]:
    async with async_playwright() as playwright:
        # No sandbox: CI runs as root, where Chromium's own sandbox refuses to start.
        browser = await playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            desktop = await browser.new_context(base_url=hub, viewport=DESKTOP)
            await _sign_in(desktop)
            taken = await _take(desktop, SHOTS, out)
            phone = await browser.new_context(
                base_url=hub,
                viewport=PHONE,
                # One image pixel per CSS pixel: the PNG is 390 px wide, like the viewport.
                device_scale_factor=1,
                is_mobile=True,
                has_touch=True,
                storage_state=await desktop.storage_state(),
            )
            taken += await _take(phone, PHONE_SHOTS, out)
        finally:
            await browser.close()
    return taken


# --- running --------------------------------------------------------------------------------


def chromium_path(given: str | None) -> str:
    found = (
        given
        or os.environ.get("ORDERBRIDGE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found or not os.path.exists(found):
        raise SystemExit(
            "no Chromium found: install Debian's chromium (apt-get install chromium) "
            "or pass --chromium PATH"
        )
    return found


async def run(args: argparse.Namespace, chromium: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="ob-screenshots-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'orderbridge.db'}"
        # Alembic runs its own event loop; from inside this one it needs a thread.
        await asyncio.to_thread(upgrade, url)
        settings = Settings(
            database_url=url,
            secret_key=Fernet.generate_key().decode(),
            log_level="ERROR",
            log_json=False,
        )
        with sandbox(args.orders) as box:
            ctx = build_context(settings)
            try:
                await seed(ctx, box)
                hub_app = create_app(build_context(settings), run_embedded_runner=True)
                with serving(hub_app, _bound(), lifespan="on") as hub:
                    print(f"orderbridge at {hub} (user {ADMIN!r}); waiting for data …", flush=True)
                    await request_imports(ctx, None)
                    await wait_for_data(ctx, box, args.wait)
                    if not (await list_orders(ctx, limit=1)).items:
                        print("  note: no orders at all; the Orders screenshots will be empty")
                    return await screenshots(hub, args.out, chromium)
            finally:
                await ctx.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--orders", type=int, default=20, help="generated orders per account")
    parser.add_argument("--wait", type=float, default=240, help="seconds to wait for data")
    parser.add_argument("--chromium", help="Chromium's path (default: chromium on the PATH)")
    args = parser.parse_args()
    chromium = chromium_path(args.chromium)
    args.out.mkdir(parents=True, exist_ok=True)
    configure_logging("ERROR", json=False)
    taken = asyncio.run(run(args, chromium))
    print(f"{len(taken)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
