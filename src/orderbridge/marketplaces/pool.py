"""One live connector per connection in this process, shared by every call it makes.

A connector holds the connection's rate-limit buckets, its cached access token and its
HTTP connection pool; building one per import run would hand every run a full bucket and
a fresh token exchange. The pool rebuilds a connector only when its settings change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from orderbridge.marketplaces.base import ConnectionConfig, Connector

Build = Callable[[str, ConnectionConfig], Connector]


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    connector: Connector


class ConnectorPool:
    def __init__(self, build: Build) -> None:
        self._build = build
        self._entries: dict[int, _Entry] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, channel: str, config: ConnectionConfig, fingerprint: str) -> Connector:
        """The connection's connector; ``fingerprint`` changes when its settings change."""
        async with self._lock:
            entry = self._entries.get(config.connection_id)
            if entry is not None and entry.fingerprint == fingerprint:
                return entry.connector
            if entry is not None:
                await entry.connector.aclose()
            connector = self._build(channel, config)
            self._entries[config.connection_id] = _Entry(fingerprint, connector)
            return connector

    async def aclose(self) -> None:
        async with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            await entry.connector.aclose()
