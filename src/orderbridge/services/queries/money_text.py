"""Amounts as people and the OMS read them, whatever scale the database handed back."""

from __future__ import annotations

from decimal import Decimal

from orderbridge.domain.money import Money
from orderbridge.oms.document import money_value


def money_text(amount: Decimal, currency: str) -> str:
    """PostgreSQL returns NUMERIC(18,4) as "19.9900" and SQLite the text as stored;
    normalising first makes both "19.99", while a finer amount such as a 0.005 tax share
    stays exact."""
    return str(money_value(Money(amount.normalize(), currency))["amount"])
