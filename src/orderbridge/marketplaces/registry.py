"""Which connector serves which channel: built-ins plus the ``orderbridge.connectors`` entry points.

A new channel is one package that exposes a ``factory`` — built in (listed below) or
installed as a plug-in under that entry-point group; nothing in the core changes. A
channel's package is imported when a connection of that channel is first used.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from orderbridge.marketplaces.base import ConnectorFactory
from orderbridge.marketplaces.errors import ConfigurationError

ENTRY_POINT_GROUP = "orderbridge.connectors"

BUILTIN: dict[str, str] = {
    "amazon": "orderbridge.marketplaces.amazon",
    "walmart": "orderbridge.marketplaces.walmart",
    "bol": "orderbridge.marketplaces.bol",
    "ebay": "orderbridge.marketplaces.ebay",
}


def channels() -> list[str]:
    """Every channel that can be connected: built-ins first, then installed plug-ins."""
    plugins = [point.name for point in entry_points(group=ENTRY_POINT_GROUP)]
    return list(BUILTIN) + sorted(set(plugins) - set(BUILTIN))


def factory_for(channel: str) -> ConnectorFactory:
    module = BUILTIN.get(channel)
    if module is not None:
        loaded: ConnectorFactory = importlib.import_module(module).factory
        return loaded
    for point in entry_points(group=ENTRY_POINT_GROUP, name=channel):
        plugin: ConnectorFactory = point.load()
        return plugin
    raise ConfigurationError(
        f"no connector for channel {channel!r}; channels: {', '.join(channels())}"
    )
