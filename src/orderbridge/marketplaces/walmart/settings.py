"""A Walmart connection's settings, checked once, with errors that name the field to fix."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from orderbridge.marketplaces.errors import ConfigurationError

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
    value = credentials.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(
            f"walmart: credential {name!r} is missing or empty (Seller Center → Settings → "
            "API Key Management shows the client id and secret)"
        )
    return value.strip()


def _text(options: Mapping[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"walmart: option {name!r} must be a non-empty string")
    return value.strip()


def _url(options: Mapping[str, Any], name: str, default: str) -> str:
    value = options.get(name, default)
    if value is None:
        return default
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"walmart: option {name!r} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _positive(options: Mapping[str, Any], name: str, default: float) -> float:
    value = options.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigurationError(f"walmart: option {name!r} must be a positive number")
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(
            f"walmart: option {name!r} must be a positive number, got {value!r}"
        ) from None
    if not (number > 0 and math.isfinite(number)):
        raise ConfigurationError(f"walmart: option {name!r} must be a positive number")
    return number
