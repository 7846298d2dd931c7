"""Carrier codes the simulator accepts in confirmShipment's `packageDetail.carrierCode`.

Where they come from: ordersV0.json only says carrierCode is required and points to Amazon's
CarrierCode announcement; the values themselves are Amazon's published carrier list (the
CarrierCode enumeration of Amazon's feed base schema and Seller Central's carrier
drop-down), which is not among the saved specs. This is a subset of that list covering the
marketplaces the simulator knows, spelled as Amazon spells them. A carrier not listed is
sent as "Other" together with `carrierName`.

Codes are compared exactly; a code that differs only in letter case is refused with a hint.
"""

from __future__ import annotations

OTHER = "Other"

CARRIER_CODES: frozenset[str] = frozenset(
    {
        # North America
        "UPS", "UPSMI", "USPS", "FedEx", "FedEx SmartPost", "DHL", "DHL eCommerce",
        "DHL Global Mail", "OnTrac", "Lasership", "Canada Post", "Purolator",
        "Amazon Shipping",
        # Europe
        "DHL Home Delivery", "Deutsche Post", "Hermes", "Hermes Logistik Gruppe", "Evri",
        "Royal Mail", "Parcelforce", "Yodel", "DPD", "GLS", "PostNL", "bpost", "TNT",
        "Colissimo", "Chronopost", "La Poste", "Poste Italiane", "SDA", "BRT", "Correos",
        "SEUR", "Asendia",
        # Asia-Pacific
        "Japan Post", "Yamato Transport", "Sagawa Express", "Australia Post",
        OTHER,
    }
)  # fmt: skip

_BY_FOLDED = {code.casefold(): code for code in CARRIER_CODES}


def suggestion(code: str) -> str | None:
    """The accepted spelling of `code` when it differs only in case, else None."""
    return _BY_FOLDED.get(code.casefold())
