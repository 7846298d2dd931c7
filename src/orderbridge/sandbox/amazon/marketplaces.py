"""Amazon marketplaces the simulator knows: ids, currencies and local shipping facts.

Marketplace ids are Amazon's real ones, so a connector configured for production ids works
unchanged against the simulator. Prices are generated in US cents and converted with
`price_factor`, then expressed in the currency's minor units (`decimals`; JPY has none).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Marketplace:
    marketplace_id: str
    country_code: str
    name: str
    currency: str
    decimals: int
    price_factor: float
    tax_rate: float
    email_domain: str
    order_id_prefixes: tuple[int, ...]
    carriers: tuple[tuple[str, str], ...]
    tax_responsible_party: str
    ship_from: tuple[tuple[str, str], ...]


def _m(
    marketplace_id: str,
    country: str,
    name: str,
    currency: str,
    decimals: int,
    price_factor: float,
    tax_rate: float,
    prefixes: tuple[int, ...],
    carriers: tuple[tuple[str, str], ...],
    party: str,
    ship_from: dict[str, str],
) -> Marketplace:
    return Marketplace(
        marketplace_id=marketplace_id,
        country_code=country,
        name=name,
        currency=currency,
        decimals=decimals,
        price_factor=price_factor,
        tax_rate=tax_rate,
        email_domain="marketplace." + name.lower(),
        order_id_prefixes=prefixes,
        carriers=carriers,
        tax_responsible_party=party,
        ship_from=tuple(ship_from.items()),
    )


_EU_PARTY = "Amazon Services Europe S.a.r.L."

MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        _m(
            "ATVPDKIKX0DER",
            "US",
            "Amazon.com",
            "USD",
            2,
            1.0,
            0.0725,
            (111, 112, 113, 114),
            (("UPS", "UPS Ground"), ("USPS", "USPS Priority Mail"), ("FedEx", "FedEx Home")),
            "Amazon Services LLC",
            {
                "name": "Sandbox Goods Warehouse",
                "addressLine1": "2401 4th Ave",
                "city": "Seattle",
                "stateOrRegion": "WA",
                "postalCode": "98121",
                "countryCode": "US",
            },
        ),
        _m(
            "A2EUQ1WTGCTBG2",
            "CA",
            "Amazon.ca",
            "CAD",
            2,
            1.35,
            0.13,
            (701, 702),
            (("Canada Post", "Expedited Parcel"), ("UPS", "UPS Standard")),
            "Amazon.com.ca ULC",
            {
                "name": "Sandbox Goods Canada",
                "addressLine1": "120 Bremner Blvd",
                "city": "Toronto",
                "stateOrRegion": "ON",
                "postalCode": "M5J 0A8",
                "countryCode": "CA",
            },
        ),
        _m(
            "A1PA6795UKMFR9",
            "DE",
            "Amazon.de",
            "EUR",
            2,
            0.92,
            0.19,
            (302, 303, 304, 305, 306),
            (("DHL", "DHL Paket"), ("DPD", "DPD Classic"), ("Hermes", "Hermes Paket")),
            _EU_PARTY,
            {
                "name": "Sandbox Goods Lager",
                "addressLine1": "Am Borsigturm 50",
                "city": "Berlin",
                "postalCode": "13507",
                "countryCode": "DE",
            },
        ),
        _m(
            "A1F83G8C2ARO7P",
            "GB",
            "Amazon.co.uk",
            "GBP",
            2,
            0.79,
            0.20,
            (202, 203, 204, 205, 206),
            (("Royal Mail", "Tracked 48"), ("DPD", "DPD Next Day"), ("Evri", "Evri Standard")),
            "Amazon EU S.a.r.L., UK Branch",
            {
                "name": "Sandbox Goods UK",
                "addressLine1": "1 Principal Place",
                "city": "London",
                "postalCode": "EC2A 2FA",
                "countryCode": "GB",
            },
        ),
        _m(
            "A13V1IB3VIYZZH",
            "FR",
            "Amazon.fr",
            "EUR",
            2,
            0.92,
            0.20,
            (402, 403, 404, 405, 406),
            (
                ("Colissimo", "Colissimo Domicile"),
                ("Chronopost", "Chrono 13"),
                ("Mondial Relay", "Point Relais"),
            ),
            _EU_PARTY,
            {
                "name": "Sandbox Goods Entrepot",
                "addressLine1": "12 Rue des Entrepreneurs",
                "city": "Lyon",
                "postalCode": "69007",
                "countryCode": "FR",
            },
        ),
        _m(
            "A1RKKUPIHCS9HS",
            "ES",
            "Amazon.es",
            "EUR",
            2,
            0.92,
            0.21,
            (402, 403, 405, 407),
            (("Correos", "Paq Estandar"), ("SEUR", "SEUR 24")),
            _EU_PARTY,
            {
                "name": "Sandbox Goods Almacen",
                "addressLine1": "Calle de Alcala 45",
                "city": "Madrid",
                "postalCode": "28014",
                "countryCode": "ES",
            },
        ),
        _m(
            "APJ6JRA9NG5V4",
            "IT",
            "Amazon.it",
            "EUR",
            2,
            0.92,
            0.22,
            (402, 404, 406, 408),
            (("Poste Italiane", "Crono"), ("BRT", "BRT Express")),
            _EU_PARTY,
            {
                "name": "Sandbox Goods Magazzino",
                "addressLine1": "Via Lorenteggio 240",
                "city": "Milano",
                "postalCode": "20147",
                "countryCode": "IT",
            },
        ),
        _m(
            "A1805IZSGTT6HS",
            "NL",
            "Amazon.nl",
            "EUR",
            2,
            0.92,
            0.21,
            (402, 403, 404),
            (("PostNL", "Standaard Pakket"), ("DHL", "DHL Parcel")),
            _EU_PARTY,
            {
                "name": "Sandbox Goods Magazijn",
                "addressLine1": "Hoogoorddreef 15",
                "city": "Amsterdam",
                "postalCode": "1101 BA",
                "countryCode": "NL",
            },
        ),
        _m(
            "A1VC38T7YXB528",
            "JP",
            "Amazon.co.jp",
            "JPY",
            0,
            150.0,
            0.10,
            (249, 250, 503),
            (
                ("Yamato Transport", "TA-Q-BIN"),
                ("Sagawa Express", "Hikyaku Express"),
                ("Japan Post", "Yu-Pack"),
            ),
            "Amazon Japan G.K.",
            {
                "name": "Sandbox Goods Japan",
                "addressLine1": "1-8-1 Shimomeguro",
                "city": "Meguro-ku",
                "stateOrRegion": "Tokyo",
                "postalCode": "153-0064",
                "countryCode": "JP",
            },
        ),
    )
}


def format_minor(amount: int, decimals: int) -> str:
    """Render an amount in minor units as the model's Decimal string ("12.50", "-3.00", "1980")."""
    if decimals == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"
