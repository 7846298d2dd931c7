"""The OMS's carrier name wins over the tracking number's format."""

from __future__ import annotations

from orderbridge.domain.carriers import Carrier, identify_carrier, resolve_carrier

C = Carrier


def test_a_named_carrier_wins_over_a_number_that_looks_like_another() -> None:
    # 3318810025 is a valid DHL Express waybill, but the OMS booked GLS.
    assert resolve_carrier(carrier_name="GLS", tracking_number="3318810025") is C.GLS


def test_without_a_name_the_number_decides() -> None:
    assert resolve_carrier(carrier_name=None, tracking_number="3318810025") is C.DHL_EXPRESS
    assert resolve_carrier(carrier_name="  ", tracking_number="1Z999AA10123456784") is C.UPS
    assert (
        resolve_carrier(carrier_name=None, tracking_number="012345678983", country="DE")
        is C.DHL_PAKET
    )


def test_an_unknown_name_is_not_replaced_by_a_guess_from_the_number() -> None:
    assert resolve_carrier(carrier_name="Yodel", tracking_number="1Z999AA10123456784") is None


def test_a_brand_name_lets_the_number_pick_among_its_networks() -> None:
    assert resolve_carrier(carrier_name="DHL", tracking_number="3318810025") is C.DHL_EXPRESS
    assert resolve_carrier(carrier_name="DHL", tracking_number="JJD1410302937991") is C.DHL_PAKET
    # FedEx's example also fits DHL's Identcode: with the name "DHL" only DHL counts.
    assert identify_carrier("012345678983") is None
    assert resolve_carrier(carrier_name="DHL", tracking_number="012345678983") is C.DHL_PAKET


def test_a_brand_name_with_a_number_of_another_carrier_stays_unknown() -> None:
    assert resolve_carrier(carrier_name="DHL", tracking_number="1Z999AA10123456784") is None
    assert resolve_carrier(carrier_name="DHL", tracking_number=None) is None


def test_hermes_is_settled_by_country_before_the_number() -> None:
    assert resolve_carrier(carrier_name="Hermes", tracking_number=None, country="GB") is C.EVRI
    assert (
        resolve_carrier(carrier_name="Hermes", tracking_number="H1000730000000000001")
        is C.HERMES_DE
    )


def test_nothing_given_is_nothing_known() -> None:
    assert resolve_carrier(carrier_name=None, tracking_number=None) is None
