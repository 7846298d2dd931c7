"""orderbridge's cancel and refund reasons → Walmart's ``cancellationReason`` and
``refundReason`` values.

Walmart takes five cancellation reasons only, and says two of them are not the seller's
to choose freely: ``CUSTOMER_REQUESTED_SELLER_TO_CANCEL`` is for orders the customer asked
to cancel (Walmart flags those lines ``intentToCancel``), and
``SELLER_CANCEL_FRAUD_STOP_SHIPMENT`` is for orders Walmart's risk team confirmed as fraud
after the seller reported them. A suspicion of fraud, an exchange or a "general" reason
has no Walmart equivalent, so those cancellations are refused with what to do instead;
sending the nearest code would misreport the seller's performance.

Every refund reason has a Walmart value; ``Others`` takes an out-of-stock refund, which
on Walmart can only concern units already shipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.marketplaces.errors import PermanentError

CANCEL_REASONS: Mapping[CancelReason, str] = MappingProxyType(
    {
        CancelReason.OUT_OF_STOCK: "SELLER_CANCEL_OUT_OF_STOCK",
        CancelReason.PRICING_ERROR: "SELLER_CANCEL_PRICING_ERROR",
        CancelReason.ADDRESS_UNDELIVERABLE: "SELLER_CANCEL_ADDRESS_NOT_SERVICEABLE",
        # A carrier that cannot serve the address is the address not being serviceable.
        CancelReason.CARRIER_CANNOT_DELIVER: "SELLER_CANCEL_ADDRESS_NOT_SERVICEABLE",
        CancelReason.BUYER_REQUESTED: "CUSTOMER_REQUESTED_SELLER_TO_CANCEL",
    }
)

_CANCEL_REFUSALS: Mapping[CancelReason, str] = MappingProxyType(
    {
        CancelReason.FRAUD_SUSPECTED: (
            "Walmart does not let sellers cancel for suspected fraud: report the order to "
            "Walmart's Risk Prevention team (MPFraudReq@customercare.walmart.com), which "
            "cancels it when the fraud is confirmed"
        ),
        CancelReason.BUYER_EXCHANGE: (
            "Walmart has no cancellation reason for an exchange: cancel with the reason that "
            "applies (out_of_stock, pricing_error, address_undeliverable, buyer_requested)"
        ),
        CancelReason.GENERAL: (
            "Walmart needs a specific cancellation reason: send out_of_stock, pricing_error, "
            "address_undeliverable, carrier_cannot_deliver or buyer_requested"
        ),
    }
)

REFUND_REASONS: Mapping[RefundReason, str] = MappingProxyType(
    {
        RefundReason.CUSTOMER_RETURN: "Customer returned item",
        RefundReason.NOT_RECEIVED: "ItemNotReceivedByCustomer",
        RefundReason.DAMAGED: "DamagedItem",
        RefundReason.OUT_OF_STOCK: "Others",
        RefundReason.BUYER_CANCELED: "Buyer canceled",
        RefundReason.SHIPPING_ADJUSTMENT: "IncorrectShippingPrice",
        RefundReason.GENERAL: "General adjustment",
    }
)


def cancellation_reason(reason: CancelReason, operation: str) -> str:
    """Walmart's code for ``reason``, or a PermanentError saying what to send instead."""
    code = CANCEL_REASONS.get(reason)
    if code is not None:
        return code
    explanation = _CANCEL_REFUSALS.get(reason, f"Walmart takes no cancellation for {reason}")
    raise PermanentError(f"cancel reason {reason.value!r}: {explanation}", operation=operation)


def refund_reason(reason: RefundReason) -> str:
    return REFUND_REASONS[reason]
