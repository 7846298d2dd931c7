"""Parsing and validation of the Orders API 2026-01-01 query parameters.

The rules come from the parameter descriptions in orders_2026-01-01.json: exactly one of
createdAfter / lastUpdatedAfter; Created* and LastUpdated* never mixed; a *Before bound at or
after its *After bound and at least two minutes before the request; enums for
fulfillmentStatuses, fulfilledBy and includedData; maxResultsPerPage 1..100 (default 100);
at most 50 marketplaceIds. Swagger 2.0 arrays default to collectionFormat csv, so list values
may come comma-separated or as repeated parameters; both are accepted.

Unknown parameter names are rejected (400) rather than ignored: a connector that sends v0
names such as `MarketplaceIds` should find out here, not in production.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from orderbridge.sandbox.amazon.errors import invalid_input
from orderbridge.sandbox.amazon.lifecycle import FULFILLED_BY, FULFILLMENT_STATUSES
from orderbridge.sandbox.amazon.store import TimeField
from orderbridge.sandbox.amazon.views import INCLUDED_DATA

SEARCH_ORDERS_PARAMS: tuple[str, ...] = (
    "createdAfter",
    "createdBefore",
    "lastUpdatedAfter",
    "lastUpdatedBefore",
    "fulfillmentStatuses",
    "marketplaceIds",
    "fulfilledBy",
    "maxResultsPerPage",
    "paginationToken",
    "includedData",
)
GET_ORDER_PARAMS: tuple[str, ...] = ("includedData",)
ARRAY_PARAMS = frozenset({"fulfillmentStatuses", "marketplaceIds", "fulfilledBy", "includedData"})

BEFORE_MARGIN_SECONDS = 120
MAX_MARKETPLACE_IDS = 50
MAX_RESULTS_DEFAULT = 100

Params = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class SearchQuery:
    field: TimeField
    after: float
    before: float | None
    marketplace_ids: tuple[str, ...] | None
    statuses: tuple[str, ...] | None
    fulfilled_by: tuple[str, ...] | None
    max_results: int
    pagination_token: str | None
    included: frozenset[str]

    def fingerprint(self) -> str:
        """Identity of the parameters that must repeat unchanged across pages."""
        canonical = json.dumps(
            [
                self.field,
                self.after,
                self.before,
                sorted(self.marketplace_ids) if self.marketplace_ids is not None else None,
                sorted(self.statuses) if self.statuses is not None else None,
                sorted(self.fulfilled_by) if self.fulfilled_by is not None else None,
            ]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def check_names(params: Params, allowed: Collection[str]) -> None:
    unknown = sorted({name for name, _ in params if name not in allowed})
    if unknown:
        raise invalid_input(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            f"Accepted parameters: {', '.join(allowed)}.",
        )
    for name in {n for n, _ in params if n not in ARRAY_PARAMS}:
        if sum(1 for n, _ in params if n == name) > 1:
            raise invalid_input(f"Query parameter {name} must be given at most once.")


def _single(params: Params, name: str) -> str | None:
    for n, value in params:
        if n == name:
            return value
    return None


def _multi(params: Params, name: str) -> list[str] | None:
    values = [part.strip() for n, v in params if n == name for part in v.split(",")]
    values = [v for v in values if v]
    return values or None


def _enum_list(params: Params, name: str, allowed: Sequence[str]) -> tuple[str, ...] | None:
    values = _multi(params, name)
    if values is None:
        return None
    bad = [v for v in values if v not in allowed]
    if bad:
        raise invalid_input(
            f"Invalid {name} value(s): {', '.join(bad)}.", f"Allowed values: {', '.join(allowed)}."
        )
    return tuple(dict.fromkeys(values))


def parse_included(params: Params) -> frozenset[str]:
    return frozenset(_enum_list(params, "includedData", INCLUDED_DATA) or ())


def parse_datetime(name: str, raw: str) -> float:
    """ISO 8601 date-time to epoch seconds; a value without offset is taken as UTC."""
    try:
        text = raw.strip()
        if "T" not in text:
            raise ValueError("a date-time needs a time part")
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise invalid_input(
            f"Invalid {name}: {raw!r} is not an ISO 8601 date-time.",
            "Example: 2025-01-01T00:00:00Z",
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def parse_search_query(
    params: Params, seller_marketplaces: Sequence[str], now: float
) -> SearchQuery:
    check_names(params, SEARCH_ORDERS_PARAMS)
    raw = {name: _single(params, name) for name in SEARCH_ORDERS_PARAMS if name not in ARRAY_PARAMS}
    created_after, last_updated_after = raw["createdAfter"], raw["lastUpdatedAfter"]
    if (created_after is None) == (last_updated_after is None):
        raise invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    if created_after is not None:
        if raw["lastUpdatedBefore"] is not None:
            raise invalid_input("lastUpdatedBefore cannot be provided with createdAfter.")
        field: TimeField = "created"
        after_name, before_name = "createdAfter", "createdBefore"
    else:
        if raw["createdBefore"] is not None:
            raise invalid_input("createdBefore cannot be provided with lastUpdatedAfter.")
        field = "updated"
        after_name, before_name = "lastUpdatedAfter", "lastUpdatedBefore"
    after = parse_datetime(after_name, raw[after_name] or "")
    before: float | None = None
    before_raw = raw[before_name]
    if before_raw is not None:
        before = parse_datetime(before_name, before_raw)
        if before < after:
            raise invalid_input(f"{before_name} must be equal to or after {after_name}.")
        if before > now - BEFORE_MARGIN_SECONDS:
            raise invalid_input(
                f"{before_name} must be at least two minutes before the time of the request."
            )

    marketplace_ids = _multi(params, "marketplaceIds")
    if marketplace_ids is not None:
        if len(marketplace_ids) > MAX_MARKETPLACE_IDS:
            raise invalid_input(f"At most {MAX_MARKETPLACE_IDS} marketplaceIds may be provided.")
        unknown = [m for m in marketplace_ids if m not in seller_marketplaces]
        if unknown:
            raise invalid_input(
                f"Invalid marketplaceIds value(s): {', '.join(unknown)}.",
                f"The seller participates in: {', '.join(seller_marketplaces)}.",
            )

    max_raw = raw["maxResultsPerPage"]
    max_results = MAX_RESULTS_DEFAULT
    if max_raw is not None:
        try:
            max_results = int(max_raw)
        except ValueError:
            raise invalid_input("maxResultsPerPage must be an integer between 1 and 100.") from None
        if not 1 <= max_results <= 100:
            raise invalid_input("maxResultsPerPage must be an integer between 1 and 100.")

    return SearchQuery(
        field=field,
        after=after,
        before=before,
        marketplace_ids=tuple(dict.fromkeys(marketplace_ids)) if marketplace_ids else None,
        statuses=_enum_list(params, "fulfillmentStatuses", FULFILLMENT_STATUSES),
        fulfilled_by=_enum_list(params, "fulfilledBy", FULFILLED_BY),
        max_results=max_results,
        pagination_token=raw["paginationToken"] or None,
        included=parse_included(params),
    )
