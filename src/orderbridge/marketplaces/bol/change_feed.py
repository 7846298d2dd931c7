"""Which bol.com orders changed inside a read window: the walk over ``GET /retailer/orders``.

bol's order list cannot take a time range. It filters order items by their latest change
in one of two ways, and numbers its pages (50 orders each, sorted by order date, newest
first, read until a page comes back empty):

* ``change-interval-minute=N`` (N ≤ 60): items changed in the last N minutes of bol's
  clock at the moment each page is served;
* ``latest-change-date=YYYY-MM-DD``: items whose latest change fell on that day (up to
  three months back).

Neither states a time zone or a sort by change, so the window's bounds are applied here,
on each listed item's ``latestChangedDateTime``: an order is in the window when one of its
items changed inside it. An order changed again after the window still lists with that
newer time; it belongs to a later window, which will see it.

The scheme, chosen so that no order changed inside the window is missed:

1. When the window starts less than an hour before bol's "now" (a regular poll), one
   list with ``change-interval-minute`` covers it, with five minutes to spare for the
   time the pages take. bol's ``Date`` header on each page proves the interval still
   reaches back to the window's start; if it stops doing so, step 2 takes over.
2. Otherwise, and also when the interval list does not fit on one short page, each
   calendar day the window touches is listed with ``latest-change-date``. bol's day is
   Dutch local time or UTC (bol does not say), so the days run from the window's start
   in UTC to its end in Dutch summer time (UTC+2): at most one day more than needed.

Page numbers over a list that changes while it is read can skip an order. A list only
grows (an item changes and joins it) or only shrinks (an item of a past day changes again
and leaves it); which one depends on the day:

* growing lists are safe to read forward: an insertion pushes orders to later pages, so
  the walk meets them again (a duplicate, never a gap);
* a shrinking list is safe to read backwards, from the last page to the first: a removal
  pulls orders to earlier pages that are still to be read.

So every day is read forward until an empty page, and a day that may already be over in
bol's time zone, whose list could have shrunk meanwhile, is read once more from its last
page back to its first. A first page that is short (fewer than 50 orders and 50 items)
held the whole list when it was served, so then neither a second pass nor the day scheme
is needed. Duplicates cost nothing: each order is fetched once per read.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from orderbridge.marketplaces.base import ReadWindow
from orderbridge.marketplaces.bol.capabilities import GET_ORDERS
from orderbridge.marketplaces.bol.client import PAGE_SIZE, BolClient
from orderbridge.marketplaces.errors import PermanentError

LONGEST_INTERVAL = 60  # minutes; bol's maximum for change-interval-minute
INTERVAL_SPARE = 5  # minutes the interval reaches back beyond the window's start
DUTCH_SUMMER_OFFSET = timedelta(hours=2)
CLOCK_SPARE = timedelta(minutes=5)
MAX_PAGES = 10_000  # 500,000 orders a day: past that, something loops


@dataclass(frozen=True, slots=True)
class ListedOrder:
    """An order as the list shows it: enough to fetch its details."""

    order_id: str
    placed_at: datetime | None


def interval_minutes(lower: datetime, now: datetime) -> int | None:
    """The change interval that covers ``[lower, now]`` with room to spare, if bol allows it."""
    minutes = math.ceil(max((now - lower).total_seconds(), 0.0) / 60) + INTERVAL_SPARE
    return minutes if minutes <= LONGEST_INTERVAL else None


def days_covering(window: ReadWindow) -> list[date]:
    """Every calendar day bol may file a change inside the window under, oldest first."""
    first = window.lower.astimezone(UTC).date()
    last = (window.upper.astimezone(UTC) + DUTCH_SUMMER_OFFSET).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def may_have_ended(day: date, now: datetime) -> bool:
    """Whether ``day`` may be over in bol's time zone, so its list may shrink."""
    return day < (now.astimezone(UTC) + DUTCH_SUMMER_OFFSET + CLOCK_SPARE).date()


def is_short(orders: list[Any]) -> bool:
    """Fewer than a page of orders and of items: the page held the whole list."""
    items = sum(
        len(order.get("orderItems") or []) if isinstance(order, dict) else 0 for order in orders
    )
    return len(orders) < PAGE_SIZE and items < PAGE_SIZE


def changed_inside(order: Any, window: ReadWindow) -> bool:
    """One listed item's latest change lies in the window; unreadable times count as in."""
    items = order.get("orderItems") if isinstance(order, dict) else None
    if not isinstance(items, list) or not items:
        return True
    for item in items:
        value = item.get("latestChangedDateTime") if isinstance(item, dict) else None
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return True
        if moment is None or moment.utcoffset() is None:
            return True
        if window.lower <= moment <= window.upper:
            return True
    return False


class ChangeFeed:
    """Lists the orders changed inside a window, each once, page by page."""

    def __init__(self, client: BolClient, fulfilment_method: str) -> None:
        self._client = client
        self._method = fulfilment_method

    async def changed(self, window: ReadWindow) -> AsyncGenerator[list[ListedOrder], None]:
        """One batch per list page read: the new orders of that page inside the window."""
        seen: set[str] = set()
        minutes = interval_minutes(window.lower, self._client.now())
        if minutes is not None:
            covered = True
            # Leaving the walk early must close it, not leave it suspended mid-request.
            interval = {"change-interval-minute": str(minutes)}
            async with aclosing(self._forward(interval)) as walk:
                async for number, orders, served in walk:
                    yield self._fresh(orders, window, seen)
                    reach = (served or self._client.now()) - timedelta(minutes=minutes)
                    if reach > window.lower or (number == 1 and not is_short(orders)):
                        covered = False
                        break
            if covered:
                return
        for day in days_covering(window):
            params = {"latest-change-date": day.isoformat()}
            pages = 0
            short_first = False
            async with aclosing(self._forward(params)) as walk:
                async for number, orders, _ in walk:
                    pages = number
                    short_first = short_first or (number == 1 and is_short(orders))
                    yield self._fresh(orders, window, seen)
            if short_first or pages <= 0 or not may_have_ended(day, self._client.now()):
                continue
            for number in range(pages, 0, -1):
                orders, _ = await self._page(params, number)
                yield self._fresh(orders, window, seen)

    async def _forward(
        self, params: dict[str, str]
    ) -> AsyncGenerator[tuple[int, list[Any], datetime | None], None]:
        """Pages 1, 2, … until an empty one, which is not yielded."""
        previous: list[str] | None = None
        for number in range(1, MAX_PAGES + 1):
            orders, served = await self._page(params, number)
            if not orders:
                return
            ids = [_order_id(order) for order in orders]
            if ids == previous:
                raise PermanentError(
                    f"bol answered page {number} of the order list with the same orders as "
                    f"page {number - 1}; stopping so the window is not reported as complete",
                    operation=GET_ORDERS,
                    request=f"GET /retailer/orders {params}",
                )
            previous = ids
            yield number, orders, served
        raise PermanentError(
            f"bol's order list did not end within {MAX_PAGES} pages; the window is not complete",
            operation=GET_ORDERS,
            request=f"GET /retailer/orders {params}",
        )

    async def _page(self, params: dict[str, str], number: int) -> tuple[list[Any], datetime | None]:
        query = {
            "status": "ALL",
            "fulfilment-method": self._method,
            **params,
            "page": str(number),
        }
        return await self._client.orders_page(query)

    def _fresh(
        self, orders: Iterable[Any], window: ReadWindow, seen: set[str]
    ) -> list[ListedOrder]:
        batch: list[ListedOrder] = []
        for order in orders:
            order_id = _order_id(order)
            if not order_id or order_id in seen or not changed_inside(order, window):
                continue
            seen.add(order_id)
            batch.append(ListedOrder(order_id, _placed_at(order)))
        return batch


def _order_id(order: Any) -> str:
    value = order.get("orderId") if isinstance(order, dict) else None
    return value if isinstance(value, str) else ""


def _placed_at(order: Any) -> datetime | None:
    value = order.get("orderPlacedDateTime") if isinstance(order, dict) else None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is None or moment.utcoffset() is None:
        return None
    return moment.astimezone(UTC)
