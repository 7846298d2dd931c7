"""Turning the carrier name an OMS writes ("DHL Paket", "UPS Ground", "Hermes UK") into an id.

OMSs name carriers in free text: with service names after them ("Royal Mail Tracked
48"), in any case, with or without spaces and punctuation ("Fed-Ex", "PostNL",
"U.S. Postal Service"), by an old or parent brand ("Hermes UK", "Deutsche Post DHL").
A name matches an alias when its leading words, written together without spaces, equal
the alias written the same way; the longest matching alias wins, so "DHL Express" is
DHL Express although "DHL" alone names a brand of three networks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from orderbridge.domain.carriers.carrier import Carrier

_C = Carrier

# Each alias is written as a person would; it is compared in lower case without spaces
# or punctuation, on whole words at the start of the name.
_ALIASES: dict[Carrier, tuple[str, ...]] = {
    _C.UPS: ("UPS", "United Parcel Service"),
    _C.USPS: (
        "USPS",
        "US Postal Service",
        "United States Postal Service",
        "US Mail",
        "Priority Mail",
        "First-Class Mail",
        "First-Class Package Service",
        "Ground Advantage",
        "Parcel Select",
        "Media Mail",
    ),
    _C.FEDEX: ("FedEx", "Federal Express"),
    _C.DHL_EXPRESS: ("DHL Express", "DHL Worldwide Express"),
    _C.DHL_PAKET: (
        "DHL Paket",
        "DHL Parcel",
        "DHL Packet",
        "DHL Germany",
        "DHL Deutschland",
        "DHL DE",
        "DHL Warenpost",
        "Deutsche Post",
        "Warenpost",
    ),
    _C.DHL_ECOMMERCE: ("DHL eCommerce", "DHL Global Mail", "DHL SmartMail"),
    _C.POSTNL: ("PostNL", "TNT Post"),
    _C.DPD: ("DPD", "Dynamic Parcel Distribution"),
    _C.GLS: ("GLS", "General Logistics Systems"),
    _C.ROYAL_MAIL: ("Royal Mail",),
    _C.EVRI: ("Evri", "Hermes UK", "Hermes GB", "myHermes", "Hermes Parcelnet"),
    _C.HERMES_DE: ("Hermes Germany", "Hermes DE", "Hermes Deutschland", "Hermes Logistik"),
    _C.AMAZON_LOGISTICS: ("Amazon Logistics", "Amazon Shipping", "AMZL", "Amazon"),
    _C.ONTRAC: ("OnTrac",),
    _C.CANADA_POST: ("Canada Post", "Postes Canada"),
    # "La Poste" alone is not here: it also sends letters, and was bpost's name too.
    _C.COLISSIMO: ("Colissimo", "La Poste Colissimo"),
    _C.BPOST: ("bpost", "Belgian Post"),
}

# Brands that stand for more than one of orderbridge's carriers.
_BRANDS: dict[str, frozenset[Carrier]] = {
    "DHL": frozenset({_C.DHL_EXPRESS, _C.DHL_PAKET, _C.DHL_ECOMMERCE}),
    "Hermes": frozenset({_C.EVRI, _C.HERMES_DE}),
}

# Where a brand's network is the brand's only one: Hermes's UK arm has been Evri since
# 2022, its German one is still Hermes.
_BRAND_COUNTRIES: dict[Carrier, frozenset[str]] = {
    _C.EVRI: frozenset({"GB"}),
    _C.HERMES_DE: frozenset({"DE"}),
}


def _words(text: str) -> tuple[str, ...]:
    # Accents are dropped so "Postes Canada" and "Postés Canada" are one name.
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return tuple(re.findall(r"[0-9a-z]+", plain.casefold()))


def _compact(text: str) -> str:
    return "".join(_words(text))


def _alias_table() -> Mapping[str, frozenset[Carrier]]:
    table: dict[str, frozenset[Carrier]] = {}
    for carrier, aliases in _ALIASES.items():
        for alias in (carrier.value, carrier.display_name, *aliases):
            table[_compact(alias)] = frozenset({carrier})
    for brand, carriers in _BRANDS.items():
        table[_compact(brand)] = carriers
    return MappingProxyType(table)


ALIASES: Mapping[str, frozenset[Carrier]] = _alias_table()


def carriers_named(name: str) -> frozenset[Carrier]:
    """Every carrier ``name`` may stand for.

    One carrier for a name that says which ("DHL Paket", "UPS Ground"); several for a
    brand with more than one network ("DHL", "Hermes"); none for a name orderbridge does
    not know.
    """
    best: frozenset[Carrier] = frozenset()
    leading = ""
    for word in _words(name):
        leading += word
        # Longer runs of leading words come later, so the longest alias wins.
        best = ALIASES.get(leading, best)
    return best


def carrier_from_name(name: str, *, country: str | None = None) -> Carrier | None:
    """orderbridge's id for a carrier name written by an OMS, or ``None`` if unknown.

    A brand with several networks gives ``None`` unless the ship-to ``country`` settles
    it ("Hermes" to GB is Evri, to DE Hermes Germany); "DHL" alone stays ``None``, since
    DHL Express, DHL Paket and DHL eCommerce all deliver in the same countries.
    """
    named = carriers_named(name)
    if len(named) == 1:
        return next(iter(named))
    if not named or not country:
        return None
    code = country.strip().upper()
    local = [carrier for carrier in named if code in _BRAND_COUNTRIES.get(carrier, ())]
    return local[0] if len(local) == 1 else None
