"""Fulfilment latency: from the OMS reporting a shipment to Amazon holding it.

Run: ``.venv/bin/python benchmarks/fulfilment_latency.py [--shipments 60] [--rate 1.5]
[--modes embedded,distributed] [--postgres-url postgresql+psycopg://…]``

For each mode, the Amazon simulator runs in its own process at Amazon's published usage
plans (confirmShipment: 2 per second, burst 10), with N unshipped merchant-fulfilled orders
already imported. The benchmark plays the OMS: it reports one shipment per order through
orderbridge's REST API at ``--rate`` per second, and watches the simulator until each
package is there. The latency of a shipment is from just before its POST to the first
time the simulator shows its package (watched every 20 ms).

- embedded: SQLite, the API and the in-process runner in one server (``orderbridge run``);
- distributed: PostgreSQL, the API in one process and two ``orderbridge worker`` processes.

Prints p50, p95 and max per mode. Goal: p95 ≤ 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from harness import SimulatorProcess, amazon_simulator, fresh_database
from orderbridge.bootstrap import build_context
from orderbridge.config import Settings
from orderbridge.sandbox.serving import serve_in_background
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.importing import import_orders
from orderbridge.services.tokens import create_token
from orderbridge.web.app import create_app

MARKETPLACE = "A1PA6795UKMFR9"
SELLER_ID = "A2SANDBOXSELLER"
WORKERS = 2


@dataclass
class Figures:
    mode: str
    latencies: list[float]
    seconds: float

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _orders_at_amazon(sim: SimulatorProcess, count: int) -> list[str]:
    order = {
        "salesChannel": {"marketplaceId": MARKETPLACE},
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": [{"quantityOrdered": 1}],
    }
    async with httpx.AsyncClient(base_url=sim.url, timeout=30) as amazon:
        ids = []
        for _ in range(count):
            created = await amazon.post("/_sandbox/orders", json={"order": order})
            created.raise_for_status()
            ids.extend(created.json()["orderIds"])
        # Past Amazon's two-minute settle lag, so one import reads them all.
        await amazon.post("/_sandbox/clock", json={"advance_seconds": 300})
    return ids


def _settings(url: str, secret_key: str) -> Settings:
    return Settings(database_url=url, secret_key=secret_key, log_level="WARNING", tick_seconds=1.0)


async def _prepare(url: str, secret_key: str, sim: SimulatorProcess, count: int) -> str:
    """Create the connection, import the orders; returns an API token."""
    ctx = build_context(_settings(url, secret_key))
    try:
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
                    "marketplace_ids": [MARKETPLACE],
                    "base_url": sim.url,
                    "token_url": f"{sim.url}/auth/o2/token",
                    "seller_id": SELLER_ID,
                },
                auto_export=False,
                import_interval_seconds=3600,
            ),
        )
        summary = await import_orders(ctx, "amazon", trigger="manual", owner="benchmark")
        if summary.created != count:
            raise SystemExit(f"imported {summary.created} orders, expected {count}")
        return await create_token(ctx, "benchmark")
    finally:
        await ctx.aclose()


@contextmanager
def _workers(url: str, secret_key: str, folder: Path) -> Iterator[None]:
    env = {
        **os.environ,
        "ORDERBRIDGE_DATABASE_URL": url,
        "ORDERBRIDGE_SECRET_KEY": secret_key,
        "ORDERBRIDGE_LOG_LEVEL": "WARNING",
    }
    processes = []
    for index in range(WORKERS):
        log = (folder / f"worker-{index}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "orderbridge", "worker", "--concurrency", "4"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        time.sleep(3)  # let them connect and start listening
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


async def _report_and_watch(
    hub_url: str, token: str, sim: SimulatorProcess, rate: float
) -> tuple[list[float], float]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=hub_url, headers=headers, timeout=30) as api,
        httpx.AsyncClient(base_url=sim.url, timeout=30) as amazon,
    ):
        orders = (await api.get("/api/v1/orders", params={"limit": 500})).json()["items"]
        latencies: list[float] = []

        async def one(order: dict[str, str], number: int) -> None:
            started = time.perf_counter()
            response = await api.post(
                f"/api/v1/orders/{order['id']}/shipments",
                json={"carrier": "UPS", "tracking_number": f"1ZBENCH{number:011d}"},
            )
            response.raise_for_status()
            while True:
                seen = (await amazon.get(f"/_sandbox/orders/{order['external_id']}")).json()
                if seen["packages"]:
                    latencies.append(time.perf_counter() - started)
                    return
                await asyncio.sleep(0.02)

        began = time.perf_counter()
        tasks = []
        for number, order in enumerate(orders):
            tasks.append(asyncio.create_task(one(order, number)))
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=600)
        return latencies, time.perf_counter() - began


async def run(mode: str, count: int, rate: float, postgres_url: str | None) -> Figures:
    kind = "sqlite" if mode == "embedded" else "postgres"
    secret_key = Fernet.generate_key().decode()
    with (
        amazon_simulator(0, (MARKETPLACE,), speed=1) as sim,
        fresh_database(kind, postgres_url) as url,
        tempfile.TemporaryDirectory(prefix="ob-fulfil-") as folder,
        ExitStack() as stack,
    ):
        await _orders_at_amazon(sim, count)
        token = await _prepare(url, secret_key, sim, count)
        if mode == "distributed":
            stack.enter_context(_workers(url, secret_key, Path(folder)))
        app = create_app(build_context(_settings(url, secret_key)))
        hub_url = stack.enter_context(serve_in_background(app, lifespan="on"))
        latencies, seconds = await _report_and_watch(hub_url, token, sim, rate)
    return Figures(mode, latencies, seconds)


def report(figures: list[Figures], rate: float) -> None:
    print()
    print(f"{'':34}" + "".join(f"{f.mode:>14}" for f in figures))

    def row(label: str, values: list[str]) -> None:
        print(f"{label:34}" + "".join(f"{value:>14}" for value in values))

    row("shipments", [str(len(f.latencies)) for f in figures])
    row("reported per second", [f"{rate:g}" for f in figures])
    row("p50 latency, s", [f"{statistics.median(f.latencies):.3f}" for f in figures])
    row("p95 latency, s", [f"{f.quantile(0.95):.3f}" for f in figures])
    row("max latency, s", [f"{max(f.latencies):.3f}" for f in figures])
    row("p95 / goal (2 s)", [f"{f.quantile(0.95) / 2:.2f}" for f in figures])
    print()
    print("goal: p95 <= 2 s from the OMS's report to the package at Amazon")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=60)
    parser.add_argument(
        "--rate", type=float, default=1.5, help="shipments reported per second (Amazon: 2/s)"
    )
    parser.add_argument("--modes", default="embedded,distributed")
    parser.add_argument("--postgres-url", default=os.environ.get("ORDERBRIDGE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    figures = []
    for mode in args.modes.split(","):
        print(f"{mode}: {args.shipments} shipments at {args.rate:g}/s …", flush=True)
        figures.append(asyncio.run(run(mode.strip(), args.shipments, args.rate, args.postgres_url)))
    report(figures, args.rate)


if __name__ == "__main__":
    main()
