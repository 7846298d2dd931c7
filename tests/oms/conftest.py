"""Fixtures for export-target tests: a real sandbox OMS on a socket, and order documents."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn

from orderbridge.domain.money import Money
from orderbridge.domain.order import Address, Buyer, OrderLine, OrderSnapshot, StoredOrder
from orderbridge.domain.states import OrderStatus
from orderbridge.oms.document import order_document
from orderbridge.sandbox.oms import create_app

SANDBOX_SECRET = "sandbox-oms-secret"


@dataclass(frozen=True)
class RunningOms:
    base_url: str
    secret: str

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/webhooks/orders"


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[RunningOms]:
    """The sandbox OMS served by uvicorn in a thread, on a free port bound before start."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(SANDBOX_SECRET), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox OMS did not start")
        time.sleep(0.01)
    try:
        yield RunningOms(f"http://127.0.0.1:{port}", SANDBOX_SECRET)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def oms(sandbox_server: RunningOms) -> RunningOms:
    """The module's sandbox OMS, emptied before each test."""
    httpx.post(f"{sandbox_server.base_url}/_sandbox/reset").raise_for_status()
    return sandbox_server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _money(amount: str) -> Money:
    return Money.parse(amount, "EUR")


def build_order(
    *,
    external_id: str = "303-1234567-7654321",
    connection_name: str = "Amazon DE",
    titles: tuple[str, ...] = ("Tasse »Morgen«",),
    buyer_name: str = "Erika Mustermann",
) -> StoredOrder:
    lines = tuple(
        OrderLine(
            external_line_id=f"L{index}",
            sku=f"SKU-{index}",
            title=title,
            quantity_ordered=index,
            quantity_shipped=0,
            item_price=_money("19.99"),
            item_tax=_money("3.80"),
            shipping_price=_money("4.50"),
            shipping_tax=_money("0.86"),
            discount=_money("0"),
        )
        for index, title in enumerate(titles, start=1)
    )
    moment = datetime(2025, 3, 1, 8, 15, tzinfo=UTC)
    snapshot = OrderSnapshot(
        external_id=external_id,
        marketplace_ids=("A1PA6795UKMFR9",),
        purchased_at=moment,
        last_updated_at=moment,
        latest_ship_at=None,
        marketplace_status="Unshipped",
        status=OrderStatus.UNSHIPPED,
        currency="EUR",
        buyer=Buyer(name=buyer_name, email="erika@marketplace.example"),
        shipping_address=Address(
            name=buyer_name, line1="Heidestraße 17", city="Köln", country_code="DE"
        ),
        lines=lines,
        fulfillment_channel="MFN",
    )
    return StoredOrder(
        id=42,
        connection_id=7,
        connection_name=connection_name,
        channel="amazon",
        snapshot=snapshot,
        import_status="complete",
        export_status="being_exported",
        created_at=moment,
        updated_at=moment,
    )


@pytest.fixture
def document() -> dict[str, Any]:
    return order_document(build_order())
