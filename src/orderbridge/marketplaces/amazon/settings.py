"""An Amazon connection's settings, checked once, with errors that name the field to fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orderbridge.marketplaces.errors import ConfigurationError
from orderbridge.marketplaces.setting_values import (
    credential,
    positive_option,
    text_option,
    url_option,
)

DEFAULT_BASE_URL = "https://sellingpartnerapi-na.amazon.com"
DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
DEFAULT_TIMEOUT_SECONDS = 30.0

REQUIRED_CREDENTIALS = ("client_id", "client_secret", "refresh_token")


@dataclass(frozen=True, slots=True)
class AmazonSettings:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    marketplace_ids: tuple[str, ...]
    base_url: str = DEFAULT_BASE_URL
    token_url: str = DEFAULT_TOKEN_URL
    rate_limit_scale: float = 1.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    # The merchant token that signs feeds (MerchantIdentifier); only cancellations and
    # refunds need it, so a connection that only reads may leave it out.
    seller_id: str | None = None

    @classmethod
    def parse(cls, credentials: Mapping[str, Any], options: Mapping[str, Any]) -> AmazonSettings:
        """Build from a connection's credentials and options, or raise ConfigurationError."""
        secrets = {name: _credential(credentials, name) for name in REQUIRED_CREDENTIALS}
        return cls(
            client_id=secrets["client_id"],
            client_secret=secrets["client_secret"],
            refresh_token=secrets["refresh_token"],
            marketplace_ids=_marketplace_ids(options.get("marketplace_ids")),
            base_url=_url(options, "base_url", DEFAULT_BASE_URL),
            token_url=_url(options, "token_url", DEFAULT_TOKEN_URL),
            rate_limit_scale=_positive(options, "rate_limit_scale", 1.0),
            timeout_seconds=_positive(options, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            seller_id=_optional_text(options, "seller_id"),
        )


def _credential(credentials: Mapping[str, Any], name: str) -> str:
    return credential("amazon", credentials, name)


def _marketplace_ids(value: Any) -> tuple[str, ...]:
    if value is None:
        raise ConfigurationError(
            "amazon: option 'marketplace_ids' is missing (a list such as ['ATVPDKIKX0DER'])"
        )
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigurationError("amazon: option 'marketplace_ids' must be a list of strings")
    ids = tuple(item.strip() for item in value if isinstance(item, str) and item.strip())
    if len(ids) != len(value) or not ids:
        raise ConfigurationError(
            "amazon: option 'marketplace_ids' must be a non-empty list of marketplace id strings"
        )
    if len(ids) > 50:
        raise ConfigurationError("amazon: option 'marketplace_ids' allows at most 50 ids")
    return ids


def _optional_text(options: Mapping[str, Any], name: str) -> str | None:
    return text_option("amazon", options, name)


def _url(options: Mapping[str, Any], name: str, default: str) -> str:
    return url_option("amazon", options, name, default)


def _positive(options: Mapping[str, Any], name: str, default: float) -> float:
    return positive_option("amazon", options, name, default)
