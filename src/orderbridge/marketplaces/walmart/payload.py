"""Readers for the fields of a Walmart order payload; each names the field it rejects.

Walmart sends dates as epoch milliseconds, quantities as decimal strings and money as
JSON numbers. The standard JSON decoder turns a number into a float, whose ``repr`` is
the shortest decimal that reads back as the same float: for any amount of up to fifteen
significant digits that is exactly the literal Walmart sent, so the ``Decimal`` built from
it is exact. Money never leaves this module as a float.
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


def mapping(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be an object, got {type(value).__name__}")
    return value


def required_mapping(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = mapping(obj, key, path)
    if value is None:
        raise InvalidOrderData(f"{path} is missing")
    return value


def items(obj: Mapping[str, Any] | None, key: str, path: str) -> list[Mapping[str, Any]]:
    """A list of objects; absent is empty."""
    value = obj.get(key) if obj is not None else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidOrderData(f"{path} must be a list, got {type(value).__name__}")
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise InvalidOrderData(f"{path}[{index}] must be an object")
    return value


def epoch_ms(obj: Mapping[str, Any], key: str, path: str) -> datetime | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        # getAnOrder's schema (not its example) types orderDate as a date-time string.
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidOrderData(f"{path} {value!r} is not a date") from None
        if moment.utcoffset() is None:
            raise InvalidOrderData(f"{path} {value!r} has no UTC offset")
        return moment.astimezone(UTC)
    # bool is an int in Python; a date never is.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOrderData(f"{path} must be epoch milliseconds (an integer), got {value!r}")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidOrderData(f"{path} {value!r} is not a usable date") from None


def required_epoch_ms(obj: Mapping[str, Any], key: str, path: str) -> datetime:
    moment = epoch_ms(obj, key, path)
    if moment is None:
        raise InvalidOrderData(f"{path} is missing")
    return moment


def quantity(obj: Mapping[str, Any] | None, path: str) -> int:
    """A ``{unitOfMeasurement, amount}`` quantity as whole units."""
    if obj is None:
        raise InvalidOrderData(f"{path} is missing")
    unit = obj.get("unitOfMeasurement")
    if unit is not None and unit not in ("EACH", "EA"):
        raise InvalidOrderData(f"{path}.unitOfMeasurement {unit!r} is not EACH or EA")
    raw = obj.get("amount")
    if isinstance(raw, bool):
        raise InvalidOrderData(f"{path}.amount must be a whole number, got {raw!r}")
    if isinstance(raw, int):
        count = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        count = int(raw.strip())
    else:
        raise InvalidOrderData(f"{path}.amount must be a whole number, got {raw!r}")
    if count < 0:
        raise InvalidOrderData(f"{path}.amount must not be negative, got {count}")
    return count


def decimal_amount(value: Any) -> Decimal:
    """A JSON number (or a decimal string) as an exact Decimal; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{value!r} is not a number")
    try:
        parsed = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not finite")
    return parsed


def money(value: Any, path: str, currency: str | None = None) -> tuple[Decimal, str]:
    """A ``{currency, amount}`` object; checks the currency when one is expected."""
    if not isinstance(value, Mapping):
        raise InvalidOrderData(f"{path} must be a money object, got {type(value).__name__}")
    code = value.get("currency")
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
        raise InvalidOrderData(f"{path}.currency {code!r} is not an ISO 4217 code")
    if currency is not None and code != currency:
        raise InvalidOrderData(f"{path} is in {code}, the order in {currency}")
    try:
        return decimal_amount(value.get("amount")), code
    except ValueError as exc:
        raise InvalidOrderData(f"{path}.amount: {exc}") from None
