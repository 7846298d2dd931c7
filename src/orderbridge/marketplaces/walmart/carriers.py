"""orderbridge carrier ids → the ``carrier`` values Walmart accepts in a shipping update.

Walmart names a package's carrier in ``trackingInfo.carrierName``: either ``carrier``, one
of the fixed list below (the ``CarrierNameType`` enum of the Orders API), or
``otherCarrier`` with free text, which Walmart takes only together with a ``trackingURL``.

A free-text carrier name that is one of Walmart's own list (``"LaserShip"`` → ``LS``,
``"Estes"``) goes as that ``carrier``; any other name goes as ``otherCarrier`` when the OMS
reported the shipment's tracking page (``tracking_url``), and is refused with a clear error
otherwise: orderbridge never invents a tracking URL.

DHL Paket goes out as ``Deutsche Post``, whose German parcel tracking it uses, the same
reasoning as on Amazon.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

# Capabilities.other_carrier_code: the code the core gives a shipment whose carrier is
# outside CARRIER_CODES, with the free-text name beside it.
OTHER_CARRIER_CODE = "otherCarrier"

CARRIER_CODES: Mapping[str, str] = MappingProxyType(
    {
        "ups": "UPS",
        "usps": "USPS",
        "fedex": "FedEx",
        "dhl_express": "DHL",
        "dhl_ecommerce": "DHL Ecommerce - US",
        "dhl_paket": "Deutsche Post",
        "ontrac": "OnTrac",
        "gls": "GLS",
        "royal_mail": "Royal Mail",
        "canada_post": "Canada Post",
    }
)

# Every value of the Orders API's CarrierNameType.carrier enum.
WALMART_CARRIERS: frozenset[str] = frozenset(
    {
        *("UPS", "USPS", "FedEx", "Airborne", "OnTrac", "DHL Ecommerce - US", "DHL", "LS"),
        *("UDS", "UPSMI", "FDX", "PILOT", "ESTES", "SAIA", "FDS Express", "Seko Worldwide"),
        *("HIT Delivery", "FEDEXSP", "RL Carriers", "Metropolitan Warehouse & Delivery"),
        *("China Post", "YunExpress", "Yellow Freight Sys", "AIT Worldwide Logistics"),
        *("Chukou1", "Sendle", "Landmark Global", "Sunyou", "Yanwen", "4PX", "GLS"),
        *("OSM Worldwide", "FIRST MILE", "AM Trucking", "CEVA", "India Post", "SF Express"),
        *("CNE", "TForce Freight", "AxleHire", "LSO", "Royal Mail", "ABF Freight System"),
        *("WanB", "Roadrunner Freight", "Meyer Distribution", "AAA Cooper", "Canada Post"),
        *("Southeastern Freight Lines", "Japan Post", "Correos de Mexico", "XPO Logistics"),
        *("JD Logistics", "YDH", "JCEX", "Flyt", "Deutsche Post", "Better Trucks", "Asendia"),
        *("SFC", "UBI", "ePost Global", "YF Logistics", "RXO", "Estes Express", "Shypmax"),
        *("WIN.IT America", "PITT OHIO", "PostNord Sweden", "Equick", "Whistl", "Tusou"),
        *("Shiprocket", "DTDC", "PTS"),
    }
)

# Long names of the carriers Walmart lists by abbreviation (the enum's own description).
_SPELLED_OUT: Mapping[str, str] = {
    "lasership": "LS",
    "uniteddeliveryservice": "UDS",
    "upsmailinnovations": "UPSMI",
    "fedexsmartpost": "FEDEXSP",
    "dhlecommerce": "DHL Ecommerce - US",
    "lonestarovernight": "LSO",
}


def _squashed(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_SQUASHED: Mapping[str, str] = MappingProxyType(
    {**{_squashed(code): code for code in WALMART_CARRIERS}, **_SPELLED_OUT}
)


def walmart_carrier_named(name: str) -> str | None:
    """Walmart's ``carrier`` value for a free-text name, when the name is one of its list."""
    return _BY_SQUASHED.get(_squashed(name))
