"""Money as an exact decimal amount with its currency; floats never enter."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from orderbridge.domain.errors import InvalidOrderData

# ISO 4217 minor units for the currencies that have none or three; the rest use two.
_CHECKED_CURRENCIES: set[str] = set()
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Arithmetic across currencies is refused."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be Decimal, got {type(self.amount).__name__}")
        if self.currency not in _CHECKED_CURRENCIES:
            if (
                len(self.currency) != 3
                or not self.currency.isalpha()
                or not self.currency.isupper()
            ):
                raise InvalidOrderData(f"currency {self.currency!r} is not an ISO 4217 code")
            # Every order line makes several Money values; check each code once per process.
            _CHECKED_CURRENCIES.add(self.currency)

    @classmethod
    def parse(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from a marketplace's string amount; a float or garbage is refused."""
        if isinstance(amount, float):
            raise TypeError("Money refuses float amounts; pass the string from the payload")
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation as exc:
            raise InvalidOrderData(f"amount {amount!r} is not a number") from exc
        if not value.is_finite():
            raise InvalidOrderData(f"amount {amount!r} is not finite")
        return cls(value, currency.strip().upper())

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0"), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidOrderData(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.amount * factor, self.currency)

    def quantized(self) -> Money:
        """Rounded to the currency's minor unit (banker's rounding)."""
        exponent = Decimal(1).scaleb(-_MINOR_UNITS.get(self.currency, 2))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
