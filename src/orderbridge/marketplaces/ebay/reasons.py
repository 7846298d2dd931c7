"""orderbridge's cancel and refund reasons → eBay's own enumerations.

``CANCEL_REASONS`` fills the Post-Order API's ``cancelReason`` (``CancelReasonEnum``); a
seller may give only ``ADDRESS_ISSUES``, ``BUYER_ASKED_CANCEL``, ``ORDER_UNPAID`` and
``OUT_OF_STOCK_OR_CANNOT_FULFILL``. eBay counts a seller cancellation against the seller
unless the buyer asked for it, and no reason is bent to avoid that: everything the seller
cannot or will not fulfil is ``OUT_OF_STOCK_OR_CANNOT_FULFILL``.

``REFUND_REASONS`` fills ``reasonForRefund`` of ``issueRefund`` (``ReasonForRefundEnum``).
A damaged item is "not as described" in eBay's terms; a refund for an item the seller could
not send is a seller cancellation.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from orderbridge.domain.fulfilment import CancelReason, RefundReason

CANCEL_REASONS: Mapping[CancelReason, str] = MappingProxyType(
    {
        CancelReason.OUT_OF_STOCK: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
        CancelReason.BUYER_REQUESTED: "BUYER_ASKED_CANCEL",
        CancelReason.ADDRESS_UNDELIVERABLE: "ADDRESS_ISSUES",
        CancelReason.CARRIER_CANNOT_DELIVER: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
        CancelReason.PRICING_ERROR: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
        CancelReason.FRAUD_SUSPECTED: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
        CancelReason.BUYER_EXCHANGE: "BUYER_ASKED_CANCEL",
        CancelReason.GENERAL: "OUT_OF_STOCK_OR_CANNOT_FULFILL",
    }
)

REFUND_REASONS: Mapping[RefundReason, str] = MappingProxyType(
    {
        RefundReason.CUSTOMER_RETURN: "BUYER_RETURN",
        RefundReason.NOT_RECEIVED: "ITEM_NOT_RECEIVED",
        RefundReason.DAMAGED: "ITEM_NOT_AS_DESCRIBED",
        RefundReason.OUT_OF_STOCK: "SELLER_CANCEL",
        RefundReason.BUYER_CANCELED: "BUYER_CANCEL",
        RefundReason.SHIPPING_ADJUSTMENT: "SHIPPING_DISCOUNT",
        RefundReason.GENERAL: "OTHER_ADJUSTMENT",
    }
)
