"""What the OMS asks for, whichever way it arrives (API, status file, polling).

Lines are named by the marketplace's line id or, failing that, by SKU; amounts are
Decimals in the order's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from orderbridge.domain.fulfilment import CancelReason, RefundReason


@dataclass(frozen=True, slots=True)
class LineRequest:
    quantity: int
    line_id: str | None = None
    sku: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    lines: tuple[LineRequest, ...] = ()  # empty: everything still open
    carrier: str | None = None  # free text from the OMS; wins over detection
    tracking_number: str | None = None
    shipping_method: str | None = None
    shipped_at: datetime | None = None
    reference: str | None = None  # the OMS's shipment id
    tracking_url: str | None = None  # the carrier's tracking page, where a channel wants it


@dataclass(frozen=True, slots=True)
class CancellationRequest:
    reason: CancelReason
    lines: tuple[LineRequest, ...] = ()  # empty: the whole order
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RefundLineRequest:
    quantity: int
    line_id: str | None = None
    sku: str | None = None
    # None: the line's own price for ``quantity`` units (shipping: nothing).
    item_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    tax_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RefundRequest:
    reason: RefundReason
    lines: tuple[RefundLineRequest, ...] = ()  # empty: everything shipped and not yet refunded
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Idempotency:
    """An ``Idempotency-Key`` with the scope it applies to and a hash of the request body."""

    scope: str
    key: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a request produced; ``replayed`` when an earlier request with its key did the work."""

    kind: str
    id: int
    order_id: int
    replayed: bool = False
    changed: bool = True
    messages: tuple[str, ...] = field(default_factory=tuple)
