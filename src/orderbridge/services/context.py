"""What every use case needs from the outside, built once by ``bootstrap``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orderbridge.config import Settings
from orderbridge.marketplaces.base import CallObserver, ConnectionConfig, Connector
from orderbridge.marketplaces.pool import ConnectorPool
from orderbridge.oms.base import ExportTarget, TargetConfig
from orderbridge.secrets_box import SecretBox
from orderbridge.store.database import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


def _no_wake() -> None:
    return None


@dataclass
class ServiceContext:
    settings: Settings
    db: Database
    box: SecretBox
    build_connector: Callable[[str, ConnectionConfig], Connector]
    build_target: Callable[[TargetConfig], ExportTarget]
    observer: CallObserver | None = None
    clock: Callable[[], datetime] = utc_now
    # Called after a commit that created work, so a sleeping runner looks at once.
    wake: Callable[[], None] = field(default=_no_wake)
    connectors: ConnectorPool = field(init=False)

    def __post_init__(self) -> None:
        self.connectors = ConnectorPool(self.build_connector)

    async def aclose(self) -> None:
        """Close the live connectors and the database pools."""
        await self.connectors.aclose()
        await self.db.dispose()
