"""A bol.com connection's settings, checked once, with errors that name the field to fix.

Credentials are the API client id and secret a retailer creates in the bol seller
dashboard (Instellingen → API-instellingen). Options tune where and how fast orderbridge
talks to bol; ``rate_limits`` overrides the per-endpoint budgets of :mod:`.capabilities`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orderbridge.marketplaces.bol.capabilities import OPERATIONS, Budget
from orderbridge.marketplaces.errors import ConfigurationError
from orderbridge.marketplaces.setting_values import credential, url_option

DEFAULT_BASE_URL = "https://api.bol.com"
DEFAULT_TOKEN_URL = "https://login.bol.com/token"
DEFAULT_TIMEOUT_SECONDS = 30.0
FULFILMENT_METHODS = ("FBR", "FBB", "ALL")
REQUIRED_CREDENTIALS = ("client_id", "client_secret")


@dataclass(frozen=True, slots=True)
class BolSettings:
    client_id: str
    client_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    token_url: str = DEFAULT_TOKEN_URL
    # bol's demo environment serves the same API under /retailer-demo and /shared-demo.
    demo: bool = False
    rate_limit_scale: float = 1.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    fulfilment_method: str = "FBR"
    rate_limits: Mapping[str, Budget] = field(default_factory=dict)

    @classmethod
    def parse(cls, credentials: Mapping[str, Any], options: Mapping[str, Any]) -> BolSettings:
        """Build from a connection's credentials and options, or raise ConfigurationError."""
        secrets = {name: _credential(credentials, name) for name in REQUIRED_CREDENTIALS}
        return cls(
            client_id=secrets["client_id"],
            client_secret=secrets["client_secret"],
            base_url=_url(options, "base_url", DEFAULT_BASE_URL),
            token_url=_url(options, "token_url", DEFAULT_TOKEN_URL),
            demo=_flag(options, "demo"),
            rate_limit_scale=_positive(options, "rate_limit_scale", 1.0),
            timeout_seconds=_positive(options, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            fulfilment_method=_fulfilment_method(options.get("fulfilment_method")),
            rate_limits=_budgets(options.get("rate_limits")),
        )

    @property
    def retailer_root(self) -> str:
        return "/retailer-demo" if self.demo else "/retailer"

    @property
    def shared_root(self) -> str:
        return "/shared-demo" if self.demo else "/shared"


def _credential(credentials: Mapping[str, Any], name: str) -> str:
    return credential("bol", credentials, name)


def _url(options: Mapping[str, Any], name: str, default: str) -> str:
    return url_option("bol", options, name, default)


def _flag(options: Mapping[str, Any], name: str) -> bool:
    value = options.get(name, False)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise ConfigurationError(f"bol: option {name!r} must be true or false, got {value!r}")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigurationError(f"bol: {what} must be a positive number")
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(f"bol: {what} must be a positive number, got {value!r}") from None
    if not (number > 0 and math.isfinite(number)):
        raise ConfigurationError(f"bol: {what} must be a positive number, got {value!r}")
    return number


def _positive(options: Mapping[str, Any], name: str, default: float) -> float:
    value = options.get(name, default)
    return default if value is None else _number(value, f"option {name!r}")


def _fulfilment_method(value: Any) -> str:
    if value is None:
        return "FBR"
    if not isinstance(value, str) or value.strip().upper() not in FULFILMENT_METHODS:
        raise ConfigurationError(
            f"bol: option 'fulfilment_method' must be one of {', '.join(FULFILMENT_METHODS)} "
            f"(FBR: orders you ship yourself), got {value!r}"
        )
    return value.strip().upper()


def _budgets(value: Any) -> dict[str, Budget]:
    """``{"get-orders": {"requests": 7, "seconds": 180}, …}`` → budgets per operation."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            "bol: option 'rate_limits' must map an operation to {requests, seconds}, e.g. "
            '{"get-orders": {"requests": 7, "seconds": 180}}'
        )
    budgets: dict[str, Budget] = {}
    for operation, spec in value.items():
        if operation not in OPERATIONS:
            raise ConfigurationError(
                f"bol: option 'rate_limits' names unknown operation {operation!r}; known: "
                + ", ".join(sorted(OPERATIONS))
            )
        if not isinstance(spec, Mapping) or set(spec) != {"requests", "seconds"}:
            raise ConfigurationError(
                f"bol: option 'rate_limits.{operation}' must be {{requests, seconds}}"
            )
        requests = _number(spec["requests"], f"rate_limits.{operation}.requests")
        if requests != int(requests):
            raise ConfigurationError(f"bol: rate_limits.{operation}.requests must be whole")
        budgets[operation] = Budget(
            int(requests), _number(spec["seconds"], f"rate_limits.{operation}.seconds")
        )
    return budgets
