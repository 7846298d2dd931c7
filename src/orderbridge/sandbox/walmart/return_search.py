"""The filters and paging of `GET /v3/returns`.

Filters as the Returns API documents them: `returnOrderId`, `customerOrderId`, `status`
(INITIATED, DELIVERED or COMPLETED: a return matches when a line is in it), `returnType`
(REFUND or REPLACEMENT), creation and last-modified date ranges (`yyyy-MM-dd` or ISO 8601,
bounds inclusive) and `limit` (1..200, default 10). Unknown or repeated parameters are
refused. Returns are listed newest first.

A next page is `meta.nextCursor`, a query string to append to `/v3/returns`, shaped like
the official example (`?sellerId=…&limit=…&offset=…`) and repeating the filters; it
freezes `returnCreationEndDate` at the first page so returns created meanwhile do not
shift the pages. The last page carries no `nextCursor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from orderbridge.sandbox.walmart.errors import WalmartApiError
from orderbridge.sandbox.walmart.listing import format_ms, parse_date
from orderbridge.sandbox.walmart.return_records import RETURN_STATUSES, RETURN_TYPES, ReturnOrder

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
FILTERS = frozenset(
    {"returnOrderId", "customerOrderId", "status", "returnType", "replacementInfo", "limit"}
    | {"returnCreationStartDate", "returnCreationEndDate"}
    | {"returnLastModifiedStartDate", "returnLastModifiedEndDate"}
)
CURSOR_PARAMS = frozenset({"sellerId", "offset"})
_CHOICES = {
    "status": RETURN_STATUSES,
    "returnType": RETURN_TYPES,
    "replacementInfo": ("true", "false"),
}
RETURNS_API = "GMP_RETURNS_API"


def invalid(description: str, field: str = "") -> WalmartApiError:
    return WalmartApiError(
        400,
        f"INVALID_REQUEST_CONTENT.{RETURNS_API}",
        description,
        field=field,
        info="Request content is invalid.",
    )


@dataclass
class ReturnSearch:
    filters: dict[str, str]
    limit: int
    offset: int = 0
    created_from: int | None = None
    created_to: int | None = None
    modified_from: int | None = None
    modified_to: int | None = None

    def matches(self, found: ReturnOrder) -> bool:
        f = self.filters
        bounds = (
            (self.created_from, self.created_to, found.created_ms),
            (self.modified_from, self.modified_to, found.modified_ms),
        )
        for low, high, value in bounds:
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        if "status" in f and not found.has_status(f["status"]):
            return False
        checks = (
            ("returnOrderId", found.return_order_id),
            ("customerOrderId", found.customer_order_id),
            ("returnType", found.return_type),
        )
        return not any(name in f and f[name] != value for name, value in checks)


def parse_return_search(
    params: Sequence[tuple[str, str]], *, now_ms: int, seller_id: str
) -> ReturnSearch:
    given: dict[str, str] = {}
    for name, value in params:
        if name not in FILTERS | CURSOR_PARAMS:
            raise invalid(f"Query parameter {name!r} is not supported here.", name)
        if name in given:
            raise invalid(f"Query parameter {name!r} is given twice.", name)
        given[name] = value
    for name, choices in _CHOICES.items():
        if name in given and given[name] not in choices:
            raise invalid(f"{name} must be one of {', '.join(choices)}.", name)
    limit = given.get("limit", str(DEFAULT_LIMIT))
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise invalid(f"limit must be a whole number from 1 to {MAX_LIMIT}.", "limit")
    filters = {name: value for name, value in given.items() if name in FILTERS}
    search = ReturnSearch(filters=filters, limit=int(limit))
    search.created_from = _date(filters, "returnCreationStartDate")
    search.created_to = _date(filters, "returnCreationEndDate")
    search.modified_from = _date(filters, "returnLastModifiedStartDate")
    search.modified_to = _date(filters, "returnLastModifiedEndDate")
    if given.keys() & CURSOR_PARAMS:
        offset = given.get("offset", "")
        if given.get("sellerId") != seller_id or not offset.isdigit():
            raise invalid("nextCursor is invalid: pass it back exactly as received.")
        search.offset = int(offset)
    elif search.created_to is None:
        search.created_to = now_ms
        filters["returnCreationEndDate"] = format_ms(now_ms)
    return search


def find_returns(
    returns: list[ReturnOrder], search: ReturnSearch
) -> tuple[list[ReturnOrder], int, bool]:
    """One page of matching returns (newest first), the total, and whether more follow."""
    matching = [found for found in returns if search.matches(found)]
    page = matching[search.offset : search.offset + search.limit]
    return page, len(matching), search.offset + search.limit < len(matching)


def next_cursor(search: ReturnSearch, seller_id: str) -> str:
    cursor = {"sellerId": seller_id, "limit": str(search.limit)}
    cursor["offset"] = str(search.offset + search.limit)
    cursor.update({k: v for k, v in search.filters.items() if k != "limit"})
    return "?" + urlencode(cursor, safe=":")


def _date(filters: dict[str, str], name: str) -> int | None:
    if name not in filters:
        return None
    try:
        return parse_date(filters[name], name)
    except WalmartApiError as error:
        raise invalid(error.description, name) from None
