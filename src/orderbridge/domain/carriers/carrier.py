"""orderbridge's carrier ids and their display names.

The ids are orderbridge's own vocabulary: the OMS may name a carrier any way it likes,
each marketplace connector maps these ids to its channel's codes, and nothing else
needs to know either side's spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Carrier(StrEnum):
    """A carrier orderbridge recognises by name and by tracking-number format."""

    UPS = "ups"
    USPS = "usps"
    FEDEX = "fedex"
    DHL_EXPRESS = "dhl_express"
    DHL_PAKET = "dhl_paket"
    DHL_ECOMMERCE = "dhl_ecommerce"
    POSTNL = "postnl"
    DPD = "dpd"
    GLS = "gls"
    ROYAL_MAIL = "royal_mail"
    EVRI = "evri"
    HERMES_DE = "hermes_de"
    AMAZON_LOGISTICS = "amazon_logistics"
    ONTRAC = "ontrac"
    CANADA_POST = "canada_post"
    COLISSIMO = "colissimo"
    BPOST = "bpost"

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES[self]


DISPLAY_NAMES: Mapping[Carrier, str] = MappingProxyType(
    {
        Carrier.UPS: "UPS",
        Carrier.USPS: "USPS",
        Carrier.FEDEX: "FedEx",
        Carrier.DHL_EXPRESS: "DHL Express",
        Carrier.DHL_PAKET: "DHL Paket",
        Carrier.DHL_ECOMMERCE: "DHL eCommerce",
        Carrier.POSTNL: "PostNL",
        Carrier.DPD: "DPD",
        Carrier.GLS: "GLS",
        Carrier.ROYAL_MAIL: "Royal Mail",
        Carrier.EVRI: "Evri",
        Carrier.HERMES_DE: "Hermes Germany",
        Carrier.AMAZON_LOGISTICS: "Amazon Logistics",
        Carrier.ONTRAC: "OnTrac",
        Carrier.CANADA_POST: "Canada Post",
        Carrier.COLISSIMO: "Colissimo",
        Carrier.BPOST: "bpost",
    }
)


def display_name(carrier: Carrier) -> str:
    """The carrier's name as a person writes it, for documentation and error messages."""
    return DISPLAY_NAMES[carrier]
