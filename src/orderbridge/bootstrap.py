"""The composition root: settings in, a ready ServiceContext (and runner) out."""

from __future__ import annotations

from orderbridge.config import Settings, get_settings
from orderbridge.marketplaces.base import ConnectionConfig, Connector
from orderbridge.marketplaces.registry import factory_for
from orderbridge.observability import observe_call
from orderbridge.oms.base import ExportTarget, TargetConfig
from orderbridge.oms.targets import build_target
from orderbridge.secrets_box import load_secret_box
from orderbridge.services.context import ServiceContext
from orderbridge.store.database import Database


def build_connector(channel: str, config: ConnectionConfig) -> Connector:
    return factory_for(channel)(config)


def build_export_target(config: TargetConfig) -> ExportTarget:
    return build_target(config)


def build_context(settings: Settings | None = None) -> ServiceContext:
    settings = settings or get_settings()
    return ServiceContext(
        settings=settings,
        db=Database(settings.database_url),
        box=load_secret_box(settings),
        build_connector=build_connector,
        build_target=build_export_target,
        observer=observe_call,
    )
