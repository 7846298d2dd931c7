"""Money stays exact and refuses floats and mixed currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.domain.money import Money


def test_string_amounts_stay_exact() -> None:
    total = Money.parse("0.10", "EUR") + Money.parse("0.20", "EUR")
    assert total.amount == Decimal("0.30")
    assert str(total) == "0.30 EUR"


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        Money.parse(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(0.1, "EUR")  # type: ignore[arg-type]


def test_currencies_do_not_mix() -> None:
    with pytest.raises(InvalidOrderData, match="EUR and USD"):
        Money.parse("1", "EUR") + Money.parse("1", "USD")


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", ""])
def test_garbage_amounts_are_refused(bad: str) -> None:
    with pytest.raises(InvalidOrderData):
        Money.parse(bad, "EUR")


def test_currency_must_be_iso() -> None:
    with pytest.raises(InvalidOrderData):
        Money.parse("1", "EURO")


def test_quantized_to_minor_unit() -> None:
    assert Money.parse("10.005", "EUR").quantized().amount == Decimal("10.00")
    assert Money.parse("10.5", "JPY").quantized().amount == Decimal("10")
