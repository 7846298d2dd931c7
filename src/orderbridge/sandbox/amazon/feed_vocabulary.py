"""Values the order feeds accept, modelled from documentation rather than a spec file.

Amazon's XSDs (OrderAcknowledgement.xsd, OrderAdjustment.xsd) are not among the saved specs;
the CancelReason list is the one the specs README (§1, "Cancellation, refunds, returns")
quotes from the XSD; the AdjustmentReason list follows the same README's examples plus the
reasons of the OrderAdjustment XSD as public integrations use them. Price components are the
ones the simulator can cap against what the buyer paid.
"""

from __future__ import annotations

CANCEL_REASONS: frozenset[str] = frozenset(
    {
        "NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled",
        "GeneralAdjustment", "CarrierCreditDecision", "RiskAssessmentInformationNotValid",
        "CarrierCoverageFailure", "CustomerReturn", "MerchandiseNotReceived",
    }
)  # fmt: skip

ADJUSTMENT_REASONS: frozenset[str] = frozenset(
    {
        "NoInventory", "CustomerReturn", "GeneralAdjustment", "CouldNotShip", "DifferentItem",
        "Abandoned", "CustomerCancel", "BuyerCanceled", "PriceError", "ProductOutofStock",
        "CustomerAddressIncorrect", "Exchange", "Other", "CarrierCreditDecision",
        "RiskAssessmentInformationNotValid", "CarrierCoverageFailure", "TransactionRecord",
        "Undeliverable", "RefusedDelivery",
    }
)  # fmt: skip

# component types the simulator records a charge for; a refund of a type whose charge is
# zero here (the generated orders carry no separate shipping tax or gift wrap) is too large
PRICE_COMPONENTS: tuple[str, ...] = (
    "Principal",
    "Shipping",
    "Tax",
    "ShippingTax",
    "GiftWrap",
    "GiftWrapTax",
)
