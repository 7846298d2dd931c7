"""Reading the fields of a write request; each refusal is Walmart's 400 naming the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from orderbridge.sandbox.walmart.errors import invalid_content


def obj(parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise invalid_content(f"{path} is required and must be an object.", path)
    return value


def entries(parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    value = parent.get(key)
    if not isinstance(value, list) or not value:
        raise invalid_content(f"{path} is required and must be a non-empty list.", path)
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise invalid_content(f"{path}[{index}] must be an object.", path)
    return value


def required_text(parent: dict[str, Any], key: str, path: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value.strip():
        raise invalid_content(f"{path} is required and must be a non-empty string.", path)
    return value


def optional_text(parent: dict[str, Any], key: str, path: str) -> str | None:
    if parent.get(key) is None:
        return None
    return required_text(parent, key, path)


def quantity(parent: dict[str, Any], path: str) -> int:
    """A ``statusQuantity``: EACH or EA, a positive whole number written as a string."""
    value = obj(parent, "statusQuantity", path)
    if value.get("unitOfMeasurement") not in ("EACH", "EA"):
        raise invalid_content(f"{path}.unitOfMeasurement must be EACH or EA.", path)
    amount = value.get("amount")
    if not isinstance(amount, str) or not amount.isdigit() or int(amount) < 1:
        raise invalid_content(
            f"{path}.amount must be a positive whole number written as a string.", path
        )
    return int(amount)


def cents(value: Any, path: str) -> int:
    """A JSON number of dollars as whole cents; more than two decimals are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_content(f"{path} must be a number.", path)
    try:
        # repr gives back the literal sent for any amount of fifteen digits or fewer.
        dollars = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise invalid_content(f"{path} must be a number.", path) from None
    scaled = dollars * 100
    if scaled != scaled.to_integral_value():
        raise invalid_content(f"{path} has more than two decimals.", path)
    return int(scaled)


def flag(parent: dict[str, Any], key: str, path: str) -> bool:
    value = parent.get(key, False)
    if not isinstance(value, bool):
        raise invalid_content(f"{path} must be true or false.", path)
    return value
