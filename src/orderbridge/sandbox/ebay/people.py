"""Buyers and their addresses for generated orders, plausible for each marketplace.

Every address is made up; street names and postal codes match the city so the data looks
like a real shipping label. E-mail addresses use the reserved ``.invalid`` domain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Contact:
    full_name: str
    line1: str
    line2: str | None
    city: str
    state: str | None
    postal_code: str
    country: str
    phone: str
    email: str
    company: str | None = None


_FIRST = {
    "US": ("Emily", "James", "Olivia", "Michael", "Sophia", "Daniel", "Ava", "Ethan", "Grace"),
    "DE": ("Anna", "Lukas", "Marie", "Jonas", "Lea", "Felix", "Sophie", "Paul", "Hannah"),
}
_LAST = {
    "US": ("Johnson", "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Anderson", "Lee"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hofmann"),
}
_PLACES = {
    "US": (
        ("Austin", "TX", "78701", ("Congress Ave", "Lamar Blvd", "E 6th St")),
        ("Denver", "CO", "80202", ("Larimer St", "Blake St", "Wynkoop St")),
        ("Columbus", "OH", "43215", ("High St", "Gay St", "Broad St")),
        ("Raleigh", "NC", "27601", ("Fayetteville St", "Hargett St", "Salisbury St")),
        ("Madison", "WI", "53703", ("State St", "Johnson St", "Gorham St")),
    ),
    "DE": (
        ("Berlin", None, "10115", ("Invalidenstraße", "Chausseestraße", "Torstraße")),
        ("Hamburg", None, "20095", ("Mönckebergstraße", "Spitalerstraße", "Steinstraße")),
        ("München", None, "80331", ("Sendlinger Straße", "Rosenstraße", "Kaufingerstraße")),
        ("Köln", None, "50667", ("Hohe Straße", "Schildergasse", "Breite Straße")),
        ("Leipzig", None, "04109", ("Petersstraße", "Grimmaische Straße", "Hainstraße")),
    ),
}


def make_contact(rng: random.Random, country: str) -> Contact:
    first = rng.choice(_FIRST[country])
    last = rng.choice(_LAST[country])
    city, state, postal, streets = rng.choice(_PLACES[country])
    number = rng.randint(1, 240)
    if country == "US":
        line1 = f"{number} {rng.choice(streets)}"
        phone = f"+1 {rng.randint(201, 989)} 555 {rng.randint(1000, 9999)}"
        line2 = f"Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else None
    else:
        line1 = f"{rng.choice(streets)} {number}"
        phone = f"+49 {rng.randint(151, 179)} {rng.randint(1000000, 9999999)}"
        line2 = f"{rng.randint(1, 5)}. OG" if rng.random() < 0.2 else None
    handle = f"{first}.{last}".lower().replace("ü", "ue")
    return Contact(
        full_name=f"{first} {last}",
        line1=line1,
        line2=line2,
        city=city,
        state=state,
        postal_code=postal,
        country=country,
        phone=phone,
        email=f"{handle}{rng.randint(1, 99)}@example.invalid",
    )


def make_username(rng: random.Random, contact: Contact) -> str:
    stem = contact.full_name.split()[0].lower()
    return f"{stem}_{rng.randint(100, 9999)}"
