"""The simulated retailer's offers on bol: products with valid EAN-13s, prices in euros.

EANs carry a correct check digit and are derived from the product's number, so they are
stable across seeds. Each offer has a bol ``offerId`` (a UUID derived from the EAN) and,
for most, the retailer's own ``reference`` (its SKU); a few offers have none, as happens
when a retailer never filled it in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Offer:
    ean: str
    title: str
    price: Decimal
    offer_id: str
    reference: str | None


def ean13(body: str) -> str:
    """``body`` (12 digits) with its EAN-13 check digit."""
    weights = (1, 3) * 6
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + str((10 - total % 10) % 10)


_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("Philips Hue White Ambiance E27 - 2 stuks", "39.99"),
    ("Tefal Ingenio pannenset 3-delig", "79.95"),
    ("LEGO Classic Creatieve Opbergdoos 10696", "34.99"),
    ("Koffiebonen Arabica 1 kg - donker gebrand", "17.49"),
    ("Rugzak 25L waterafstotend - zwart", "44.95"),
    ("Boek - De avond is ongemak", "22.50"),
    ("Bluetooth koptelefoon over-ear met ANC", "89.00"),
    ("Yogamat extra dik 183 x 61 cm - grijs", "24.99"),
    ("Dekbedovertrek katoen 240 x 220 cm", "49.95"),
    ("USB-C oplader 65W GaN", "29.99"),
    ("Speelgoed houten treinset 40-delig", "59.95"),
    ("Thermosfles RVS 750 ml", "19.95"),
)


def _offer(number: int, title: str, price: str) -> Offer:
    ean = ean13(f"871{number:09d}")
    offer_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bol-sandbox-offer:{ean}"))
    # Every fourth offer has no reference of the retailer's.
    reference = None if number % 4 == 3 else f"SKU-{number:04d}"
    return Offer(ean, title, Decimal(price), offer_id, reference)


CATALOGUE: tuple[Offer, ...] = tuple(
    _offer(number, title, price) for number, (title, price) in enumerate(_PRODUCTS)
)
