"""Import throughput: how fast orderbridge takes orders from Amazon into its store.

Run: ``.venv/bin/python benchmarks/import_throughput.py [--orders 100000]
[--databases sqlite,postgres] [--postgres-url postgresql+psycopg://…]``

For each database, N orders wait in the Amazon simulator (its own process, throttling off):

(a) end to end: one import run of a connection over real HTTP (token, searchOrders pages,
    mapping, storing, export scheduling); orders/s and marketplace calls per order;
(b) the hub's own cost: the same pages fetched (and JSON-decoded, as the HTTP client does)
    beforehand, then the same import path (mapping, the page transactions, events, export
    scheduling) fed from memory; orders/s, and its ratio to a raw bulk insert of the same
    order and line rows into a fresh database of the same kind in the same run;
(c) peak RSS of this process during (a), and during (b) with all pages held in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from cryptography.fernet import Fernet

from harness import RssSampler, SimulatorProcess, amazon_simulator, fresh_database, mib
from orderbridge.bootstrap import build_context
from orderbridge.config import Settings
from orderbridge.marketplaces.amazon.capabilities import amazon_capabilities
from orderbridge.marketplaces.amazon.connector import map_page
from orderbridge.marketplaces.base import (
    Capabilities,
    ConnectionConfig,
    Connector,
    OrderPage,
    ReadWindow,
)
from orderbridge.marketplaces.pool import ConnectorPool
from orderbridge.marketplaces.updates import MarketplaceUpdate, UpdateOutcome
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.importing import ImportSummary, import_orders
from orderbridge.store.order_rows import line_values, order_values
from orderbridge.store.tables import connections, order_lines, orders

MARKETPLACES = ("ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH")
RAW_BATCH = 1000


@dataclass
class Figures:
    database: str
    orders: int
    e2e_seconds: float
    e2e_calls: int
    hub_seconds: float
    raw_seconds: float
    e2e_peak_rss: int
    hub_peak_rss: int


def _context(url: str) -> ServiceContext:
    return build_context(
        Settings(database_url=url, secret_key=Fernet.generate_key().decode(), log_level="WARNING")
    )


async def _connection(ctx: ServiceContext, sim: SimulatorProcess) -> None:
    await create_export_target(
        ctx,
        name="oms",
        kind="webhook",
        settings={"url": "http://127.0.0.1:9/webhooks/orders"},
        secret="benchmark",
    )
    await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon",
            channel="amazon",
            credentials={
                "client_id": "amzn1.application-oa2-client.orderbridgesandbox",
                "client_secret": "amzn1.oa2-cs.v1.orderbridge-sandbox-secret",
                "refresh_token": "Atzr|orderbridge-sandbox-refresh-token",
            },
            options={
                "marketplace_ids": list(sim.marketplaces),
                "base_url": sim.url,
                "token_url": f"{sim.url}/auth/o2/token",
                # Throttling off on both sides: the figure is orderbridge's, not Amazon's plan.
                "rate_limit_scale": 1_000_000,
            },
            export_target="oms",
        ),
    )


async def _calls(sim: SimulatorProcess) -> int:
    async with httpx.AsyncClient() as client:
        stats = (await client.get(f"{sim.url}/_sandbox/stats")).json()
    return sum(sum(by_status.values()) for by_status in stats["calls"].values())


async def end_to_end(url: str, sim: SimulatorProcess) -> tuple[ImportSummary, float, int]:
    ctx = _context(url)
    try:
        await _connection(ctx, sim)
        before = await _calls(sim)
        started = time.perf_counter()
        summary = await import_orders(ctx, "amazon", trigger="manual", owner="benchmark")
        seconds = time.perf_counter() - started
        calls = await _calls(sim) - before
    finally:
        await ctx.aclose()
    if summary.status != "succeeded":
        raise SystemExit(f"end-to-end import failed: {summary.error}")
    return summary, seconds, calls


Page = list[dict[str, Any]]


async def fetch_pages(sim: SimulatorProcess) -> tuple[list[Page], datetime]:
    """Every searchOrders page of the simulator, decoded as the connector's client does."""
    from orderbridge.marketplaces.amazon.client import INCLUDED_DATA, ORDERS_PATH

    async with httpx.AsyncClient(base_url=sim.url, timeout=60) as client:
        token = (
            await client.post(
                "/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": "Atzr|orderbridge-sandbox-refresh-token",
                    "client_id": "amzn1.application-oa2-client.orderbridgesandbox",
                    "client_secret": "amzn1.oa2-cs.v1.orderbridge-sandbox-secret",
                },
            )
        ).json()["access_token"]
        params = {
            "lastUpdatedAfter": "2000-01-01T00:00:00Z",
            "marketplaceIds": ",".join(sim.marketplaces),
            "maxResultsPerPage": "100",
            "includedData": ",".join(INCLUDED_DATA),
        }
        pages: list[Page] = []
        page_params = params
        while True:
            response = await client.get(
                ORDERS_PATH, params=page_params, headers={"x-amz-access-token": token}
            )
            response.raise_for_status()
            body = response.json()
            pages.append(body["orders"])
            token_next = body.get("pagination", {}).get("nextToken")
            upper = body["lastUpdatedBefore"]
            if not token_next:
                break
            page_params = {**params, "paginationToken": token_next}
    now = datetime.fromisoformat(upper.replace("Z", "+00:00"))
    return pages, now + timedelta(minutes=2)


class ReplayConnector:
    """A connector whose pages were fetched already: the importer's own work is what is timed."""

    channel: ClassVar[str] = "amazon"

    def __init__(self, pages: list[Page], now: datetime) -> None:
        self.capabilities: Capabilities = amazon_capabilities()
        self._pages = pages
        self._now = now
        self._served = False

    async def marketplace_now(self) -> datetime:
        return self._now

    async def read_orders(self, window: ReadWindow) -> AsyncIterator[OrderPage]:
        if self._served:
            return
        self._served = True
        for page in self._pages:
            yield map_page(page)

    async def get_order(self, external_id: str) -> Any:
        raise LookupError(external_id)

    async def check(self) -> None:
        return None

    async def push_update(self, update: MarketplaceUpdate, *, retry: bool) -> UpdateOutcome:
        raise NotImplementedError("a replay connector only reads; it cannot deliver updates")

    async def check_update(self, update: MarketplaceUpdate, handle: str) -> UpdateOutcome:
        raise NotImplementedError("a replay connector only reads; it has no updates to check")

    async def aclose(self) -> None:
        return None


async def hub_cost(url: str, sim: SimulatorProcess, pages: list[Page], now: datetime) -> float:
    ctx = _context(url)
    replay = ReplayConnector(pages, now)

    def build(channel: str, config: ConnectionConfig) -> Connector:
        return replay

    ctx.build_connector = build
    ctx.connectors = ConnectorPool(build)
    try:
        await _connection(ctx, sim)
        started = time.perf_counter()
        summary = await import_orders(ctx, "amazon", trigger="manual", owner="benchmark")
        seconds = time.perf_counter() - started
    finally:
        await ctx.aclose()
    if summary.status != "succeeded":
        raise SystemExit(f"replayed import failed: {summary.error}")
    return seconds


async def raw_insert(url: str, pages: list[Page]) -> float:
    """The same order and line rows, written with plain bulk INSERTs and no logic at all."""
    snapshots = [snap for page in pages for snap in map_page(page).snapshots]
    ctx = _context(url)
    try:
        now = datetime.now().astimezone()
        async with ctx.db.write() as conn:
            connection_id = (
                await conn.execute(
                    connections.insert()
                    .values(
                        name="raw",
                        channel="amazon",
                        credentials_encrypted="-",
                        options={},
                        import_enabled=True,
                        import_interval_seconds=300,
                        overlap_seconds=600,
                        auto_export=False,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(connections.c.id)
                )
            ).scalar_one()
        order_rows = [
            {
                **order_values(snap),
                "id": index + 1,
                "connection_id": connection_id,
                "external_id": snap.external_id,
                "status": snap.status.value,
                "import_status": "complete",
                "export_status": "not_exported",
                "created_at": now,
                "updated_at": now,
            }
            for index, snap in enumerate(snapshots)
        ]
        line_rows = [
            [line_values(index + 1, line) for line in snap.lines]
            for index, snap in enumerate(snapshots)
        ]
        started = time.perf_counter()
        for start in range(0, len(order_rows), RAW_BATCH):
            async with ctx.db.write() as conn:
                await conn.execute(orders.insert(), order_rows[start : start + RAW_BATCH])
                batch_lines = [row for rows in line_rows[start : start + RAW_BATCH] for row in rows]
                await conn.execute(order_lines.insert(), batch_lines)
        return time.perf_counter() - started
    finally:
        await ctx.aclose()


async def run(kind: str, count: int, postgres_url: str | None) -> Figures:
    per_marketplace = count // len(MARKETPLACES)
    total = per_marketplace * len(MARKETPLACES)
    sampler = RssSampler()
    with amazon_simulator(per_marketplace, MARKETPLACES) as sim:
        with fresh_database(kind, postgres_url) as url, sampler.measuring():
            summary, e2e_seconds, calls = await end_to_end(url, sim)
        e2e_peak = sampler.peak
        assert summary.created == total, (summary.created, total)
        pages, now = await fetch_pages(sim)
        with fresh_database(kind, postgres_url) as url, sampler.measuring():
            hub_seconds = await hub_cost(url, sim, pages, now)
        hub_peak = sampler.peak
        with fresh_database(kind, postgres_url) as url:
            raw_seconds = await raw_insert(url, pages)
    return Figures(kind, total, e2e_seconds, calls, hub_seconds, raw_seconds, e2e_peak, hub_peak)


def report(figures: list[Figures]) -> None:
    print()
    print(f"{'':34}" + "".join(f"{f.database:>16}" for f in figures))

    def row(label: str, values: list[str]) -> None:
        print(f"{label:34}" + "".join(f"{value:>16}" for value in values))

    row("orders", [f"{f.orders:,}" for f in figures])
    row("(a) end to end, orders/s", [f"{f.orders / f.e2e_seconds:,.0f}" for f in figures])
    row("(a) marketplace calls", [f"{f.e2e_calls:,}" for f in figures])
    row("(a) calls per order", [f"{f.e2e_calls / f.orders:.4f}" for f in figures])
    row("(b) hub's own cost, orders/s", [f"{f.orders / f.hub_seconds:,.0f}" for f in figures])
    row("    raw bulk insert, orders/s", [f"{f.orders / f.raw_seconds:,.0f}" for f in figures])
    row("    ratio hub / raw", [f"{f.raw_seconds / f.hub_seconds:.2f}" for f in figures])
    row("(c) peak RSS during (a)", [mib(f.e2e_peak_rss) for f in figures])
    row("    peak RSS during (b), pages held", [mib(f.hub_peak_rss) for f in figures])
    print()
    print("targets: ratio hub/raw >= 0.5, calls per order <= 0.011")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("ORDERBRIDGE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    figures = []
    for kind in args.databases.split(","):
        print(f"{kind}: {args.orders:,} orders …", flush=True)
        figures.append(asyncio.run(run(kind.strip(), args.orders, args.postgres_url)))
    report(figures)


if __name__ == "__main__":
    main()
