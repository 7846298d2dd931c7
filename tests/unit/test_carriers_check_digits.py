"""Each check-digit rule gives the digit printed on published tracking numbers."""

from __future__ import annotations

import pytest

from orderbridge.domain.carriers.check_digits import (
    deutsche_post_mod10,
    dhl_express_mod7,
    fedex_mod11,
    gls_mod10,
    gs1_mod10,
    iso7064_mod37_36,
    s10_mod11,
    ups_mod10,
)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("999AA1012345678", 4),  # 1Z999AA10123456784, UPS's customary example
        ("12345E660527223", 4),  # 1Z12345E6605272234, a UPS developer-kit test number
        ("5R8939035756712", 7),  # 1Z5R89390357567127
        ("C1103150000187", 9),  # OnTrac C11031500001879: same rule over C and 13 digits
    ],
)
def test_ups_mod10(body: str, check: int) -> None:
    assert ups_mod10(body) == check


def test_ups_mod10_reads_letters_as_their_table_digits() -> None:
    # A counts as 2 and K as 2 again (the table wraps every ten letters), so swapping
    # one for the other leaves the check digit alone while B (3) moves it.
    assert ups_mod10("999AA1012345678") == ups_mod10("999KK1012345678")
    assert ups_mod10("999AB1012345678") != ups_mod10("999AA1012345678")


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("940011120108080548301", 6),  # USPS IMpb 9400 1112 0108 0805 4830 16
        ("04144176022896", 4),  # FedEx Ground 0414 4176 0228 964
        ("0034043383644263659", 7),  # DHL Paket SSCC 00340433836442636597
        ("007393800054929", 7),  # Canada Post 0073938000549297
        ("0001234500000000002", 7),  # FedEx's worked SSCC example (00) 0 0012345 000000002 7
    ],
)
def test_gs1_mod10(digits: str, check: int) -> None:
    assert gs1_mod10(digits) == check


def test_gls_mod10_adds_one_to_the_gs1_sum() -> None:
    assert gls_mod10("84122517829") == 2  # GLS parcel number 841225178292
    assert gs1_mod10("84122517829") == 3


def test_deutsche_post_identcode() -> None:
    assert deutsche_post_mod10("20129845227") == 7  # DHL Paket 201298452277


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("01234567898", 3),  # FedEx's own worked example 012345678983
        ("98657878885", 5),
        ("47717908123", 0),
    ],
)
def test_fedex_mod11(digits: str, check: int) -> None:
    assert fedex_mod11(digits) == check


def test_fedex_mod11_turns_remainder_ten_into_zero() -> None:
    # From the right: 7 × 1 + 1 × 3 = 10, whose remainder mod 11 is 10; the check is 0.
    assert fedex_mod11("00000000017") == 0


@pytest.mark.parametrize(
    ("digits", "check"),
    [("331881002", 5), ("848713550", 6), ("109925599", 0)],  # DHL Express waybills
)
def test_dhl_express_mod7(digits: str, check: int) -> None:
    assert dhl_express_mod7(digits) == check


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("12345678", 5),  # RB123456785GB, the usual S10 illustration
        ("00000000", 5),  # weighted sum 0: 11 - 0 = 11, which S10 writes as 5
        ("10100000", 0),  # 8 + 4 = 12, remainder 1: 11 - 1 = 10, which S10 writes as 0
        ("00000001", 4),  # 7: 11 - 7 = 4
    ],
)
def test_s10_mod11(serial: str, check: int) -> None:
    assert s10_mod11(serial) == check


@pytest.mark.parametrize(
    ("chars", "check"),
    [
        ("01015026003653", "C"),  # DPD parcel number 01015026003653 C
        ("008182709980000020033350276", "C"),  # a full 28-character DPD label barcode
        ("008182709980000020045327276", "N"),
    ],
)
def test_iso7064_mod37_36(chars: str, check: str) -> None:
    assert iso7064_mod37_36(chars) == check
