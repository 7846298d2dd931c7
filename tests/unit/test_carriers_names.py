"""Carrier names as OMSs write them become orderbridge's ids; unknown names stay unknown."""

from __future__ import annotations

import pytest

from orderbridge.domain.carriers import (
    DISPLAY_NAMES,
    Carrier,
    carrier_from_name,
    carriers_named,
    display_name,
)

C = Carrier


def test_the_ids_are_exactly_orderbridges_carrier_ids() -> None:
    assert {carrier.value for carrier in Carrier} == {
        "ups", "usps", "fedex", "dhl_express", "dhl_paket", "dhl_ecommerce", "postnl", "dpd",
        "gls", "royal_mail", "evri", "hermes_de", "amazon_logistics", "ontrac",
        "canada_post", "colissimo", "bpost",
    }  # fmt: skip


def test_every_carrier_has_a_display_name() -> None:
    assert set(DISPLAY_NAMES) == set(Carrier)
    assert display_name(C.DHL_PAKET) == "DHL Paket" == C.DHL_PAKET.display_name
    assert display_name(C.HERMES_DE) == "Hermes Germany"


@pytest.mark.parametrize("carrier", list(Carrier))
def test_ids_and_display_names_read_back_as_themselves(carrier: Carrier) -> None:
    assert carrier_from_name(carrier.value) is carrier
    assert carrier_from_name(carrier.display_name) is carrier


@pytest.mark.parametrize(
    ("name", "carrier"),
    [
        ("DHL Paket", C.DHL_PAKET),
        ("dhl paket international", C.DHL_PAKET),
        ("Deutsche Post DHL", C.DHL_PAKET),
        ("DHL Parcel", C.DHL_PAKET),
        ("DHL Express Worldwide", C.DHL_EXPRESS),
        ("DHL e-Commerce", C.DHL_ECOMMERCE),
        ("Royal Mail Tracked 48", C.ROYAL_MAIL),
        ("ROYALMAIL", C.ROYAL_MAIL),
        ("Hermes UK", C.EVRI),
        ("myHermes", C.EVRI),
        ("Hermes Germany", C.HERMES_DE),
        ("Amazon Shipping", C.AMAZON_LOGISTICS),
        ("AMZL", C.AMAZON_LOGISTICS),
        ("AMZL_US", C.AMAZON_LOGISTICS),
        ("UPS Ground", C.UPS),
        ("ups® 2nd day air", C.UPS),
        ("Fed-Ex Home Delivery", C.FEDEX),
        ("Federal Express", C.FEDEX),
        ("U.S. Postal Service", C.USPS),
        ("USPS Priority Mail", C.USPS),
        ("Post NL", C.POSTNL),
        ("  dpd predict ", C.DPD),
        ("GLS-Paket", C.GLS),
        ("Postes Canada", C.CANADA_POST),
        ("Colissimo Expert", C.COLISSIMO),
        ("BPost", C.BPOST),
        ("OnTrac Ground", C.ONTRAC),
    ],
)
def test_names_and_service_names_are_normalised(name: str, carrier: Carrier) -> None:
    assert carrier_from_name(name) is carrier


@pytest.mark.parametrize(
    "name",
    ["", "   ", "Yodel", "Parcelforce", "Upstate Couriers", "La Poste", "TNT", "Own fleet"],
)
def test_unknown_names_give_none(name: str) -> None:
    assert carrier_from_name(name) is None
    assert carriers_named(name) == frozenset()


def test_a_brand_of_several_networks_is_not_one_carrier() -> None:
    assert carriers_named("DHL") == {C.DHL_EXPRESS, C.DHL_PAKET, C.DHL_ECOMMERCE}
    assert carrier_from_name("DHL") is None
    assert carrier_from_name("DHL", country="DE") is None  # Express and Paket both deliver
    assert carriers_named("Hermes") == {C.EVRI, C.HERMES_DE}
    assert carrier_from_name("Hermes") is None


@pytest.mark.parametrize(
    ("country", "carrier"), [("GB", C.EVRI), ("gb", C.EVRI), ("DE", C.HERMES_DE), ("IT", None)]
)
def test_hermes_is_settled_by_the_ship_to_country(country: str, carrier: Carrier | None) -> None:
    assert carrier_from_name("Hermes", country=country) is carrier


def test_the_longest_matching_alias_wins() -> None:
    assert carrier_from_name("Hermes UK Standard") is C.EVRI
    assert carrier_from_name("DHL Paket") is C.DHL_PAKET
