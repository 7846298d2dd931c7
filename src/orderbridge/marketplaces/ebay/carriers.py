"""orderbridge carrier ids → the ``shippingCarrierCode`` values eBay accepts.

The values come from the Trading API's ``ShippingCarrierCodeType``, which the Fulfillment
API names as its list. Only carriers whose eBay code we are sure of are listed; any other
carrier goes as ``"Other"``. ``createShippingFulfillment`` has no field for a carrier's
name, so with ``"Other"`` the buyer sees the tracking number without the carrier, which is
still better than not telling eBay the order shipped.

DHL Paket and DHL Express both go as ``"DHL"``: eBay keeps one code for DHL's networks and
recognises the service from the tracking number.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

OTHER_CARRIER_CODE = "Other"

CARRIER_CODES: Mapping[str, str] = MappingProxyType(
    {
        "ups": "UPS",
        "usps": "USPS",
        "fedex": "FedEx",
        "dhl_express": "DHL",
        "dhl_paket": "DHL",
        "dpd": "DPD",
        "gls": "GLS",
        "hermes_de": "Hermes",
        "royal_mail": "RoyalMail",
        "canada_post": "CanadaPost",
        "colissimo": "Colissimo",
        "ontrac": "OnTrac",
        "postnl": "PostNL",
    }
)
