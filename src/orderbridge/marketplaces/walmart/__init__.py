"""Walmart Marketplace (US): orders read, acknowledged, shipped, cancelled and refunded
through the Orders API (``/v3/orders``).

``factory`` is what the registry serves for the channel ``"walmart"``. A connection needs
the credentials ``client_id`` and ``client_secret`` (the seller's API key from Seller
Center); the options ``base_url`` (default Walmart's production host), ``rate_limit_scale``,
``timeout_seconds`` and, for solution providers, ``channel_type`` are optional.
"""

from __future__ import annotations

from typing import Any

from orderbridge.marketplaces.base import ConnectionConfig
from orderbridge.marketplaces.walmart.connector import CHANNEL, WalmartConnector
from orderbridge.marketplaces.walmart.settings import WalmartSettings


class WalmartConnectorFactory:
    """Builds a :class:`WalmartConnector` from a connection's stored settings."""

    channel = CHANNEL

    def __call__(self, config: ConnectionConfig) -> WalmartConnector:
        settings = WalmartSettings.parse(config.credentials, config.options)
        return WalmartConnector(settings, observer=config.observer, budget=config.budget)

    def validate_settings(self, credentials: dict[str, str], options: dict[str, Any]) -> None:
        WalmartSettings.parse(credentials, options)


factory = WalmartConnectorFactory()

__all__ = ["WalmartConnector", "WalmartConnectorFactory", "WalmartSettings", "factory"]
