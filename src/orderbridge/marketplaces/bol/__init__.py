"""bol.com Retailer API v10: orders read from the order list and details, returns read from
the returns lists, and shipments, order-item cancellations and return handling sent and
followed through their process statuses.

``factory`` is what the registry serves for the channel ``"bol"``. A connection needs the
credentials ``client_id`` and ``client_secret`` (an API client of the retailer's bol
account); the options ``base_url``, ``token_url``, ``demo``, ``fulfilment_method``
(``FBR`` by default), ``rate_limit_scale``, ``rate_limits`` and ``timeout_seconds`` are
optional. See docs/marketplaces/bol.md.
"""

from __future__ import annotations

from typing import Any

from orderbridge.marketplaces.base import ConnectionConfig
from orderbridge.marketplaces.bol.connector import CHANNEL, BolConnector
from orderbridge.marketplaces.bol.settings import BolSettings


class BolConnectorFactory:
    """Builds a :class:`BolConnector` from a connection's stored settings."""

    channel = CHANNEL

    def __call__(self, config: ConnectionConfig) -> BolConnector:
        settings = BolSettings.parse(config.credentials, config.options)
        return BolConnector(settings, observer=config.observer, budget=config.budget)

    def validate_settings(self, credentials: dict[str, str], options: dict[str, Any]) -> None:
        BolSettings.parse(credentials, options)


factory = BolConnectorFactory()

__all__ = ["BolConnector", "BolConnectorFactory", "BolSettings", "factory"]
