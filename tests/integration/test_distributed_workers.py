"""Distributed mode: several `orderbridge worker` processes on PostgreSQL, one killed mid-run.

What a merchant relies on: every order reaches the OMS exactly once, no order is sent by
two workers at the same time, and a worker that dies (SIGKILL, no clean-up) loses nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from orderbridge.domain.states import FULFILLABLE
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
from orderbridge.store.tables import order_events, orders, outbox
from tests.support.servers import serving

pytestmark = pytest.mark.slow

ORDERS_PER_MARKETPLACE = 300
MARKETPLACES = ("ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH")
TOTAL = ORDERS_PER_MARKETPLACE * len(MARKETPLACES)
OMS_SECRET = "distributed-test-secret"


def _start_worker(database_url: str, secret_key: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ORDERBRIDGE_DATABASE_URL": database_url,
        "ORDERBRIDGE_SECRET_KEY": secret_key,
        "ORDERBRIDGE_LEASE_SECONDS": "5",
        "ORDERBRIDGE_RETRY_BASE_SECONDS": "0.2",
        "ORDERBRIDGE_LOG_LEVEL": "WARNING",
    }
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "orderbridge", "worker", "--concurrency", "4"],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


async def _exportable(ctx: ServiceContext) -> int:
    """Orders the OMS must receive: every imported order it can act on (not pending, not
    canceled before export)."""
    async with ctx.db.read() as conn:
        query = (
            select(func.count())
            .select_from(orders)
            .where(orders.c.status.in_([status.value for status in FULFILLABLE]))
        )
        return int((await conn.execute(query)).scalar_one())


async def _exported(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        query = select(func.count()).select_from(orders).where(orders.c.export_status == "exported")
        return int((await conn.execute(query)).scalar_one())


async def test_two_workers_export_every_order_exactly_once_despite_a_kill(
    ctx: ServiceContext, database_url: str, secret_key: str, tmp_path: Path
) -> None:
    if not ctx.db.is_postgres:
        pytest.skip("distributed mode runs on PostgreSQL only; the SQLite variant does not apply")
    simulator = amazon_app(
        AmazonSimulatorSettings(
            seed=7,
            speed_factor=None,
            marketplace_ids=MARKETPLACES,
            initial_orders_per_marketplace=ORDERS_PER_MARKETPLACE,
        )
    )
    # A little latency per delivery keeps deliveries in flight when the kill lands.
    oms = oms_app(OMS_SECRET, latency_seconds=0.02)
    with serving(simulator) as amazon_url, serving(oms) as oms_url:
        sim = simulator.state.simulator.settings  # type: ignore[attr-defined]
        await create_export_target(
            ctx,
            name="oms",
            kind="webhook",
            settings={"url": f"{oms_url}/webhooks/orders"},
            secret=OMS_SECRET,
        )
        await create_connection(
            ctx,
            ConnectionSpec(
                name="amazon",
                channel="amazon",
                credentials={
                    "client_id": sim.client_id,
                    "client_secret": sim.client_secret,
                    "refresh_token": sim.refresh_token,
                },
                options={
                    "marketplace_ids": list(MARKETPLACES),
                    "base_url": amazon_url,
                    "token_url": f"{amazon_url}/auth/o2/token",
                },
                export_target="oms",
                import_enabled=False,  # the test decides when the first poll happens
            ),
        )
        workers = [
            _start_worker(database_url, secret_key, tmp_path / f"worker-{n}.log") for n in range(2)
        ]
        try:
            from orderbridge.services.connections import update_connection

            await update_connection(ctx, "amazon", {"import_enabled": True})
            await request_imports(ctx, ["amazon"])
            deadline = time.monotonic() + 120
            while await _exported(ctx) < TOTAL // 5:
                assert time.monotonic() < deadline, "exports did not start: see worker logs"
                assert all(w.poll() is None for w in workers), _logs(tmp_path)
                await asyncio.sleep(0.2)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
            workers.append(_start_worker(database_url, secret_key, tmp_path / "worker-2.log"))
            while await _count_orders(ctx) < TOTAL or await _exported(ctx) < await _exportable(ctx):
                assert time.monotonic() < deadline, (
                    f"only {await _exported(ctx)} of {await _exportable(ctx)} exported\n"
                    f"{_logs(tmp_path)}"
                )
                await asyncio.sleep(0.3)
            expected = await _exportable(ctx)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
        async with httpx.AsyncClient() as client:
            received = (await client.get(f"{oms_url}/orders")).json()
            stats = (await client.get(f"{oms_url}/_sandbox/stats")).json()

    assert TOTAL * 0.7 < expected <= TOTAL  # most generated orders are shippable
    keys = [entry["idempotency_key"] for entry in received["orders"]]
    assert len(keys) == expected and len(set(keys)) == expected
    assert stats["received"] == expected
    external_ids = {entry["document"]["external_order_id"] for entry in received["orders"]}
    assert len(external_ids) == expected
    statuses = {entry["document"]["order_status"] for entry in received["orders"]}
    assert not statuses & {"pending", "canceled"}

    async with ctx.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(orders))).scalar_one() == TOTAL
        # Order exports only: the returns the simulator holds are imported and exported on
        # their own schedule, which this test does not wait for.
        left = (
            await conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.status != "done", outbox.c.kind == "export_order")
            )
        ).scalar_one()
        assert left == 0
        succeeded = (
            await conn.execute(
                select(order_events.c.order_id, func.count())
                .where(order_events.c.kind == "export_succeeded")
                .group_by(order_events.c.order_id)
            )
        ).all()
    assert len(succeeded) == expected and all(count == 1 for _, count in succeeded)
    # Seen from the OMS: no order was ever being delivered twice at the same moment.
    assert stats["overlapping"] == 0


async def _count_orders(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(orders))).scalar_one())


def _logs(folder: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
        for log in sorted(folder.glob("worker-*.log"))
    )
