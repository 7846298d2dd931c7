"""``orderbridge demo`` (what ``make run`` starts): sandbox channels, sandbox OMS, seeded hub.

Two Amazon seller accounts, a Walmart, a bol.com and an eBay account are simulated on
their own ports (each with its own rate limits), the sandbox OMS receives the exports, and
orderbridge serves on 127.0.0.1:8080. Seeding is idempotent: a restart reuses the
connections and only mints a new demo API token.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import TYPE_CHECKING, Annotated

import typer

from orderbridge.cli.common import console
from orderbridge.cli.sandbox_accounts import SandboxAccount, other_channels
from orderbridge.cli.serve import context_or_exit
from orderbridge.cli.servers import Served, serve_all, server_for, wait_started
from orderbridge.config import get_settings
from orderbridge.observability import configure_logging
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon import AmazonSimulatorSettings

DEMO_OMS_SECRET = "demo-webhook-secret"  # noqa: S105 (a sandbox value, not a credential)
HOST = "127.0.0.1"


def demo(
    port: Annotated[int, typer.Option(help="orderbridge's port")] = 8080,
    orders: Annotated[int, typer.Option(help="Generated orders per marketplace")] = 40,
) -> None:
    """Start the demo: sandbox Amazon, Walmart, bol.com and eBay accounts, a sandbox OMS,
    and orderbridge."""
    from orderbridge.bootstrap import build_context
    from orderbridge.sandbox.amazon import AmazonSimulatorSettings as Simulated
    from orderbridge.sandbox.amazon import create_app as amazon_app
    from orderbridge.sandbox.oms import create_app as oms_app
    from orderbridge.web.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    accounts = {
        "amazon-us": (
            8101,
            Simulated(
                seed=1,
                seller_id="A2DEMOSELLERUS",
                marketplace_ids=("ATVPDKIKX0DER",),
                initial_orders_per_marketplace=orders,
            ),
        ),
        "amazon-eu": (
            8102,
            Simulated(
                seed=2,
                seller_id="A2DEMOSELLEREU",
                marketplace_ids=("A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH"),
                initial_orders_per_marketplace=orders,
            ),
        ),
    }
    sandboxes = [
        Served(f"Amazon simulator ({name})", amazon_app(sim), HOST, sim_port)
        for name, (sim_port, sim) in accounts.items()
    ]
    others = other_channels(HOST, orders)
    sandboxes += [Served(account.title, account.app, HOST, account.port) for account in others]
    sandboxes.append(Served("sandbox OMS", oms_app(DEMO_OMS_SECRET), HOST, 8201))

    ctx_first = context_or_exit()

    async def main() -> None:
        ctx = ctx_first
        sandbox_servers = [server_for(served) for served in sandboxes]
        tasks = asyncio.gather(*(server.serve() for server in sandbox_servers))
        await wait_started(sandbox_servers)
        token = await _seed(ctx, accounts, others)
        password = await _demo_user(ctx)
        await ctx.aclose()
        hub = Served("orderbridge", create_app(build_context(settings)), HOST, port)
        console.rule("orderbridge demo")
        console.print(f"orderbridge:   {hub.url}  (API docs {hub.url}/docs)")
        for served in sandboxes:
            console.print(f"{served.name}: {served.url}")
        console.print(f"demo API token: [bold]{token}[/bold]")
        console.print(
            f"web admin: {hub.url}/  sign in as [bold]{DEMO_USER}[/bold] with the password "
            f"[bold]{password}[/bold] (new on every start)",
            soft_wrap=True,
        )
        console.print(f'try: curl -H "Authorization: Bearer {token}" {hub.url}/api/v1/orders')
        try:
            await serve_all([server_for(hub)])
        finally:
            for server in sandbox_servers:
                server.should_exit = True
            await tasks

    asyncio.run(main())


DEMO_USER = "demo"


async def _demo_user(ctx: ServiceContext) -> str:
    """An admin for the web admin, with a fresh random password on every start (like the
    demo API token, never a fixed one that a demo left running would give away)."""
    from orderbridge.services.users import create_user, update_user

    password = secrets.token_urlsafe(12)
    try:
        await create_user(ctx, DEMO_USER, password, "admin")
    except Conflict:
        await update_user(ctx, DEMO_USER, password=password)
    return password


async def _seed(
    ctx: ServiceContext,
    accounts: dict[str, tuple[int, AmazonSimulatorSettings]],
    others: list[SandboxAccount],
) -> str:
    from orderbridge.services.connections import (
        ConnectionSpec,
        create_connection,
        create_export_target,
    )
    from orderbridge.services.status_sources.sources import create_source
    from orderbridge.services.tokens import create_token

    with contextlib.suppress(Conflict):
        await create_export_target(
            ctx,
            name="sandbox-oms",
            kind="webhook",
            settings={"url": "http://127.0.0.1:8201/webhooks/orders"},
            secret=DEMO_OMS_SECRET,
        )
    for name, (port, sim) in accounts.items():
        base = f"http://{HOST}:{port}"
        spec = ConnectionSpec(
            name=name,
            channel="amazon",
            credentials={
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "refresh_token": sim.refresh_token,
            },
            options={
                "marketplace_ids": list(sim.marketplace_ids),
                "base_url": base,
                "token_url": f"{base}/auth/o2/token",
                # Feeds (cancellations, refunds) are signed with the seller's merchant token.
                "seller_id": sim.seller_id,
            },
            import_interval_seconds=60,
            export_target="sandbox-oms",
        )
        with contextlib.suppress(Conflict):
            await create_connection(ctx, spec)
    for account in others:
        with contextlib.suppress(Conflict):
            await create_connection(
                ctx,
                ConnectionSpec(
                    name=account.name,
                    channel=account.channel,
                    credentials=account.credentials,
                    options=account.options,
                    import_interval_seconds=60,
                    export_target="sandbox-oms",
                ),
            )
    with contextlib.suppress(Conflict):
        # Shipments, cancellations and refunds posted to the sandbox OMS's status feed
        # (POST http://127.0.0.1:8201/status-updates) come back through polling.
        await create_source(
            ctx,
            name="sandbox-oms-status",
            kind="poll",
            settings={"url": "http://127.0.0.1:8201/status-updates"},
            interval_seconds=15,
        )
    return await create_token(ctx, "demo")
