"""orderbridge carrier ids → the ``carrierCode`` values Amazon accepts in confirmShipment.

Keys are the values of ``orderbridge.domain.carriers.Carrier`` written as plain strings
(a StrEnum member finds its entry all the same). A carrier outside this table is sent
as ``"Other"`` with its name in ``carrierName``, which Amazon accepts but cannot track
as well as one of its own codes.

DHL Paket goes out as ``"Deutsche Post"``, not ``"DHL Home Delivery"``: DHL Paket is the
German parcel service of Deutsche Post (its Post & Paket Deutschland division), and its
tracking numbers belong to Deutsche Post's German parcel tracking, the service that code
stands for on Amazon.de.
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
        "dhl_paket": "Deutsche Post",
        "dhl_ecommerce": "DHL eCommerce",
        "postnl": "PostNL",
        "dpd": "DPD",
        "gls": "GLS",
        "royal_mail": "Royal Mail",
        "evri": "Evri",
        "hermes_de": "Hermes",
        "amazon_logistics": "Amazon Shipping",
        "ontrac": "OnTrac",
        "canada_post": "Canada Post",
        "colissimo": "Colissimo",
        "bpost": "bpost",
    }
)
