"""orderbridge's cancel and refund reasons → the reason codes of Amazon's order feeds.

``CANCEL_REASONS`` fills ``OrderAcknowledgement/Item/CancelReason`` and
``REFUND_REASONS`` fills ``OrderAdjustment/AdjustedItem/AdjustmentReason``. Amazon reads
the reason into the seller's performance metrics (a buyer-requested cancel is not the
seller's fault), so each orderbridge reason takes the closest Amazon code and none is
stretched to look better: ``GeneralAdjustment`` is the fallback where Amazon has no
match (its list has nothing for a pricing error or damaged goods).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from orderbridge.domain.fulfilment import CancelReason, RefundReason

CANCEL_REASONS: Mapping[CancelReason, str] = MappingProxyType(
    {
        CancelReason.OUT_OF_STOCK: "NoInventory",
        CancelReason.BUYER_REQUESTED: "BuyerCanceled",
        CancelReason.ADDRESS_UNDELIVERABLE: "ShippingAddressUndeliverable",
        CancelReason.CARRIER_CANNOT_DELIVER: "CarrierCoverageFailure",
        CancelReason.PRICING_ERROR: "GeneralAdjustment",
        CancelReason.FRAUD_SUSPECTED: "RiskAssessmentInformationNotValid",
        CancelReason.BUYER_EXCHANGE: "CustomerExchange",
        CancelReason.GENERAL: "GeneralAdjustment",
    }
)

REFUND_REASONS: Mapping[RefundReason, str] = MappingProxyType(
    {
        RefundReason.CUSTOMER_RETURN: "CustomerReturn",
        RefundReason.NOT_RECEIVED: "MerchandiseNotReceived",
        RefundReason.DAMAGED: "GeneralAdjustment",
        RefundReason.OUT_OF_STOCK: "NoInventory",
        RefundReason.BUYER_CANCELED: "BuyerCanceled",
        RefundReason.SHIPPING_ADJUSTMENT: "GeneralAdjustment",
        RefundReason.GENERAL: "GeneralAdjustment",
    }
)
