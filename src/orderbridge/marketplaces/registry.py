"""Which connector serves which channel: built-ins plus the ``orderbridge.connectors`` entry points.

A new channel is one package that exposes a factory under that entry-point group; nothing
in the core changes.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from orderbridge.marketplaces.base import ConnectorFactory
from orderbridge.marketplaces.errors import ConfigurationError

ENTRY_POINT_GROUP = "orderbridge.connectors"


def _builtin() -> dict[str, ConnectorFactory]:
    from orderbridge.marketplaces.amazon import factory as amazon

    return {amazon.channel: amazon}


def available() -> dict[str, ConnectorFactory]:
    """All channels that can be connected, built-in first, then installed plug-ins."""
    factories = _builtin()
    for point in entry_points(group=ENTRY_POINT_GROUP):
        loaded: Any = point.load()
        factories.setdefault(point.name, loaded)
    return factories


def factory_for(channel: str) -> ConnectorFactory:
    factories = available()
    try:
        return factories[channel]
    except KeyError:
        known = ", ".join(sorted(factories))
        raise ConfigurationError(
            f"no connector for channel {channel!r}; installed channels: {known}"
        ) from None
