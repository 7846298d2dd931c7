"""Plain-digit numbers that fit several carriers: the ship-to country decides, or nobody does."""

from __future__ import annotations

import pytest

from orderbridge.domain.carriers import Carrier, identify_carrier

C = Carrier


@pytest.mark.parametrize(
    ("number", "country", "carrier"),
    [
        # FedEx's worked example of its 12-digit rule passes the DHL Identcode rule too.
        ("012345678983", None, None),
        ("012345678983", "US", C.FEDEX),
        ("012345678983", "DE", C.DHL_PAKET),
        ("012345678983", "de", C.DHL_PAKET),
        ("012345678983", "FR", None),  # neither is at home in France
        # Constructed to pass the FedEx and DHL rules and fail GLS's.
        ("201298450219", "DE", C.DHL_PAKET),
        ("201298450219", "CA", C.FEDEX),
        # A DHL Paket example that happens to pass all three 12-digit rules: in Germany
        # both DHL and GLS deliver, so it stays undecided there.
        ("201298452277", "DE", None),
        ("201298452277", "US", C.FEDEX),
        ("201298452277", "AT", C.GLS),
        # Canada Post's 16 digits with a valid check digit also fit Evri's 16 digits.
        ("2010505799436494", None, None),
        ("2010505799436494", "CA", C.CANADA_POST),
        ("2010505799436494", "GB", C.EVRI),
        # A FedEx Ground 15-digit number whose last digit is also DPD's check character
        # over the first 14 (constructed).
        ("041441760200076", None, None),
        ("041441760200076", "US", C.FEDEX),
        ("041441760200076", "NL", C.DPD),
        # A 20-digit SSCC: FedEx Ground accepts it, and it passes the USPS check.
        ("00000123450000000027", "US", None),
        ("00000123450000000027", "CA", C.FEDEX),
    ],
)
def test_the_ship_to_country_decides_between_plain_formats(
    number: str, country: str | None, carrier: Carrier | None
) -> None:
    assert identify_carrier(number, country=country) is carrier


def test_hermes_and_dpd_14_digits_stay_undecided_in_germany() -> None:
    # Every 14-digit number fits DPD (its parcel number has no check digit); this
    # published Hermes number passes Hermes's check too, and both deliver in Germany.
    assert identify_carrier("09133131530724", country="DE") is None
    assert identify_carrier("09133131530724") is None
    assert identify_carrier("09133131530724", country="GB") is C.DPD


def test_a_loose_format_needs_its_carrier_at_home() -> None:
    dpd_number = "01015026003653"  # no check character: fits only DPD's plain format
    assert identify_carrier(dpd_number) is C.DPD
    assert identify_carrier(dpd_number, country="DE") is C.DPD
    # Any 14 digits would fit; to a country DPD does not serve it is no evidence at all.
    assert identify_carrier(dpd_number, country="US") is None
    # The same holds for GLS's Track ID, which any 8 letters and digits would fit.
    assert identify_carrier("XHAX4HDA", country="DE") is C.GLS
    assert identify_carrier("XHAX4HDA", country="US") is None


def test_a_unique_checked_match_ignores_the_country() -> None:
    # A UPS or DHL Express number shipped anywhere is still theirs.
    assert identify_carrier("1Z999AA10123456784", country="DE") is C.UPS
    assert identify_carrier("3318810025", country="BR") is C.DHL_EXPRESS
