"""Working out the carrier from a tracking number, when the OMS sends none.

The number is normalised, matched against every format in :mod:`.formats` (check digits
included), and the carriers whose formats fit are the candidates. One candidate is the
answer. Several happen only among plain-digit formats of the same length:

* 12 digits: FedEx Express, DHL Paket (Identcode) and GLS, when more than one check
  digit rule holds;
* 14 digits: DPD (no check digit in the number) and Hermes Germany;
* 15 digits: FedEx Ground and DPD with its check character written as a digit;
* 16 digits: Canada Post and Evri (no check digit);
* 20 digits starting ``00`` (an SSCC): FedEx Ground and USPS.

The ship-to country then keeps the carriers at home there (:data:`HOME_COUNTRIES`); if
that leaves exactly one, it is the answer, otherwise the answer is ``None``: orderbridge
does not guess a carrier.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from types import MappingProxyType

from orderbridge.domain.carriers.carrier import Carrier
from orderbridge.domain.carriers.formats import FORMATS, Kind, TrackingFormat


def _countries(codes: str) -> frozenset[str]:
    return frozenset(codes.split())


# The countries where a carrier's numbers are taken as its own when the number alone
# cannot tell: another carrier's plain format fits it too, or the format is loose. A
# carrier whose formats are all distinctive never needs an entry.
HOME_COUNTRIES: Mapping[Carrier, frozenset[str]] = MappingProxyType(
    {
        Carrier.USPS: _countries("US PR VI GU AS MP"),
        Carrier.FEDEX: _countries("US CA MX"),
        Carrier.DHL_PAKET: _countries("DE"),
        Carrier.GLS: _countries("AT BE CZ DE DK ES FR HR HU IE IT LU NL PL PT RO SI SK"),
        Carrier.DPD: _countries("AT BE CH CZ DE EE FR GB HR HU IE LT LU LV NL PL PT SI SK"),
        Carrier.HERMES_DE: _countries("DE"),
        Carrier.CANADA_POST: _countries("CA"),
        Carrier.EVRI: _countries("GB"),
    }
)

# Hyphen-minus and the Unicode hyphens and dashes (U+2010 to U+2015) that word
# processors and spreadsheets put in their place.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")


def normalise_tracking_number(tracking_number: str) -> str:
    """The number as carriers' formats are written: no spaces or dashes, upper case."""
    return _SEPARATORS.sub("", tracking_number).upper()


def identify_carrier(
    tracking_number: str,
    *,
    country: str | None = None,
    among: Collection[Carrier] | None = None,
) -> Carrier | None:
    """The carrier whose format and check digit the tracking number fits, or ``None``.

    ``country`` is the ship-to country (ISO 3166 alpha-2). It decides only between
    carriers that share a plain-digit format (see the module docstring for which); a
    number that fits no format, fits only with a wrong check digit, or stays ambiguous
    after the country gives ``None``.

    A loose format (DPD's 14 digits and Evri's 16, which have no check digit, and GLS's
    8-character Track ID) is not counted when the ship-to country is given and the
    carrier is not at home there: too many strings fit it to count as evidence.

    ``among`` keeps only those carriers in the running: the networks of a brand the OMS
    named ("DHL"), so that another carrier's format cannot win.
    """
    number = normalise_tracking_number(tracking_number)
    if not number:
        return None
    country = country.strip().upper() if country else None
    fits = [
        (fmt, carrier)
        for fmt in FORMATS
        if (carrier := fmt.carrier_of(number)) and (among is None or carrier in among)
    ]
    if any(fmt.kind is Kind.PREFIXED for fmt, _ in fits):
        fits = [(fmt, carrier) for fmt, carrier in fits if fmt.kind is Kind.PREFIXED]
    if country:
        fits = [(fmt, carrier) for fmt, carrier in fits if _counts_in(fmt, carrier, country)]
    return _decide({carrier for _, carrier in fits}, country)


def _at_home(carrier: Carrier, country: str) -> bool:
    return country in HOME_COUNTRIES.get(carrier, frozenset())


def _counts_in(fmt: TrackingFormat, carrier: Carrier, country: str) -> bool:
    return not fmt.loose or _at_home(carrier, country)


def _decide(candidates: set[Carrier], country: str | None) -> Carrier | None:
    if len(candidates) == 1:
        return next(iter(candidates))
    if not candidates or country is None:
        return None
    at_home = {carrier for carrier in candidates if _at_home(carrier, country)}
    return next(iter(at_home)) if len(at_home) == 1 else None
