"""A Walmart connection's settings, checked once, with errors that name the field to fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orderbridge.marketplaces.setting_values import (
    credential,
    positive_option,
    text_option,
    url_option,
)

DEFAULT_BASE_URL = "https://marketplace.walmartapis.com"
SANDBOX_BASE_URL = "https://sandbox.walmartapis.com"
DEFAULT_TIMEOUT_SECONDS = 30.0
# Sent as WM_SVC.NAME on every call; Walmart asks for its service's name, not ours.
DEFAULT_SERVICE_NAME = "Walmart Marketplace"

REQUIRED_CREDENTIALS = ("client_id", "client_secret")


@dataclass(frozen=True, slots=True)
class WalmartSettings:
    client_id: str
    client_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    rate_limit_scale: float = 1.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    service_name: str = DEFAULT_SERVICE_NAME
    # WM_CONSUMER.CHANNEL.TYPE: only solution providers get one at onboarding.
    channel_type: str | None = None

    @classmethod
    def parse(cls, credentials: Mapping[str, Any], options: Mapping[str, Any]) -> WalmartSettings:
        """Build from a connection's credentials and options, or raise ConfigurationError."""
        secrets = {name: _credential(credentials, name) for name in REQUIRED_CREDENTIALS}
        return cls(
            client_id=secrets["client_id"],
            client_secret=secrets["client_secret"],
            base_url=_url(options, "base_url", DEFAULT_BASE_URL),
            rate_limit_scale=_positive(options, "rate_limit_scale", 1.0),
            timeout_seconds=_positive(options, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            service_name=_text(options, "service_name") or DEFAULT_SERVICE_NAME,
            channel_type=_text(options, "channel_type"),
        )


def _credential(credentials: Mapping[str, Any], name: str) -> str:
    return credential(
        "walmart",
        credentials,
        name,
        hint="Seller Center → Settings → API Key Management shows the client id and secret",
    )


def _text(options: Mapping[str, Any], name: str) -> str | None:
    return text_option("walmart", options, name)


def _url(options: Mapping[str, Any], name: str, default: str) -> str:
    return url_option("walmart", options, name, default)


def _positive(options: Mapping[str, Any], name: str, default: float) -> float:
    return positive_option("walmart", options, name, default)
