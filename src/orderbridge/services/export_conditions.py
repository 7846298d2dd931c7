"""The conditions of an export configuration: checking them, and their stored form.

Every condition is optional and all given ones must hold. They are checked when saved,
each error naming its field (``conditions.amount_min``), because a condition that can
never match (a misspelt country, min above max) would otherwise export nothing, silently.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.domain.countries import COMMON_MISTAKES, COUNTRY_CODES
from orderbridge.services.errors import InvalidInput
from orderbridge.store.configuration_selection import OrderFilter

FIELDS = (
    "connections",
    "marketplace_statuses",
    "shipping_countries",
    "currency",
    "amount_min",
    "amount_max",
    "sku_pattern",
    "fulfillment_channel",
)

# The fulfilment values the importers store, per channel: Amazon (fulfilledBy), Walmart
# (shipNode.type), bol.com (fulfilment methods, "FBB+FBR" when an order has both) and
# eBay (fulfillmentInstructionsType). "seller" and "marketplace" span the channels.
SELLER_FULFILLED = frozenset(
    {
        "MERCHANT",
        "SellerFulfilled",
        "3PLFulfilled",
        "FBR",
        "FBB+FBR",  # the seller still ships part of it
        "SHIP_TO",
        "PREPARE_FOR_PICKUP",
        "SELLER_DEFINED",
        "DIGITAL",
    }
)
MARKETPLACE_FULFILLED = frozenset({"AMAZON", "WFSFulfilled", "FBB", "FULFILLED_BY_EBAY"})
FULFILLMENT_GROUPS = {"seller": SELLER_FULFILLED, "marketplace": MARKETPLACE_FULFILLED}
# Amazon's older names, which merchants know from Seller Central reports.
FULFILLMENT_ALIASES = {"MFN": "MERCHANT", "AFN": "AMAZON"}
KNOWN_FULFILLMENT = SELLER_FULFILLED | MARKETPLACE_FULFILLED

MAX_VALUES = 200
MAX_TEXT = 100
AMOUNT_PLACES = 4  # orders keep amounts to four decimals


@dataclass(frozen=True, slots=True)
class Conditions:
    connections: tuple[str, ...] = ()
    marketplace_statuses: tuple[str, ...] = ()
    shipping_countries: tuple[str, ...] = ()
    currency: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sku_pattern: str | None = None
    fulfillment_channel: tuple[str, ...] = ()

    def stored(self) -> dict[str, Any]:
        """The JSON form kept in the table and shown by the API: only the conditions given,
        amounts as decimal strings (never floats)."""
        values: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value is None or value == ():
                continue
            if isinstance(value, Decimal):
                values[name] = str(value)
            elif isinstance(value, tuple):
                values[name] = list(value)
            else:
                values[name] = value
        return values

    def order_filter(self) -> OrderFilter:
        channels: set[str] = set()
        for value in self.fulfillment_channel:
            channels |= FULFILLMENT_GROUPS.get(value, {value})
        return OrderFilter(
            connection_names=self.connections,
            marketplace_statuses=self.marketplace_statuses,
            countries=self.shipping_countries,
            currency=self.currency,
            amount_min=self.amount_min,
            amount_max=self.amount_max,
            sku_glob=self.sku_pattern,
            fulfillment_channels=tuple(sorted(channels)),
        )


def stored_conditions(data: Mapping[str, Any] | None) -> Conditions:
    """Read back what :meth:`Conditions.stored` wrote (checked when it was saved)."""
    data = data or {}

    def texts(name: str) -> tuple[str, ...]:
        return tuple(str(value) for value in data.get(name) or ())

    def amount(name: str) -> Decimal | None:
        value = data.get(name)
        return None if value is None else Decimal(str(value))

    return Conditions(
        connections=texts("connections"),
        marketplace_statuses=texts("marketplace_statuses"),
        shipping_countries=texts("shipping_countries"),
        currency=data.get("currency"),
        amount_min=amount("amount_min"),
        amount_max=amount("amount_max"),
        sku_pattern=data.get("sku_pattern"),
        fulfillment_channel=texts("fulfillment_channel"),
    )


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(f"conditions.{name}: {message}", field=f"conditions.{name}")


def _text_list(raw: Mapping[str, Any], name: str, *, accept_one: bool = False) -> tuple[str, ...]:
    value = raw.get(name)
    if value is None:
        return ()
    if accept_one and isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise _invalid(name, "must be a list of texts")
    items = [item.strip() for item in value]
    if not items:
        # An empty list would read as "any" to some and "none" to others: leave it out.
        raise _invalid(name, "give at least one value, or leave the condition out")
    if len(items) > MAX_VALUES:
        raise _invalid(name, f"at most {MAX_VALUES} values")
    for item in items:
        if not item or len(item) > MAX_TEXT:
            raise _invalid(name, f"values must be 1 to {MAX_TEXT} characters, got {item!r}")
    return tuple(dict.fromkeys(items))


def _amount(raw: Mapping[str, Any], name: str) -> Decimal | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _invalid(name, f"must be a decimal amount such as '25.00', got {value!r}")
    try:
        # A float is read by its shortest repr (19.99, not 19.9899…); strings are exact.
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise _invalid(name, f"must be a decimal amount such as '25.00', got {value!r}") from exc
    if not amount.is_finite():
        raise _invalid(name, f"must be a decimal amount such as '25.00', got {value!r}")
    if amount < 0:
        raise _invalid(name, f"cannot be negative, got {amount}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AMOUNT_PLACES:
        raise _invalid(name, f"at most {AMOUNT_PLACES} decimal places, got {amount}")
    return amount


def _countries(raw: Mapping[str, Any]) -> tuple[str, ...]:
    codes = tuple(code.upper() for code in _text_list(raw, "shipping_countries"))
    for code in codes:
        if code in COUNTRY_CODES:
            continue
        hint = COMMON_MISTAKES.get(code)
        suggestion = f"; did you mean {hint!r}?" if hint else ""
        raise _invalid(
            "shipping_countries",
            f"{code!r} is not an ISO 3166-1 alpha-2 country code (such as DE, FR, GB, US)"
            + suggestion,
        )
    return tuple(dict.fromkeys(codes))


def _fulfillment(raw: Mapping[str, Any]) -> tuple[str, ...]:
    values: list[str] = []
    for value in _text_list(raw, "fulfillment_channel", accept_one=True):
        value = FULFILLMENT_ALIASES.get(value.upper(), value)
        if value.lower() in FULFILLMENT_GROUPS:
            value = value.lower()
        elif value not in KNOWN_FULFILLMENT:
            raise _invalid(
                "fulfillment_channel",
                f"{value!r} is not a fulfilment value orderbridge stores; use 'seller' or "
                f"'marketplace' (any channel), or one of {', '.join(sorted(KNOWN_FULFILLMENT))}",
            )
        values.append(value)
    return tuple(dict.fromkeys(values))


def _sku_pattern(raw: Mapping[str, Any]) -> str | None:
    value = raw.get("sku_pattern")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT * 2:
        raise _invalid("sku_pattern", f"must be a text of 1 to {MAX_TEXT * 2} characters")
    if "[" in value or "]" in value:
        # Character classes would mean different things to SQLite and PostgreSQL.
        raise _invalid(
            "sku_pattern",
            "only * (any characters) and ? (one character) are wildcards; "
            "[ and ] are not supported",
        )
    return value.strip()


def _currency(raw: Mapping[str, Any]) -> str | None:
    value = raw.get("currency")
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise _invalid("currency", f"must be an ISO 4217 code such as EUR, got {value!r}")
    return value.upper()


def parse_conditions(
    raw: Mapping[str, Any] | None, known_connections: Collection[str]
) -> Conditions:
    """Check ``raw`` (as a client sends it); raises InvalidInput naming the field."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("conditions must be an object", field="conditions")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise _invalid(unknown[0], f"unknown condition; use {', '.join(FIELDS)}")
    names = _text_list(raw, "connections")
    for name in names:
        if name not in known_connections:
            raise _invalid("connections", f"no connection named {name!r}")
    conditions = Conditions(
        connections=names,
        marketplace_statuses=_text_list(raw, "marketplace_statuses"),
        shipping_countries=_countries(raw),
        currency=_currency(raw),
        amount_min=_amount(raw, "amount_min"),
        amount_max=_amount(raw, "amount_max"),
        sku_pattern=_sku_pattern(raw),
        fulfillment_channel=_fulfillment(raw),
    )
    low, high = conditions.amount_min, conditions.amount_max
    if low is not None and high is not None and low > high:
        raise _invalid("amount_min", f"{low} is above amount_max {high}")
    return conditions
