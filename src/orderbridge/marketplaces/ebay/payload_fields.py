"""Typed reads of eBay payload fields; each failure names the field it rejects.

eBay's schema makes every field optional and types amounts as decimal strings in an
``Amount`` (``{value, currency}``); these readers turn a surprise into InvalidOrderData
with the field's path, which becomes the quarantined order's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.domain.errors import InvalidOrderData


def text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidOrderData(f"{path} must be a string, got {type(value).__name__}")
    return value


def required_text(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = text(obj, key, path)
    if value is None:
        raise InvalidOrderData(f"{path} is missing")
    return value


def obj(parent: Mapping[str, Any] | None, key: str, path: str) -> Mapping[str, Any] | None:
    value = parent.get(key) if parent is not None else None
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be an object, got {type(value).__name__}")
    return value


def items(parent: Mapping[str, Any] | None, key: str, path: str) -> list[Any]:
    value = parent.get(key) if parent is not None else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidOrderData(f"{path} must be a list, got {type(value).__name__}")
    return value


def objects(parent: Mapping[str, Any] | None, key: str, path: str) -> list[Mapping[str, Any]]:
    found = []
    for index, entry in enumerate(items(parent, key, path)):
        if not isinstance(entry, Mapping):
            raise InvalidOrderData(f"{path}[{index}] must be an object")
        found.append(entry)
    return found


def count(parent: Mapping[str, Any], key: str, path: str) -> int:
    value = parent.get(key)
    # bool is an int in Python, but true units are not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOrderData(f"{path} must be a whole number, got {value!r}")
    if value < 0:
        raise InvalidOrderData(f"{path} must not be negative, got {value}")
    return value


def timestamp(parent: Mapping[str, Any] | None, key: str, path: str) -> datetime | None:
    value = parent.get(key) if parent is not None else None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidOrderData(f"{path} must be an ISO 8601 string, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidOrderData(f"{path} {value!r} is not an ISO 8601 timestamp") from None
    if moment.utcoffset() is None:
        raise InvalidOrderData(f"{path} {value!r} has no UTC offset")
    return moment.astimezone(UTC)


def required_timestamp(parent: Mapping[str, Any], key: str, path: str) -> datetime:
    moment = timestamp(parent, key, path)
    if moment is None:
        raise InvalidOrderData(f"{path} is missing")
    return moment


def currency_of(value: Any, path: str) -> str | None:
    """The ``currency`` of an Amount, or None when the amount is absent."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be an amount object")
    code = value.get("currency")
    if not isinstance(code, str) or len(code.strip()) != 3 or not code.strip().isalpha():
        raise InvalidOrderData(f"{path}.currency {code!r} is not an ISO 4217 code")
    return code.strip().upper()


def amount(value: Any, path: str, currency: str) -> Decimal:
    """An Amount's ``value`` in the order currency, exactly as sent; absent is zero.

    Amounts are decimal strings in the schema; a JSON number may have lost precision on
    the way, so it is refused rather than trusted.
    """
    if value is None:
        return Decimal(0)
    code = currency_of(value, path)
    if code != currency:
        raise InvalidOrderData(f"{path} is in {code}, the order in {currency}")
    raw = value.get("value")
    if not isinstance(raw, str):
        raise InvalidOrderData(f"{path}.value must be a decimal string, got {raw!r}")
    try:
        parsed = Decimal(raw.strip())
    except InvalidOperation:
        raise InvalidOrderData(f"{path}.value {raw!r} is not a number") from None
    if not parsed.is_finite():
        raise InvalidOrderData(f"{path}.value {raw!r} is not finite")
    return parsed
