"""The tracking-number formats orderbridge recognises, each with its check-digit rule.

A format is a pattern over the normalised number (no spaces or dashes, upper case) and,
where the carrier has one, a check-digit test. Formats are of two kinds:

* **prefixed**: a prefix or letters that no other carrier's numbers share (``1Z``, ``TBA``,
  an S10 country suffix, ``96`` before 20 digits …). When one of these fits, the plain
  formats are not consulted: a DHL Paket SSCC ``00340434…`` also passes the generic
  20-digit check, but its prefix says whose it is.
* **plain**: digits only, where several carriers use the same length. The check digit
  separates most of them; what it cannot separate is left to the ship-to country.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from orderbridge.domain.carriers.carrier import Carrier
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


class Kind(Enum):
    """Whether a format has a prefix or letters of its own, or is digits only."""

    PREFIXED = "prefixed"
    PLAIN = "plain"


# The national post behind each S10 country suffix that orderbridge has a carrier id for.
# S10 numbers of other countries' posts are real, but orderbridge has no id to give them.
S10_POSTS: dict[str, Carrier] = {
    "GB": Carrier.ROYAL_MAIL,
    "NL": Carrier.POSTNL,
    "US": Carrier.USPS,
    "FR": Carrier.COLISSIMO,
    "BE": Carrier.BPOST,
    "CA": Carrier.CANADA_POST,
    "DE": Carrier.DHL_PAKET,
}


@dataclass(frozen=True, slots=True)
class TrackingFormat:
    """One way a carrier writes its tracking numbers."""

    name: str
    kind: Kind
    pattern: re.Pattern[str]
    carrier: Carrier | Callable[[str], Carrier | None]
    check: Callable[[str], bool] | None = None  # None: the format has no check digit
    # So many strings fit (any 14 digits, any 8 letters and digits) that a match means
    # something only where the carrier delivers.
    loose: bool = False

    def carrier_of(self, number: str) -> Carrier | None:
        """The carrier, when ``number`` fits this format and its check digit holds."""
        if not self.pattern.fullmatch(number):
            return None
        if self.check is not None and not self.check(number):
            return None
        return self.carrier if isinstance(self.carrier, Carrier) else self.carrier(number)


def _last_digit_is(number: str, expected: int) -> bool:
    return number[-1].isdigit() and int(number[-1]) == expected


def _ups(number: str) -> bool:
    return _last_digit_is(number, ups_mod10(number[2:-1]))


def _ontrac(number: str) -> bool:
    return _last_digit_is(number, ups_mod10(number[:-1]))


def _gs1(number: str) -> bool:
    return _last_digit_is(number, gs1_mod10(number[:-1]))


def _s10(number: str) -> bool:
    return _last_digit_is(number[:11], s10_mod11(number[2:10]))


def _s10_post(number: str) -> Carrier | None:
    return S10_POSTS.get(number[-2:])


def _fedex_ground_96(number: str) -> bool:
    # 96, a two-digit SCNC and a three-digit service code precede the 14-digit package
    # number the check digit covers: the last 15 digits are a FedEx Ground number.
    return _gs1(number[-15:])


_IMPB_CHANNELS = frozenset({"91", "92", "93", "94", "95"})


def _impb(tracking: str) -> bool:
    return len(tracking) in (22, 26) and tracking[:2] in _IMPB_CHANNELS and _gs1(tracking)


def _usps_routed(number: str) -> bool:
    # 420 + ZIP (5 or 9 digits) routes the parcel; the tracking number after it carries
    # the check digit. 420 + ZIP5 + 26 digits and 420 + ZIP9 + 22 digits are both 34 long.
    return any(_impb(number[offset:]) for offset in (8, 12))


def _usps_20(number: str) -> bool:
    # The check digit covers the 19 digits as printed, or, for an IMpb number printed
    # without its 91 channel prefix, the 19 digits with 91 in front.
    body, check = number[:-1], int(number[-1])
    return check in (gs1_mod10(body), gs1_mod10("91" + body))


def _fedex_20(number: str) -> bool:
    # FedEx Ground Economy (SmartPost) prints its IMpb numbers without the 92 prefix that
    # its check digit was computed with.
    return _last_digit_is(number, gs1_mod10("92" + number[:-1]))


def _fedex_12(number: str) -> bool:
    return _last_digit_is(number, fedex_mod11(number[:-1]))


def _dhl_identcode(number: str) -> bool:
    return _last_digit_is(number, deutsche_post_mod10(number[:-1]))


def _gls_12(number: str) -> bool:
    return _last_digit_is(number, gls_mod10(number[:-1]))


def _dhl_express(number: str) -> bool:
    return _last_digit_is(number, dhl_express_mod7(number[:-1]))


def _dpd_check_char(number: str) -> bool:
    return iso7064_mod37_36(number[:-1]) == number[-1]


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


_PREFIXED, _PLAIN = Kind.PREFIXED, Kind.PLAIN

FORMATS: tuple[TrackingFormat, ...] = (
    TrackingFormat("UPS 1Z", _PREFIXED, _p(r"1Z[0-9A-Z]{16}"), Carrier.UPS, _ups),
    TrackingFormat("UPU S10", _PREFIXED, _p(r"[A-Z]{2}\d{9}[A-Z]{2}"), _s10_post, _s10),
    TrackingFormat("USPS IMpb", _PREFIXED, _p(r"9[1-5]\d{20}|9[1-5]\d{24}"), Carrier.USPS, _impb),
    TrackingFormat(
        "USPS IMpb with ZIP routing",
        _PREFIXED,
        _p(r"420\d{27}|420\d{31}"),
        Carrier.USPS,
        _usps_routed,
    ),
    TrackingFormat("FedEx Ground 96", _PREFIXED, _p(r"96\d{20}"), Carrier.FEDEX, _fedex_ground_96),
    TrackingFormat("DHL Paket JJD", _PREFIXED, _p(r"JJD\d{10,24}"), Carrier.DHL_PAKET),
    TrackingFormat("DHL Paket SSCC", _PREFIXED, _p(r"0034043[34]\d{12}"), Carrier.DHL_PAKET, _gs1),
    TrackingFormat("DHL eCommerce GM", _PREFIXED, _p(r"GM\d{10,37}"), Carrier.DHL_ECOMMERCE),
    TrackingFormat("PostNL 3S", _PREFIXED, _p(r"3S[A-Z]{4}\d{7,9}"), Carrier.POSTNL),
    TrackingFormat(
        "DPD with check character", _PREFIXED, _p(r"\d{14}[A-Z]"), Carrier.DPD, _dpd_check_char
    ),
    TrackingFormat("DPD barcode", _PREFIXED, _p(r"\d{27}[0-9A-Z]"), Carrier.DPD, _dpd_check_char),
    TrackingFormat(
        "GLS Track ID", _PREFIXED, _p(r"(?=.*[A-Z])[A-Z0-9]{8}"), Carrier.GLS, loose=True
    ),
    TrackingFormat("Evri H", _PREFIXED, _p(r"H[0-9A-Z]{15}"), Carrier.EVRI),
    TrackingFormat("Hermes Germany H", _PREFIXED, _p(r"H\d{19}"), Carrier.HERMES_DE),
    TrackingFormat("Amazon Logistics TBA", _PREFIXED, _p(r"TBA\d{12}"), Carrier.AMAZON_LOGISTICS),
    TrackingFormat("OnTrac", _PREFIXED, _p(r"[CD]\d{14}"), Carrier.ONTRAC, _ontrac),
    TrackingFormat("Colissimo", _PREFIXED, _p(r"\d[A-Z]\d{11}"), Carrier.COLISSIMO),
    TrackingFormat(
        "bpost", _PREFIXED, _p(r"(?:3232|3299)\d{20}|3232\d{14}|JJBEA\d{22}"), Carrier.BPOST
    ),
    TrackingFormat("DHL Express", _PLAIN, _p(r"\d{10}"), Carrier.DHL_EXPRESS, _dhl_express),
    TrackingFormat("FedEx Express 12", _PLAIN, _p(r"\d{12}"), Carrier.FEDEX, _fedex_12),
    TrackingFormat("DHL Paket Identcode", _PLAIN, _p(r"\d{12}"), Carrier.DHL_PAKET, _dhl_identcode),
    TrackingFormat("GLS parcel number", _PLAIN, _p(r"\d{12}"), Carrier.GLS, _gls_12),
    TrackingFormat("DPD parcel number", _PLAIN, _p(r"\d{14}"), Carrier.DPD, loose=True),
    TrackingFormat("Hermes Germany 14", _PLAIN, _p(r"\d{14}"), Carrier.HERMES_DE, _gs1),
    TrackingFormat("FedEx Ground 15", _PLAIN, _p(r"\d{15}"), Carrier.FEDEX, _gs1),
    TrackingFormat("DPD with check digit", _PLAIN, _p(r"\d{15}"), Carrier.DPD, _dpd_check_char),
    TrackingFormat("Canada Post 16", _PLAIN, _p(r"\d{16}"), Carrier.CANADA_POST, _gs1),
    TrackingFormat("Evri 16", _PLAIN, _p(r"\d{16}"), Carrier.EVRI, loose=True),
    TrackingFormat("USPS 20", _PLAIN, _p(r"\d{20}"), Carrier.USPS, _usps_20),
    TrackingFormat("FedEx Ground Economy 20", _PLAIN, _p(r"\d{20}"), Carrier.FEDEX, _fedex_20),
    TrackingFormat("FedEx Ground SSCC", _PLAIN, _p(r"00\d{18}"), Carrier.FEDEX, _gs1),
)
