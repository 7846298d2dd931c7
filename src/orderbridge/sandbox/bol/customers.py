"""Fictitious Dutch and Belgian customers, shaped like bol's ``shipmentDetails``.

Names take Dutch surname prefixes ("van der", "de") and a few non-ASCII letters so
encodings get exercised; Dutch postcodes are ``1234AB``, Belgian ones four digits, as
bol's contract describes. Emails are bol's scrambled relay addresses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    postcode: str  # a Dutch prefix "1012" gets two letters; a Belgian one is complete


FIRST_NAMES = (
    "Sanne", "Daan", "Emma", "Lars", "Fleur", "Bram", "Noor", "Jesse", "Lotte", "Thijs",
    "Zoë", "Ruben", "Elif", "Mohamed", "Anouk", "Sem", "Inès", "Wout", "Lieke", "Jaïr",
)  # fmt: skip
SURNAMES = (
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "de Jong", "Mulder",
    "van der Meer", "Peeters", "Janssens", "Maes", "Willems", "Claes", "Goossens",
    "Yılmaz", "El Amrani", "Hendriks", "van Dijk", "Dubois",
)  # fmt: skip
NL_STREETS = (
    "Dorpstraat", "Kerkstraat", "Molenweg", "Stationsplein", "Prinsengracht", "Lindelaan",
    "Julianastraat", "Beukenlaan",
)  # fmt: skip
BE_STREETS = ("Kerkstraat", "Stationsstraat", "Rue de la Gare", "Nieuwstraat", "Dorpsstraat")
NL_PLACES = (
    Place("Utrecht", "3511"), Place("Amsterdam", "1012"), Place("Rotterdam", "3011"),
    Place("Groningen", "9711"), Place("Eindhoven", "5611"), Place("Zwolle", "8011"),
    Place("Den Haag", "2511"), Place("Maastricht", "6211"),
)  # fmt: skip
BE_PLACES = (
    Place("Antwerpen", "2000"), Place("Gent", "9000"), Place("Brussel", "1000"),
    Place("Leuven", "3000"), Place("Brugge", "8000"), Place("Hasselt", "3500"),
)  # fmt: skip
EXTENSIONS = ("A", "B", "bis", "2hoog", "-1")
PICKUP_POINTS = ("Albert Heijn: UTRECHT", "PostNL-punt Primera: AMSTERDAM", "bpost: GENT")
COMPANIES = ("Bakkerij de Korenbloem B.V.", "Studio Noord", "Vof Jansen & Zn.")
_LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"


def customer(rng: random.Random, *, pickup_point: bool = False) -> dict[str, str]:
    """One ``ShipmentDetails`` (the delivery side; the billing side reuses most of it)."""
    belgian = rng.random() < 0.25
    place = rng.choice(BE_PLACES if belgian else NL_PLACES)
    first = rng.choice(FIRST_NAMES)
    surname = rng.choice(SURNAMES)
    letters = rng.choice(_LETTERS) + rng.choice(_LETTERS)
    postcode = place.postcode if belgian else f"{place.postcode[:2]}{rng.randint(10, 99)}{letters}"
    details = {
        "salutation": rng.choice(("MALE", "FEMALE", "UNKNOWN")),
        "firstName": first,
        "surname": surname,
        "streetName": rng.choice(BE_STREETS if belgian else NL_STREETS),
        "houseNumber": str(rng.randint(1, 240)),
        "zipCode": postcode,
        "city": place.city,
        "countryCode": "BE" if belgian else "NL",
        "email": f"{_scrambled(rng)}@verkopen.bol.com",
        "language": rng.choice(("nl-BE", "fr-BE")) if belgian else "nl",
    }
    if rng.random() < 0.15:
        details["houseNumberExtension"] = rng.choice(EXTENSIONS)
    if rng.random() < 0.08:
        details["company"] = rng.choice(COMPANIES)
    if rng.random() < 0.05:
        details["deliveryPhoneNumber"] = f"06{rng.randint(10_000_000, 99_999_999)}"
    if pickup_point:
        details["pickupPointName"] = rng.choice(PICKUP_POINTS)
    return details


def billing(rng: random.Random, shipment: dict[str, str]) -> dict[str, str]:
    """``BillingDetails``: mostly the same person; sometimes a business with its numbers."""
    keys = (
        *("salutation", "firstName", "surname", "streetName", "houseNumber"),
        *("houseNumberExtension", "zipCode", "city", "countryCode", "email", "company"),
    )
    details = {key: shipment[key] for key in keys if key in shipment}
    if "company" in details and details["countryCode"] == "NL":
        details["vatNumber"] = f"NL{rng.randint(100_000_000, 999_999_999)}B01"
        details["kvkNumber"] = str(rng.randint(10_000_000, 99_999_999))
    if rng.random() < 0.05:
        details["orderReference"] = f"PO-{rng.randint(1000, 9999)}"
    return details


def _scrambled(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(22))
