"""What the simulated seller sells, and where: marketplaces and their products.

A US order carries sales tax that eBay collects and remits itself (US marketplace
facilitator rules); a German order's prices include VAT, which eBay does not list apart for
a domestic sale. Prices are per unit in the marketplace's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    currency: str
    country: str
    # Sales tax rate eBay collects on top of the price; None where prices include VAT.
    collected_tax_rate: Decimal | None
    shipping_services: tuple[tuple[str, str, Decimal], ...]  # (service code, carrier, price)
    item_location: tuple[str, str]  # (city, postal code) the seller ships from


MARKETPLACES = MappingProxyType(
    {
        "EBAY_US": Marketplace(
            "EBAY_US",
            "USD",
            "US",
            Decimal("0.0725"),
            (
                ("USPSPriority", "USPS", Decimal("8.95")),
                ("USPSGroundAdvantage", "USPS", Decimal("5.45")),
                ("UPSGround", "UPS", Decimal("11.20")),
                ("FedExHomeDelivery", "FedEx", Decimal("12.40")),
            ),
            ("Portland, OR", "97201"),
        ),
        "EBAY_DE": Marketplace(
            "EBAY_DE",
            "EUR",
            "DE",
            None,
            (
                ("DE_DHLPaket", "DHL", Decimal("4.99")),
                ("DE_HermesPaket", "Hermes", Decimal("4.49")),
                ("DE_DeutschePostWarenpost", "DeutschePost", Decimal("2.95")),
            ),
            ("Leipzig", "04109"),
        ),
    }
)


@dataclass(frozen=True)
class Product:
    sku: str | None  # listings made without SKU exist on eBay
    title: str
    prices: dict[str, Decimal]  # per currency
    variation: tuple[str, str] | None = None  # (aspect name, value)


PRODUCTS: tuple[Product, ...] = (
    Product(
        "MUG-CER-350",
        "Ceramic coffee mug 350 ml, stoneware",
        {"USD": Decimal("14.99"), "EUR": Decimal("12.90")},
    ),
    Product(
        "TEE-ORG-M-NVY",
        "Organic cotton T-shirt, navy",
        {"USD": Decimal("24.00"), "EUR": Decimal("21.50")},
        ("Size", "M"),
    ),
    Product(
        "TEE-ORG-L-NVY",
        "Organic cotton T-shirt, navy",
        {"USD": Decimal("24.00"), "EUR": Decimal("21.50")},
        ("Size", "L"),
    ),
    Product(
        "LAMP-DESK-LED",
        "LED desk lamp with dimmer, black",
        {"USD": Decimal("39.95"), "EUR": Decimal("34.99")},
    ),
    Product(
        "BOTTLE-INS-750",
        "Insulated steel bottle 750 ml",
        {"USD": Decimal("27.50"), "EUR": Decimal("24.90")},
    ),
    Product(
        "NOTE-A5-DOT",
        "A5 dotted notebook, 160 pages",
        {"USD": Decimal("9.99"), "EUR": Decimal("8.49")},
    ),
    Product(
        "CABLE-USBC-2M",
        "USB-C charging cable 2 m, braided",
        {"USD": Decimal("11.99"), "EUR": Decimal("9.99")},
    ),
    Product(
        None,
        "Vintage brass candle holder, pair",
        {"USD": Decimal("32.00"), "EUR": Decimal("29.00")},
    ),
    Product(
        "KNIFE-CHEF-20",
        "Chef's knife 20 cm, carbon steel",
        {"USD": Decimal("59.00"), "EUR": Decimal("54.00")},
    ),
    Product(
        "SOCKS-WOOL-3P",
        "Merino wool socks, 3 pairs",
        {"USD": Decimal("19.50"), "EUR": Decimal("17.90")},
        ("Size", "43-46"),
    ),
)
