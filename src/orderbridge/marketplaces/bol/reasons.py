"""orderbridge's cancel reasons → the ``reasonCode`` of bol.com's order-item cancellation.

bol counts a retailer's cancellations against its service score, except those the
customer asked for, so each reason takes the closest code and none is dressed up:
``REQUESTED_BY_CUSTOMER`` only where the buyer did ask. bol has no codes for an
undeliverable address, a carrier that cannot deliver or suspected fraud; they go as
``OTHER``. An item whose customer asked bol to cancel it (``cancellationRequest``) is
always confirmed with ``REQUESTED_BY_CUSTOMER``, whatever reason the OMS gave: that is
what happened, and bol expects that code to confirm the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from orderbridge.domain.fulfilment import CancelReason

CUSTOMER_REQUEST = "REQUESTED_BY_CUSTOMER"

CANCEL_REASONS: Mapping[CancelReason, str] = MappingProxyType(
    {
        CancelReason.OUT_OF_STOCK: "OUT_OF_STOCK",
        CancelReason.BUYER_REQUESTED: CUSTOMER_REQUEST,
        CancelReason.ADDRESS_UNDELIVERABLE: "OTHER",
        CancelReason.CARRIER_CANNOT_DELIVER: "OTHER",
        CancelReason.PRICING_ERROR: "INCORRECT_PRICE",
        CancelReason.FRAUD_SUSPECTED: "OTHER",
        # The buyer asked for another article instead: still the buyer's request.
        CancelReason.BUYER_EXCHANGE: CUSTOMER_REQUEST,
        CancelReason.GENERAL: "OTHER",
    }
)


def reason_code(reason: CancelReason, *, customer_requested: bool) -> str:
    """The code to send for one item; a customer's pending request decides it."""
    return CUSTOMER_REQUEST if customer_requested else CANCEL_REASONS[reason]
