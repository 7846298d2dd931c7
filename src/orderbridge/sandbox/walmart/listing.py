"""Searching orders: the filters of `GET /v3/orders` and `/v3/orders/released`, and paging.

Filters as the Orders API documents them: `createdStartDate` defaults to seven days before
now and `createdEndDate` to now; only orders of the last 180 days are served; dates are
`yyyy-MM-dd` or ISO 8601 date-times (bounds inclusive); `limit` is 1..200, default 100; a
search matching more than 20,000 orders is refused. `status` matches an order with units
in that line status; `/released` serves orders with units still `Created`. Unknown or
repeated parameters are refused, so a client's typo shows at once.

A next page is a ready-made query string in `meta.nextCursor`, to be appended to the same
path. It repeats the filters with `createdEndDate` frozen at the first page (new orders
cannot shift pages) and continues after the last order returned, so an order changing
meanwhile cannot make the walk skip another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from orderbridge.sandbox.walmart.errors import invalid_content
from orderbridge.sandbox.walmart.records import Order
from orderbridge.sandbox.walmart.store import OrderStore

DAY_MS = 86_400_000
DEFAULT_LOOKBACK_MS = 7 * DAY_MS
MAX_AGE_MS = 180 * DAY_MS
MAX_LIMIT = 200
DEFAULT_LIMIT = 100
LINE_STATUSES = ("Created", "Acknowledged", "Shipped", "Delivered", "Cancelled")
_COMMON = (
    "sku",
    "customerOrderId",
    "purchaseOrderId",
    "createdStartDate",
    "createdEndDate",
    "fromExpectedShipDate",
    "toExpectedShipDate",
    "limit",
    "productInfo",
    "shipNodeType",
    "shippingProgramType",
    "replacementInfo",
    "orderType",
)
ALL_ORDERS_PARAMS = frozenset({*_COMMON, "status", "lastModifiedStartDate", "lastModifiedEndDate"})
RELEASED_PARAMS = frozenset(_COMMON)
CURSOR_PARAMS = frozenset({"hasMoreElements", "soIndex", "poIndex", "partnerId", "sellerId"})
_CHOICES = {
    "shipNodeType": ("SellerFulfilled", "WFSFulfilled", "3PLFulfilled"),
    "shippingProgramType": ("TWO_DAY", "ONE_DAY"),
    "orderType": ("REGULAR", "REPLACEMENT"),
    "productInfo": ("true", "false"),
    "replacementInfo": ("true", "false"),
    "status": LINE_STATUSES,
}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Search:
    released: bool
    filters: dict[str, str]  # as given, with createdStartDate/EndDate made explicit
    created_from: int
    created_to: int
    limit: int
    modified_from: int | None = None
    modified_to: int | None = None
    ship_from: int | None = None
    ship_to: int | None = None
    after: tuple[int, str] | None = None
    returned_before: int = 0

    def matches(self, order: Order) -> bool:
        f = self.filters
        if not self.created_from <= order.order_ms <= self.created_to:
            return False
        if self.modified_from is not None and order.modified_ms < self.modified_from:
            return False
        if self.modified_to is not None and order.modified_ms > self.modified_to:
            return False
        if self.ship_from is not None and order.ship_by_ms < self.ship_from:
            return False
        if self.ship_to is not None and order.ship_by_ms > self.ship_to:
            return False
        if self.released and not order.has_status("Created"):
            return False
        if "status" in f and not order.has_status(f["status"]):
            return False
        if "sku" in f and all(line.sku != f["sku"] for line in order.lines):
            return False
        checks = (
            ("purchaseOrderId", order.purchase_order_id),
            ("customerOrderId", order.customer_order_id),
            ("orderType", order.order_type),
            ("shippingProgramType", order.shipping_program),
        )
        if any(name in f and f[name] != value for name, value in checks):
            return False
        return order.ship_node_type == f.get("shipNodeType", "SellerFulfilled")


def parse_search(
    params: Sequence[tuple[str, str]], *, released: bool, now_ms: int, partner: tuple[str, str]
) -> Search:
    allowed = (RELEASED_PARAMS if released else ALL_ORDERS_PARAMS) | CURSOR_PARAMS
    given: dict[str, str] = {}
    for name, value in params:
        if name not in allowed:
            raise invalid_content(f"Query parameter {name!r} is not supported here.", name)
        if name in given:
            raise invalid_content(f"Query parameter {name!r} is given twice.", name)
        given[name] = value
    for name, choices in _CHOICES.items():
        if name in given and given[name] not in choices:
            raise invalid_content(f"{name} must be one of {', '.join(choices)}.", name)
    filters = {name: value for name, value in given.items() if name not in CURSOR_PARAMS}
    created_from = max(
        _date(filters, "createdStartDate", now_ms - DEFAULT_LOOKBACK_MS), now_ms - MAX_AGE_MS
    )
    created_to = _date(filters, "createdEndDate", now_ms)
    filters["createdStartDate"] = filters.get("createdStartDate", format_ms(created_from))
    filters["createdEndDate"] = filters.get("createdEndDate", format_ms(created_to))
    search = Search(
        released=released,
        filters=filters,
        created_from=created_from,
        created_to=created_to,
        limit=_limit(filters.get("limit")),
        modified_from=_optional_date(filters, "lastModifiedStartDate"),
        modified_to=_optional_date(filters, "lastModifiedEndDate"),
        ship_from=_optional_date(filters, "fromExpectedShipDate"),
        ship_to=_optional_date(filters, "toExpectedShipDate"),
    )
    if given.keys() & CURSOR_PARAMS:
        _continue(search, given, partner)
    return search


def _continue(search: Search, given: dict[str, str], partner: tuple[str, str]) -> None:
    """Read where a nextCursor left off; anything altered is refused."""
    if (given.get("partnerId"), given.get("sellerId")) != partner or given.get(
        "hasMoreElements"
    ) != "true":
        raise invalid_content("nextCursor is invalid: pass it back exactly as received.")
    position = given.get("poIndex", "")
    order_ms, _, purchase_order_id = position.partition(":")
    returned = given.get("soIndex", "")
    if not order_ms.isdigit() or not purchase_order_id or not returned.isdigit():
        raise invalid_content("nextCursor is invalid: pass it back exactly as received.")
    search.after = (int(order_ms), purchase_order_id)
    search.returned_before = int(returned)


def find_page(store: OrderStore, search: Search, max_matches: int) -> tuple[list[Order], int, bool]:
    """One page of matching orders, the total that match, and whether more follow."""
    matching = [order for order in store.newest_first() if search.matches(order)]
    if len(matching) > max_matches:
        raise invalid_content(
            f"The search matches {len(matching)} orders, more than {max_matches} can be "
            "fetched at a time; narrow the dates.",
        )
    if search.after is not None:
        after = search.after
        matching_after = [o for o in matching if (o.order_ms, o.purchase_order_id) < after]
    else:
        matching_after = matching
    page = matching_after[: search.limit]
    return page, len(matching), len(matching_after) > search.limit


def next_cursor(search: Search, last: Order, partner: tuple[str, str]) -> str:
    cursor = {
        "limit": str(search.limit),
        "hasMoreElements": "true",
        "soIndex": str(search.returned_before + search.limit),
        "poIndex": f"{last.order_ms}:{last.purchase_order_id}",
        "partnerId": partner[0],
        "sellerId": partner[1],
    }
    cursor.update({k: v for k, v in search.filters.items() if k != "limit"})
    return "?" + urlencode(cursor, safe=":")


def format_ms(moment_ms: int) -> str:
    moment = datetime.fromtimestamp(moment_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment_ms % 1000:03d}Z"


def parse_date(value: str, name: str) -> int:
    text = value.strip()
    try:
        if _DATE_ONLY.match(text):
            moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_content(
            f"{name} {value!r} is not a date: use yyyy-MM-dd or yyyy-MM-dd'T'HH:mm:ssZ.", name
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _date(filters: dict[str, str], name: str, default: int) -> int:
    return parse_date(filters[name], name) if name in filters else default


def _optional_date(filters: dict[str, str], name: str) -> int | None:
    return parse_date(filters[name], name) if name in filters else None


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise invalid_content(f"limit must be a whole number from 1 to {MAX_LIMIT}.", "limit")
    return int(value)
