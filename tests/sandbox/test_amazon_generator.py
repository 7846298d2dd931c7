"""The seeded order generator, searchOrders at 100,000 orders, and the standalone entry point."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections import Counter

import httpx

from orderbridge.sandbox.amazon.generator import OrderGenerator
from orderbridge.sandbox.amazon.marketplaces import MARKETPLACES
from orderbridge.sandbox.amazon.settings import DEFAULT_MARKETPLACE_IDS
from orderbridge.sandbox.amazon.views import INCLUDED_DATA, render_order
from tests.sandbox.conftest import FIXED_NOW, StartAmazon

NOW = int(FIXED_NOW.timestamp())
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def test_generator_is_deterministic_for_a_seed() -> None:
    first = OrderGenerator(11).generate(DEFAULT_MARKETPLACE_IDS, 200, NOW, 30)
    again = OrderGenerator(11).generate(DEFAULT_MARKETPLACE_IDS, 200, NOW, 30)
    other = OrderGenerator(12).generate(DEFAULT_MARKETPLACE_IDS, 200, NOW, 30)
    assert first == again
    assert [o.order_id for o in first] != [o.order_id for o in other]


def test_generator_makes_100000_realistic_orders() -> None:
    orders = OrderGenerator(5).generate(DEFAULT_MARKETPLACE_IDS, 25_000, NOW, 30)
    assert len(orders) == 100_000
    assert len({o.order_id for o in orders}) == 100_000
    assert all(ORDER_ID.match(o.order_id) for o in orders[::997])
    statuses = Counter(o.status for o in orders)
    assert statuses.most_common(1)[0][0] == "UNSHIPPED"
    assert {"PENDING", "SHIPPED", "PARTIALLY_SHIPPED", "CANCELLED"} <= set(statuses)
    assert Counter(o.fulfilled_by for o in orders).most_common(1)[0][0] == "MERCHANT"
    assert all(1 <= len(o.items) <= 4 for o in orders)
    assert len({item.sku for o in orders for item in o.items}) == 50
    assert all(NOW - 30 * 86400 <= o.created <= o.last_updated <= NOW for o in orders)
    for order in orders[::5000]:
        body = render_order(order, frozenset(INCLUDED_DATA), NOW)
        currency = MARKETPLACES[order.marketplace_id].currency
        assert body["createdTime"].endswith("Z")
        for item in body["orderItems"]:
            price = item["product"].get("price")
            if price:
                assert price["unitPrice"]["currencyCode"] == currency
                assert re.match(r"^\d+\.\d{2}$", price["unitPrice"]["amount"])
        assert body["fulfillment"]["shipByWindow"]["latestDateTime"] >= body["createdTime"]


def test_partially_shipped_orders_are_consistent() -> None:
    orders = OrderGenerator(9).generate(DEFAULT_MARKETPLACE_IDS, 500, NOW, 30)
    partial = [o for o in orders if o.status == "PARTIALLY_SHIPPED"]
    assert partial
    for order in partial:
        assert 0 < order.units_shipped < order.units_ordered
    for order in orders:
        if order.status == "SHIPPED":
            assert order.units_shipped == order.units_ordered
            assert bool(order.packages) == (order.fulfilled_by == "MERCHANT")


def test_search_orders_over_100000_orders(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(initial_orders_per_marketplace=25_000)
    token = amazon.token()
    after = "2026-02-20T00:00:00Z"
    seen: list[tuple[str, str]] = []
    params: dict[str, object] = {
        "lastUpdatedAfter": after,
        "marketplaceIds": "A1PA6795UKMFR9",
        "fulfillmentStatuses": "UNSHIPPED",
        "includedData": "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT",
    }
    started = time.monotonic()
    for _ in range(5):
        body = amazon.search(token, **params).json()
        assert len(body["orders"]) == 100
        seen.extend((o["lastUpdatedTime"], o["orderId"]) for o in body["orders"])
        params["paginationToken"] = body["pagination"]["nextToken"]
    elapsed = time.monotonic() - started
    assert seen == sorted(seen)
    assert len(set(seen)) == 500
    assert seen[0][0] >= after
    # five pages over 100k orders should be quick; generous bound only to catch full scans
    assert elapsed < 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_standalone_entry_point_serves() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "orderbridge.sandbox.amazon", "--port", str(port)]
    command += ["--orders", "20", "--seed", "1", "--speed", "0", "--log-level", "warning"]
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                stats = httpx.get(f"http://127.0.0.1:{port}/_sandbox/stats", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, "simulator exited"
                assert time.monotonic() < deadline, "simulator did not start"
                time.sleep(0.1)
        assert stats.json()["orders"] == 80
    finally:
        process.terminate()
        process.wait(timeout=10)
