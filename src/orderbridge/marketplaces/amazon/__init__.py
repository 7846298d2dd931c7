"""Amazon Selling Partner API: orders read through the Orders API 2026-01-01; shipments
confirmed through the Orders API v0, cancellations and refunds sent as feeds.

``factory`` is what the registry serves for the channel ``"amazon"``. A connection needs
the credentials ``client_id``, ``client_secret`` and ``refresh_token`` (the app's LWA
credentials and the seller's authorisation) and the option ``marketplace_ids``; the
options ``base_url``, ``token_url``, ``rate_limit_scale`` and ``timeout_seconds`` are
optional, and ``seller_id`` (the merchant token) is needed for cancellations and refunds.
"""

from __future__ import annotations

from typing import Any

from orderbridge.marketplaces.amazon.connector import CHANNEL, AmazonConnector
from orderbridge.marketplaces.amazon.settings import AmazonSettings
from orderbridge.marketplaces.base import ConnectionConfig


class AmazonConnectorFactory:
    """Builds an :class:`AmazonConnector` from a connection's stored settings."""

    channel = CHANNEL

    def __call__(self, config: ConnectionConfig) -> AmazonConnector:
        settings = AmazonSettings.parse(config.credentials, config.options)
        return AmazonConnector(settings, observer=config.observer, budget=config.budget)

    def validate_settings(self, credentials: dict[str, str], options: dict[str, Any]) -> None:
        AmazonSettings.parse(credentials, options)


factory = AmazonConnectorFactory()

__all__ = ["AmazonConnector", "AmazonConnectorFactory", "AmazonSettings", "factory"]
