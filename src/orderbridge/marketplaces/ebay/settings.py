"""An eBay connection's settings, checked once, with errors that name the field to fix.

One connection is one seller account on one eBay marketplace: the marketplace decides the
currency an order falls back to and the ``X-EBAY-C-MARKETPLACE-ID`` header the Post-Order
API demands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from orderbridge.marketplaces.errors import ConfigurationError
from orderbridge.marketplaces.setting_values import credential, positive_option, url_option

DEFAULT_BASE_URL = "https://api.ebay.com"
DEFAULT_TOKEN_PATH = "/identity/v1/oauth2/token"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MARKETPLACE_ID = "EBAY_US"

SCOPE_FULFILLMENT = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
SCOPE_FINANCES = "https://api.ebay.com/oauth/api_scope/sell.finances"
# sell.finances is what issueRefund demands; sell.fulfillment covers reads and shipments.
DEFAULT_SCOPES: tuple[str, ...] = (SCOPE_FULFILLMENT, SCOPE_FINANCES)

REQUIRED_CREDENTIALS = ("client_id", "client_secret", "refresh_token")

# The marketplaces a seller account can be connected for, with the currency each sells in.
MARKETPLACE_CURRENCIES: Mapping[str, str] = MappingProxyType(
    {
        "EBAY_US": "USD",
        "EBAY_CA": "CAD",
        "EBAY_GB": "GBP",
        "EBAY_DE": "EUR",
        "EBAY_AT": "EUR",
        "EBAY_FR": "EUR",
        "EBAY_IT": "EUR",
        "EBAY_ES": "EUR",
        "EBAY_NL": "EUR",
        "EBAY_IE": "EUR",
        "EBAY_CH": "CHF",
        "EBAY_PL": "PLN",
        "EBAY_AU": "AUD",
    }
)


@dataclass(frozen=True, slots=True)
class EbaySettings:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    token_url: str = DEFAULT_BASE_URL + DEFAULT_TOKEN_PATH
    postorder_base_url: str = DEFAULT_BASE_URL
    marketplace_id: str = DEFAULT_MARKETPLACE_ID
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    rate_limit_scale: float = 1.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def currency(self) -> str:
        return MARKETPLACE_CURRENCIES[self.marketplace_id]

    @classmethod
    def parse(cls, credentials: Mapping[str, Any], options: Mapping[str, Any]) -> EbaySettings:
        """Build from a connection's credentials and options, or raise ConfigurationError."""
        secrets = {name: _credential(credentials, name) for name in REQUIRED_CREDENTIALS}
        base_url = _url(options, "base_url", DEFAULT_BASE_URL)
        return cls(
            client_id=secrets["client_id"],
            client_secret=secrets["client_secret"],
            refresh_token=secrets["refresh_token"],
            base_url=base_url,
            # The sandbox and the simulator serve the token endpoint on the API host.
            token_url=_url(options, "token_url", base_url + DEFAULT_TOKEN_PATH),
            postorder_base_url=_url(options, "postorder_base_url", base_url),
            marketplace_id=_marketplace_id(options.get("marketplace_id")),
            scopes=_scopes(options.get("scopes")),
            rate_limit_scale=_positive(options, "rate_limit_scale", 1.0),
            timeout_seconds=_positive(options, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
        )


def _credential(credentials: Mapping[str, Any], name: str) -> str:
    return credential("ebay", credentials, name)


def _marketplace_id(value: Any) -> str:
    if value is None:
        return DEFAULT_MARKETPLACE_ID
    if not isinstance(value, str) or value.strip().upper() not in MARKETPLACE_CURRENCIES:
        known = ", ".join(MARKETPLACE_CURRENCIES)
        raise ConfigurationError(
            f"ebay: option 'marketplace_id' must be one of {known}, got {value!r}"
        )
    return value.strip().upper()


def _scopes(value: Any) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_SCOPES
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigurationError("ebay: option 'scopes' must be a list of OAuth scope URLs")
    scopes = tuple(item.strip() for item in value if isinstance(item, str) and item.strip())
    if not scopes or len(scopes) != len(value):
        raise ConfigurationError(
            "ebay: option 'scopes' must be a non-empty list of OAuth scope URLs"
        )
    return scopes


def _url(options: Mapping[str, Any], name: str, default: str) -> str:
    return url_option("ebay", options, name, default)


def _positive(options: Mapping[str, Any], name: str, default: float) -> float:
    return positive_option("ebay", options, name, default)
