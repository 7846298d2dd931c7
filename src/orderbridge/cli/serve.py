"""``orderbridge run``, ``worker``, ``db upgrade``, ``secret-key`` and ``sandbox``."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn
from cryptography.fernet import Fernet

from orderbridge.bootstrap import build_context
from orderbridge.cli.common import console, errors
from orderbridge.cli.sandbox_accounts import other_channels
from orderbridge.cli.servers import Served, serve_all, server_for
from orderbridge.config import get_settings
from orderbridge.observability import configure_logging
from orderbridge.secrets_box import SecretKeyMissing
from orderbridge.services.context import ServiceContext

db_app = typer.Typer(help="Database schema.")


def context_or_exit() -> ServiceContext:
    """The service context, or a clean start-up error (no traceback) when it cannot be built."""
    try:
        return build_context()
    except SecretKeyMissing as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def run(
    host: Annotated[str | None, typer.Option(help="Listen address")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port")] = None,
) -> None:
    """Serve the API (and, on SQLite, the embedded runner that imports and exports)."""
    from orderbridge.web.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_app(context_or_exit()),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
    )


def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once")] = 4,
) -> None:
    """A distributed worker (PostgreSQL): runs polls and exports through procrastinate."""
    from orderbridge.bootstrap import build_context
    from orderbridge.work.distributed import Distributed

    settings = get_settings()
    if not settings.is_postgres:
        errors.print(
            "[red]error:[/red] workers need PostgreSQL; set ORDERBRIDGE_DATABASE_URL to "
            "postgresql+psycopg://… (on SQLite `orderbridge run` does the work itself)"
        )
        raise typer.Exit(2)
    configure_logging(settings.log_level, json=settings.log_json)
    settings.runner_concurrency = concurrency
    distributed = Distributed(lambda: build_context(settings), settings.database_url)
    asyncio.run(distributed.run_worker(concurrency=concurrency))


@db_app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply migrations to the configured database."""
    from orderbridge.store.migrate import upgrade as apply

    settings = get_settings()
    apply(settings.database_url, revision)
    console.print(f"database at revision {revision}")


def secret_key() -> None:
    """Print a new key for ORDERBRIDGE_SECRET_KEY."""
    console.print(Fernet.generate_key().decode())


def sandbox(
    amazon_port: Annotated[int, typer.Option(help="Amazon SP-API simulator port")] = 8101,
    walmart_port: Annotated[int, typer.Option(help="Walmart simulator port")] = 8103,
    bol_port: Annotated[int, typer.Option(help="bol.com simulator port")] = 8104,
    ebay_port: Annotated[int, typer.Option(help="eBay simulator port")] = 8105,
    oms_port: Annotated[int, typer.Option(help="Sandbox OMS port")] = 8201,
    oms_secret: Annotated[str, typer.Option(help="Webhook secret the OMS checks")] = "sandbox",  # noqa: S107
    orders: Annotated[int, typer.Option(help="Generated orders per marketplace")] = 50,
    seed: Annotated[int, typer.Option(help="Generator seed")] = 1,
    speed: Annotated[float, typer.Option(help="Throttling speed factor; 0 = off")] = 1.0,
    host: Annotated[str, typer.Option(help="Listen address")] = "127.0.0.1",
) -> None:
    """Run the marketplace simulators and the sandbox OMS standalone."""
    from orderbridge.sandbox.amazon import AmazonSimulatorSettings
    from orderbridge.sandbox.amazon import create_app as amazon_app
    from orderbridge.sandbox.oms import create_app as oms_app

    amazon = Served(
        "Amazon SP-API simulator",
        amazon_app(
            AmazonSimulatorSettings(
                seed=seed, speed_factor=speed, initial_orders_per_marketplace=orders
            )
        ),
        host,
        amazon_port,
    )
    oms = Served("sandbox OMS", oms_app(oms_secret), host, oms_port)
    others = [
        Served(account.title, account.app, host, account.port)
        for account in other_channels(
            host, orders, ports=(walmart_port, bol_port, ebay_port), speed=speed
        )
    ]
    served_all = [amazon, *others, oms]
    for served in served_all:
        console.print(f"{served.name}: {served.url}")
    asyncio.run(serve_all([server_for(served) for served in served_all]))
