"""The bol.com read scheme: which list queries cover a window, and why no order slips away.

The list walk runs against an in-memory stand-in of bol's order list (httpx.MockTransport)
whose content changes between two page reads, as a busy shop's list does; the simulator
proper is exercised over sockets in tests/integration/test_bol_connector.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx

from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.bol import BolConnector, BolSettings
from orderbridge.marketplaces.bol.change_feed import (
    changed_inside,
    days_covering,
    interval_minutes,
    is_short,
    may_have_ended,
)
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.ratelimit import RateLimiter

NOW = datetime.now(UTC).replace(microsecond=0)


def test_a_recent_window_fits_one_change_interval_with_room_to_spare() -> None:
    assert interval_minutes(NOW - timedelta(minutes=12, seconds=1), NOW) == 18
    assert interval_minutes(NOW - timedelta(minutes=55), NOW) == 60
    assert interval_minutes(NOW - timedelta(minutes=56), NOW) is None


def test_days_reach_from_the_start_in_utc_to_the_end_in_dutch_summer_time() -> None:
    window = ReadWindow(
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC), datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
    )
    assert days_covering(window) == [date(2026, 3, 1), date(2026, 3, 2)]
    late = ReadWindow(window.lower, datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    assert days_covering(late) == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]


def test_a_day_may_have_ended_once_it_is_over_in_any_of_bols_possible_zones() -> None:
    assert may_have_ended(date(2026, 3, 1), datetime(2026, 3, 2, 0, 5, tzinfo=UTC))
    assert may_have_ended(date(2026, 3, 1), datetime(2026, 3, 1, 21, 56, tzinfo=UTC))
    assert not may_have_ended(date(2026, 3, 1), datetime(2026, 3, 1, 21, 0, tzinfo=UTC))


def test_a_page_is_short_only_below_fifty_orders_and_fifty_items() -> None:
    one_item: dict[str, Any] = {"orderItems": [{}]}
    assert is_short([one_item] * 49)
    assert not is_short([one_item] * 50)
    assert not is_short([{"orderItems": [{}] * 2}] * 25)


def test_an_order_is_inside_when_one_of_its_items_changed_inside() -> None:
    window = ReadWindow(NOW - timedelta(hours=1), NOW)

    def listed(*times: datetime | str) -> dict[str, Any]:
        return {
            "orderItems": [
                {"latestChangedDateTime": t if isinstance(t, str) else t.isoformat()} for t in times
            ]
        }

    assert changed_inside(listed(NOW - timedelta(hours=2), NOW - timedelta(minutes=5)), window)
    assert not changed_inside(listed(NOW - timedelta(hours=2)), window)
    assert not changed_inside(listed(NOW + timedelta(minutes=1)), window)
    # An unreadable time cannot prove the order is outside: it is fetched.
    assert changed_inside(listed("yesterday"), window)


# -- the walk against a list that changes while it is read -------------------------------


@dataclass
class FakeBol:
    """bol's order list for one retailer: orders with one item each, newest first."""

    orders: dict[str, datetime]  # order id → the item's latest change
    queries: list[dict[str, str]] = field(default_factory=list)
    # Called after each list page is served, to change the list between two reads.
    after_page: Callable[[FakeBol, dict[str, str]], None] = lambda bol, query: None

    def handle(self, request: httpx.Request) -> httpx.Response:
        headers = {"date": format_datetime(NOW, usegmt=True)}
        if request.url.path == "/token":
            return httpx.Response(
                200, json={"access_token": "t" * 40, "expires_in": 299}, headers=headers
            )
        if request.url.path == "/retailer/orders":
            query = dict(request.url.params)
            self.queries.append(query)
            body = {"orders": self._page(query)}
            self.after_page(self, query)
            return httpx.Response(200, json=body, headers=headers)
        order_id = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, json=self._details(order_id), headers=headers)

    def _page(self, query: dict[str, str]) -> list[dict[str, Any]]:
        if "latest-change-date" in query:
            day = date.fromisoformat(query["latest-change-date"])
            keep = [i for i, t in self.orders.items() if t.date() == day]
        else:
            since = NOW - timedelta(minutes=int(query["change-interval-minute"]))
            keep = [i for i, t in self.orders.items() if t >= since]
        keep.sort(reverse=True)  # ids sort like their order dates here
        start = (int(query["page"]) - 1) * 50
        return [self._reduced(order_id) for order_id in keep[start : start + 50]]

    def _reduced(self, order_id: str) -> dict[str, Any]:
        changed = self.orders[order_id].isoformat()
        return {
            "orderId": order_id,
            "orderPlacedDateTime": changed,
            "orderItems": [{"orderItemId": f"{order_id}-1", "latestChangedDateTime": changed}],
        }

    def _details(self, order_id: str) -> dict[str, Any]:
        changed = self.orders[order_id].isoformat()
        return {
            "orderId": order_id,
            "orderPlacedDateTime": changed,
            "pickupPoint": False,
            "shipmentDetails": {"firstName": "A", "surname": "B", "countryCode": "NL"},
            "orderItems": [
                {
                    "orderItemId": f"{order_id}-1",
                    "cancellationRequest": False,
                    "product": {"ean": "8710000000011", "title": "x"},
                    "quantity": 1,
                    "quantityShipped": 0,
                    "quantityCancelled": 0,
                    "unitPrice": 10,
                    "totalPrice": 10,
                    "discounts": [],
                    "commission": 1,
                    "latestChangedDateTime": changed,
                }
            ],
        }


async def read(bol: FakeBol, window: ReadWindow) -> list[str]:
    settings = BolSettings.parse(
        {"client_id": "sandbox", "client_secret": "sandbox-secret"},
        {"base_url": "https://api.bol.test", "token_url": "https://login.bol.test/token"},
    )
    connector = BolConnector(
        settings,
        transport=httpx.MockTransport(bol.handle),
        retry=RetryPolicy(attempts=1),
        # bol's budgets would make this test wait minutes; the walk is what it tests.
        limiter=RateLimiter(),
    )
    try:
        return [
            snapshot.external_id
            async for page in connector.read_orders(window)
            for snapshot in page.snapshots
        ]
    finally:
        await connector.aclose()


async def test_a_day_whose_list_shrinks_while_it_is_read_loses_no_order() -> None:
    day = (NOW - timedelta(days=5)).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    orders = {f"A{index:04d}": start + timedelta(minutes=index) for index in range(120)}

    def newest_changes_again(bol: FakeBol, query: dict[str, str]) -> None:
        # After the first page, the newest order is shipped today: it leaves this day's
        # list, and every order behind it moves up one place.
        if query.get("page") == "1" and len(bol.queries) == 1:
            bol.orders["A0119"] = NOW

    bol = FakeBol(orders, after_page=newest_changes_again)
    window = ReadWindow(start, start + timedelta(hours=23))
    seen = await read(bol, window)

    # A0069 stood first on page 2 and moved to page 1 unread: only the backward pass sees it.
    # A0119 was read before it moved on; its earlier change was inside the window.
    assert sorted(seen) == sorted(orders)
    pages = [q["page"] for q in bol.queries if q.get("latest-change-date") == day.isoformat()]
    # Forward until empty (1, 2, 3, 4), then back from the last full page (3, 2, 1).
    assert pages == ["1", "2", "3", "4", "3", "2", "1"]


async def test_a_recent_window_asks_for_the_change_interval_only() -> None:
    orders = {f"B{index:03d}": NOW - timedelta(minutes=10, seconds=index) for index in range(5)}
    bol = FakeBol(orders)
    window = ReadWindow(NOW - timedelta(minutes=14, seconds=30), NOW - timedelta(minutes=2))
    seen = await read(bol, window)

    assert sorted(seen) == sorted(orders)
    assert [q.get("change-interval-minute") for q in bol.queries] == ["20", "20"]
    assert all(q["status"] == "ALL" and q["fulfilment-method"] == "FBR" for q in bol.queries)


async def test_a_full_interval_page_falls_back_to_the_day_lists() -> None:
    orders = {f"C{index:03d}": NOW - timedelta(minutes=5, seconds=index) for index in range(60)}
    bol = FakeBol(orders)
    window = ReadWindow(NOW - timedelta(minutes=9, seconds=30), NOW - timedelta(minutes=2))
    seen = await read(bol, window)

    assert sorted(set(seen)) == sorted(orders)
    assert bol.queries[0].get("change-interval-minute") == "15"
    assert any("latest-change-date" in q for q in bol.queries[1:])
