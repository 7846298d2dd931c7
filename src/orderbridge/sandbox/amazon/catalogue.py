"""The simulated seller's catalogue: 50 SKUs (10 products in 5 variants each).

ASINs are derived from the SKU by hashing, so they are stable across runs and seeds and look
like Amazon's ("B0" + 8 upper-case alphanumerics). Base prices are US cents; a marketplace
converts them with its price factor.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    sku: str
    asin: str
    title: str
    base_price_cents: int


def asin_for(sku: str) -> str:
    digest = int.from_bytes(hashlib.sha1(sku.encode(), usedforsecurity=False).digest()[:8], "big")
    chars = []
    for _ in range(8):
        digest, rem = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[rem])
    return "B0" + "".join(chars)


# (sku stem, title, variant label, variants, base price in US cents)
_PRODUCTS: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("TSHIRT-ORG", "Organic Cotton T-Shirt", "Size", ("S", "M", "L", "XL", "XXL"), 1999),
    ("HOODIE-ZIP", "Zip Hoodie, Recycled Fleece", "Size", ("S", "M", "L", "XL", "XXL"), 4999),
    (
        "MUG-CER",
        "Ceramic Coffee Mug 350 ml",
        "Colour",
        ("WHITE", "BLACK", "SAGE", "RUST", "NAVY"),
        1450,
    ),
    (
        "BOTTLE-STL",
        "Insulated Steel Bottle 750 ml",
        "Colour",
        ("SILVER", "BLACK", "OCEAN", "FOREST", "SAND"),
        2899,
    ),
    ("CABLE-USBC", "Braided USB-C Cable", "Length", ("0.5M", "1M", "2M", "3M", "5M"), 999),
    ("CHARGER-GAN", "GaN Wall Charger", "Power", ("20W", "35W", "65W", "100W", "140W"), 2499),
    (
        "NOTEBOOK-A5",
        "Dotted Notebook A5, 160 pages",
        "Cover",
        ("KRAFT", "LINEN", "BLACK", "OLIVE", "CORAL"),
        1299,
    ),
    (
        "CANDLE-SOY",
        "Soy Wax Candle 200 g",
        "Scent",
        ("CEDAR", "LAVENDER", "FIG", "VANILLA", "SEA-SALT"),
        1899,
    ),
    (
        "SOCKS-MERINO",
        "Merino Hiking Socks (2 pairs)",
        "Size",
        ("35-38", "39-42", "43-46", "47-50", "KIDS"),
        2199,
    ),
    (
        "LAMP-LED",
        "Dimmable LED Desk Lamp",
        "Finish",
        ("MATTE-BLACK", "WHITE", "BRASS", "OAK", "GREY"),
        5499,
    ),
)


def _build() -> tuple[CatalogueItem, ...]:
    items = []
    for stem, title, label, variants, base in _PRODUCTS:
        for step, variant in enumerate(variants):
            sku = f"{stem}-{variant}"
            # bigger variants cost a little more, as real catalogues do
            price = base + step * (base // 10)
            items.append(CatalogueItem(sku, asin_for(sku), f"{title}, {label}: {variant}", price))
    return tuple(items)


CATALOGUE: tuple[CatalogueItem, ...] = _build()
CATALOGUE_BY_SKU: dict[str, CatalogueItem] = {item.sku: item for item in CATALOGUE}
