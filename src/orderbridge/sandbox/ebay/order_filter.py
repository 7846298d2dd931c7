"""Reading getOrders' query: ``filter``, ``orderIds``, ``limit``, ``offset``, ``fieldGroups``.

``filter`` is a comma-separated list of ``creationdate:[from..to]``,
``lastmodifieddate:[from..to]`` (``to`` may be empty) and
``orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}`` or ``{FULFILLED|IN_PROGRESS}``, the
only two status combinations eBay supports. Refusals use the error ids the contract lists
for getOrders (30700 to 31100, 32800).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orderbridge.sandbox.ebay.errors import EbayApiError, request_error
from orderbridge.sandbox.ebay.store import OrderQuery

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_ORDER_IDS = 50
DEFAULT_DAYS = 90
MAX_AGE_SECONDS = 2 * 365 * 86400
STATUS_SETS = (frozenset({"NOT_STARTED", "IN_PROGRESS"}), frozenset({"FULFILLED", "IN_PROGRESS"}))
FIELD_GROUPS = frozenset({"TAX_BREAKDOWN"})
PARAMS = frozenset({"filter", "orderIds", "limit", "offset", "fieldGroups"})
_RANGE = re.compile(r"^\[(?P<start>[^\[\]]*)\.\.(?P<end>[^\[\]]*)\]$")
_STATUSES = re.compile(r"^\{(?P<values>[A-Z_|]+)\}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$")


@dataclass(frozen=True)
class OrdersRequest:
    query: OrderQuery
    limit: int
    offset: int
    tax_breakdown: bool


def parse_orders_request(params: Sequence[tuple[str, str]], now: float) -> OrdersRequest:
    values = dict(params)
    tax_breakdown = _field_groups(values.get("fieldGroups"))
    oldest = now - MAX_AGE_SECONDS
    if values.get("orderIds"):
        ids = tuple(i.strip() for i in values["orderIds"].split(",") if i.strip())
        if len(ids) > MAX_ORDER_IDS:
            raise request_error(
                30900,
                "Exceeded maximum number of order IDs",
                f"The current limit is {MAX_ORDER_IDS}.",
            )
        # orderIds overrides every other parameter.
        return OrdersRequest(
            OrderQuery(order_ids=ids, oldest=oldest), MAX_ORDER_IDS, 0, tax_breakdown
        )
    limit = _number(values.get("limit"), DEFAULT_LIMIT, 31100, "Invalid limit", "limitvalue")
    if not 1 <= limit <= MAX_LIMIT:
        raise request_error(
            31100, "Invalid limit", f"limit must be 1 to {MAX_LIMIT}.", limitvalue=str(limit)
        )
    offset = _number(values.get("offset"), 0, 31000, "Invalid offset", "offsetvalue")
    if offset < 0:
        raise request_error(31000, "Invalid offset", None, offsetvalue=str(offset))
    query = _filter(values.get("filter"), now)
    if query.created is None and query.modified is None:
        # Without a date filter eBay serves the orders of the last 90 days.
        query = OrderQuery(created=(now - DEFAULT_DAYS * 86400, None), statuses=query.statuses)
    query = OrderQuery(query.created, query.modified, query.statuses, None, oldest)
    return OrdersRequest(query, limit, offset, tax_breakdown)


def _field_groups(value: str | None) -> bool:
    if value is None:
        return False
    groups = {part.strip() for part in value.split(",") if part.strip()}
    unknown = groups - FIELD_GROUPS
    if unknown:
        name = sorted(unknown)[0]
        raise request_error(
            32800, "Invalid field group", f"Invalid field group: {name}", fieldGroup=name
        )
    return "TAX_BREAKDOWN" in groups


def _number(value: str | None, default: int, error_id: int, message: str, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise request_error(error_id, message, None, **{name: value}) from None


def _filter(value: str | None, now: float) -> OrderQuery:
    created = modified = None
    statuses: frozenset[str] | None = None
    for criterion in (part.strip() for part in (value or "").split(",")):
        if not criterion:
            continue
        name, _, argument = criterion.partition(":")
        if name == "creationdate":
            created = _range(name, argument, now)
        elif name == "lastmodifieddate":
            modified = _range(name, argument, now)
        elif name == "orderfulfillmentstatus":
            statuses = _statuses(argument)
        else:
            raise request_error(
                30700, "Invalid filter name", f"Invalid filter name: {name}", fieldname=name
            )
    return OrderQuery(created=created, modified=modified, statuses=statuses)


def _range(name: str, argument: str, now: float) -> tuple[float, float | None]:
    match = _RANGE.match(argument)
    if match is None:
        raise _bad_value(name, argument)
    start, end = match["start"], match["end"]
    if not start:
        raise request_error(30820, "Start date is missing", None, fieldname=name)
    lower = _moment(start)
    upper = _moment(end) if end else None
    if lower > now or (upper is not None and upper > now):
        raise request_error(30850, "Start and end dates can't be in the future")
    if upper is not None and lower > upper:
        raise request_error(30840, "Start date should be before end date")
    if upper is not None and upper - lower > MAX_AGE_SECONDS:
        raise request_error(
            30830,
            "Time range too long",
            "Time range between start date and end date must be within '2' years.",
        )
    return lower, upper


def _moment(text: str) -> float:
    if not _TIMESTAMP.match(text):
        raise request_error(30810, "Invalid date format", f"Invalid date: {text}")
    return datetime.fromisoformat(text).timestamp()


def _statuses(argument: str) -> frozenset[str]:
    match = _STATUSES.match(argument)
    values = frozenset(match["values"].split("|")) if match else frozenset()
    if values not in STATUS_SETS:
        raise _bad_value("orderfulfillmentstatus", argument)
    return values


def _bad_value(name: str, argument: str) -> EbayApiError:
    return request_error(
        30800,
        "Invalid filter value",
        f"Invalid filter value {argument} for filter {name}",
        fieldname=name,
        fieldvalue=argument,
    )
