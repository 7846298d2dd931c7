"""A tracking number alone names its carrier: by format, check digit and ship-to country.

Example numbers come from the carriers' own guides and public tracking-number
references (UPS's developer kit, FedEx's label specification, bpost's FAQ, German
check-digit guides, open tracking-number data sets). Those marked "constructed" were
made here with the carrier's published rule, as no printed example was found.
"""

from __future__ import annotations

import re

import pytest

from orderbridge.domain.carriers import Carrier, identify_carrier, normalise_tracking_number

C = Carrier

# (number, carrier, index of a digit the check digit covers)
CHECKED = [
    ("1Z999AA10123456784", C.UPS, 10),
    ("1Z12345E6605272234", C.UPS, 3),
    ("1Z5R89390357567127", C.UPS, 17),
    ("9400111201080805483016", C.USPS, 8),  # IMpb, 22 digits
    ("92748931507708513018050063", C.USPS, 12),  # IMpb, 26 digits
    ("420221539101026837331000039521", C.USPS, 20),  # 420 + ZIP5 + 22 digits
    ("4201002334249200190132607600833457", C.USPS, 25),  # 420 + ZIP9 + 22 digits
    ("03071790000523483741", C.USPS, 5),  # 20 digits, check digit as printed
    ("71969010756003077385", C.USPS, 5),  # 20 digits, check digit with 91 put back
    ("RB123456785US", C.USPS, 4),  # S10
    ("477179081230", C.FEDEX, 4),
    ("986578788855", C.FEDEX, 11),
    ("041441760228964", C.FEDEX, 6),  # Ground, 15 digits
    ("9611020987654312345672", C.FEDEX, 15),  # Ground 96
    ("61299998820821171811", C.FEDEX, 9),  # Ground Economy, 20 digits
    ("3318810025", C.DHL_EXPRESS, 2),
    ("8487135506", C.DHL_EXPRESS, 9),
    ("00340433836442636597", C.DHL_PAKET, 12),  # 20-digit SSCC with DHL's GS1 prefix
    ("RB123456785DE", C.DHL_PAKET, 6),  # S10 of Deutsche Post
    ("841225178292", C.GLS, 4),
    ("01015026003653C", C.DPD, 5),  # parcel number with its check character
    ("008182709980000020033350276C", C.DPD, 20),  # the full label barcode
    ("RB123456785GB", C.ROYAL_MAIL, 3),
    ("RB123456785NL", C.POSTNL, 3),
    ("RB123456785FR", C.COLISSIMO, 3),
    ("RB123456785BE", C.BPOST, 3),
    ("RB123456785CA", C.CANADA_POST, 3),
    ("C11031500001879", C.ONTRAC, 8),
    ("D10011354453707", C.ONTRAC, 14),
]


@pytest.mark.parametrize(("number", "carrier", "_"), CHECKED)
def test_published_numbers_are_identified(number: str, carrier: Carrier, _: int) -> None:
    assert identify_carrier(number) is carrier


def _one_digit_changed(number: str, index: int) -> str:
    digit = number[index]
    assert digit.isdigit(), f"{number}[{index}] is {digit!r}, not a digit"
    return number[:index] + str((int(digit) + 1) % 10) + number[index + 1 :]


@pytest.mark.parametrize(("number", "carrier", "index"), CHECKED)
def test_one_digit_changed_is_not_that_carrier(number: str, carrier: Carrier, index: int) -> None:
    assert identify_carrier(_one_digit_changed(number, index)) is not carrier


def _check_character_changed(number: str) -> str:
    # S10 numbers end in their country code; the check digit stands just before it.
    at = 10 if re.fullmatch(r"[A-Z]{2}\d{9}[A-Z]{2}", number) else len(number) - 1
    alphabet = "0123456789" if number[at].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    changed = alphabet[(alphabet.index(number[at]) + 1) % len(alphabet)]
    return number[:at] + changed + number[at + 1 :]


@pytest.mark.parametrize(("number", "carrier", "_"), CHECKED)
def test_wrong_check_character_is_not_that_carrier(number: str, carrier: Carrier, _: int) -> None:
    assert identify_carrier(_check_character_changed(number)) is not carrier


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("1z 999 aa1 01 2345 6784", "1Z999AA10123456784"),
        ("9400-1112-0108-0805-4830-16", "9400111201080805483016"),
        ("\t3318 810\u2013025\n", "3318810025"),  # an en dash from a spreadsheet
    ],
)
def test_spaces_dashes_and_case_do_not_matter(written: str, number: str) -> None:
    assert normalise_tracking_number(written) == number
    assert identify_carrier(written) is identify_carrier(number) is not None


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("TBA502887274000", C.AMAZON_LOGISTICS),
        ("JJD1410302937991", C.DHL_PAKET),
        ("GM2951173225174494", C.DHL_ECOMMERCE),
        ("3SDEVC123456789", C.POSTNL),  # constructed
        ("XHAX4HDA", C.GLS),  # Track ID
        ("329998745632147852365873", C.BPOST),
        ("323256984521032569", C.BPOST),
        ("JJBEA2356412012365478896541", C.BPOST),
        ("6A12345678901", C.COLISSIMO),  # constructed
        ("H01HYA0012345678", C.EVRI),  # constructed
        ("H1000730000000000001", C.HERMES_DE),  # constructed
    ],
)
def test_formats_without_check_digit_are_known_by_their_prefix(
    number: str, carrier: Carrier
) -> None:
    assert identify_carrier(number) is carrier


@pytest.mark.parametrize(
    "number",
    [
        "",
        "   ",
        "ORDER-12345",
        "1Z12345E0205271688",  # a UPS developer-kit test number whose check digit is wrong
        "RB123456785CV",  # valid S10 of a post orderbridge has no id for
        "EE123456789BE",  # bpost's FAQ illustration: its check digit would be 5
        "1Z999AA1012345678",  # one character short
        "TBA50288727400A",
    ],
)
def test_numbers_that_fit_nothing_give_none(number: str) -> None:
    assert identify_carrier(number) is None


def test_prefix_beats_a_plain_format_of_the_same_length() -> None:
    # DHL's SSCC also passes the generic 20-digit USPS check; its GS1 prefix decides.
    assert identify_carrier("00340433836442636597", country="US") is C.DHL_PAKET
