"""The exports of export configurations as users read them: per configuration, a keyset
page at a time, and per order (beside the order detail)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, and_, select

from orderbridge.domain.states import ExportStatus
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import NotFound
from orderbridge.services.queries.filters import known_values
from orderbridge.services.queries.paging import (
    DEFAULT_LIMIT,
    Page,
    after,
    check_limit,
    decode_cursor,
    page_of,
)
from orderbridge.store.configuration_exports import EXPORT_CONFIGURED
from orderbridge.store.configuration_tables import configuration_exports, export_configurations
from orderbridge.store.tables import connections, export_targets, orders, outbox

# A configuration export never is "not exported": its row appears when it is scheduled.
EXPORT_STATUSES = tuple(
    status.value for status in ExportStatus if status is not ExportStatus.NOT_EXPORTED
)


@dataclass(frozen=True, slots=True)
class ConfigurationExport:
    id: int
    configuration: str
    target: str | None  # where its outbox row sends it
    order_id: int
    order_external_id: str
    connection: str
    status: str
    attempts: int
    last_error: str | None
    outbox_id: int | None
    created_at: datetime
    updated_at: datetime
    exported_at: datetime | None


def _query() -> Any:
    return (
        select(
            configuration_exports,
            export_configurations.c.name.label("configuration"),
            export_targets.c.name.label("target"),
            orders.c.external_id.label("order_external_id"),
            connections.c.name.label("connection"),
            outbox.c.id.label("outbox_id"),
        )
        .join(
            export_configurations,
            export_configurations.c.id == configuration_exports.c.configuration_id,
        )
        .join(orders, orders.c.id == configuration_exports.c.order_id)
        .join(connections, connections.c.id == orders.c.connection_id)
        .outerjoin(
            outbox,
            and_(
                outbox.c.kind == EXPORT_CONFIGURED,
                outbox.c.subject_id == configuration_exports.c.id,
            ),
        )
        .outerjoin(export_targets, export_targets.c.id == outbox.c.target_id)
    )


def _view(row: RowMapping) -> ConfigurationExport:
    return ConfigurationExport(
        id=row["id"],
        configuration=row["configuration"],
        target=row["target"],
        order_id=row["order_id"],
        order_external_id=row["order_external_id"],
        connection=row["connection"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        outbox_id=row["outbox_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        exported_at=row["exported_at"],
    )


async def configuration_exports_page(
    ctx: ServiceContext,
    name: str,
    *,
    status: list[str] | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ConfigurationExport]:
    """Newest first, in (created_at, id) order."""
    check_limit(limit)
    statuses = known_values(status, EXPORT_STATUSES, "status")
    key = decode_cursor(cursor) if cursor else None
    async with ctx.db.read() as conn:
        found = (
            await conn.execute(
                select(export_configurations.c.id).where(export_configurations.c.name == name)
            )
        ).scalar()
        if found is None:
            raise NotFound(f"export configuration {name!r} does not exist", field="name")
        query = _query().where(configuration_exports.c.configuration_id == found)
        if statuses:
            query = query.where(configuration_exports.c.status.in_(statuses))
        if key is not None:
            query = query.where(
                after(
                    configuration_exports.c.created_at,
                    configuration_exports.c.id,
                    key,
                    descending=True,
                )
            )
        query = query.order_by(
            configuration_exports.c.created_at.desc(), configuration_exports.c.id.desc()
        ).limit(limit + 1)
        rows = (await conn.execute(query)).mappings().all()
    return page_of([_view(row) for row in rows], limit, lambda item: (item.created_at, item.id))


async def order_configuration_exports(ctx: ServiceContext, order_id: int) -> list[dict[str, Any]]:
    """Every configuration's export of one order, oldest first."""
    async with ctx.db.read() as conn:
        rows = (
            await conn.execute(
                _query()
                .where(configuration_exports.c.order_id == order_id)
                .order_by(configuration_exports.c.id)
            )
        ).mappings()
        return [asdict(_view(row)) for row in rows]
