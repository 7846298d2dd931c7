"""getOrders query strings: the ``lastmodifieddate`` filter, encoded the way eBay asks.

eBay's filter syntax puts the window in brackets (``lastmodifieddate:[from..to]``, both
ends inclusive) and requires ``[ ] { } |`` to be percent-encoded in the URI. The query is
built here by hand, so the colons and dots stay literal exactly as in eBay's examples
instead of depending on how an HTTP library chooses to quote them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlsplit

PAGE_LIMIT = 200  # the most getOrders returns per page (v1.20.7)
# Adds the tax breakdown, and makes line and order totals include the tax eBay collects.
FIELD_GROUPS = "TAX_BREAKDOWN"


def format_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 to the millisecond (truncated), as eBay writes its own timestamps."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: window bounds must be timezone-aware")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def modified_between(lower: datetime, upper: datetime) -> str:
    """The filter for orders last modified inside ``[lower, upper]``."""
    return f"lastmodifieddate:[{format_timestamp(lower)}..{format_timestamp(upper)}]"


def orders_query(filter_expression: str, *, limit: int = PAGE_LIMIT, offset: int = 0) -> str:
    """The query string of one getOrders page, without the leading ``?``."""
    parts = [
        "filter=" + quote(filter_expression, safe=":.,-"),
        f"limit={limit}",
        f"offset={offset}",
        f"fieldGroups={FIELD_GROUPS}",
    ]
    return "&".join(parts)


def offset_of(link: str) -> int | None:
    """The ``offset`` a ``next`` link asks for, or None when it names none we can read."""
    values = parse_qs(urlsplit(link).query).get("offset")
    if not values:
        return None
    try:
        offset = int(values[-1])
    except ValueError:
        return None
    return offset if offset >= 0 else None
