"""eBay: orders read through the Sell Fulfillment API v1, shipments and refunds sent through
it, cancellations sent through the Post-Order API.

``factory`` is what the registry serves for the channel ``"ebay"``. A connection needs the
credentials ``client_id``, ``client_secret`` (the application's keyset) and
``refresh_token`` (the seller's grant); the options ``marketplace_id`` (``EBAY_US`` by
default), ``base_url``, ``token_url``, ``postorder_base_url``, ``scopes``,
``rate_limit_scale`` and ``timeout_seconds`` are optional.
"""

from __future__ import annotations

from typing import Any

from orderbridge.marketplaces.base import ConnectionConfig
from orderbridge.marketplaces.ebay.connector import CHANNEL, EbayConnector
from orderbridge.marketplaces.ebay.settings import EbaySettings


class EbayConnectorFactory:
    """Builds an :class:`EbayConnector` from a connection's stored settings."""

    channel = CHANNEL

    def __call__(self, config: ConnectionConfig) -> EbayConnector:
        settings = EbaySettings.parse(config.credentials, config.options)
        return EbayConnector(settings, observer=config.observer, budget=config.budget)

    def validate_settings(self, credentials: dict[str, str], options: dict[str, Any]) -> None:
        EbaySettings.parse(credentials, options)


factory = EbayConnectorFactory()

__all__ = ["EbayConnector", "EbayConnectorFactory", "EbaySettings", "factory"]
