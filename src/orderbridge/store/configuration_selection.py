"""Which orders an export configuration picks, in SQL, so a run never loads every order.

``matching`` turns the conditions into WHERE clauses; ``count_by_reason`` tells, in one
grouped query, how many matching orders a run would skip and why; ``eligible_batch``
hands out the orders still to schedule, a keyset page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    REAL,
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.domain.states import FULFILLABLE, ExportStatus, ImportStatus, OrderStatus
from orderbridge.store.configuration_tables import configuration_exports
from orderbridge.store.tables import connections, order_lines, orders

# Amounts are stored with four decimals (store/order_rows.py AMOUNT_SCALE).
AMOUNT_UNITS = 10_000

ELIGIBLE = "eligible"
# Why a matching order is not scheduled, in the order the checks apply.
ALREADY_EXPORTED = "already_exported"
ALREADY_SCHEDULED = "already_scheduled"
EXPORT_FAILED = "export_failed"
NOT_FULLY_IMPORTED = "not_fully_imported"
AWAITING_PAYMENT = "awaiting_payment"
CANCELED = "canceled"
NOT_FULFILLABLE = "not_fulfillable"
VISIBLE_ONLY = "visible_only"


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """The conditions in the form the database compares (channel groups already expanded)."""

    connection_names: tuple[str, ...] = ()
    marketplace_statuses: tuple[str, ...] = ()  # compared case-insensitively
    countries: tuple[str, ...] = ()  # upper-case ISO codes
    currency: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sku_glob: str | None = None  # ``*`` and ``?`` only
    fulfillment_channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    order_id: int
    connection_id: int
    export_id: int | None  # the failed export of this configuration, when retrying it


def _amount(conn: AsyncConnection) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return orders.c.total_amount  # NUMERIC: compared exactly
    # SQLite keeps the decimal as text, which compares as text ("9" > "10"). In whole
    # ten-thousandths the value is an integer, and doubles hold those exactly up to 9e11.
    return cast(func.round(cast(orders.c.total_amount, REAL) * AMOUNT_UNITS), Integer)


def _amount_bound(conn: AsyncConnection, amount: Decimal) -> Any:
    if conn.dialect.name == "postgresql":
        return amount
    return int(amount * AMOUNT_UNITS)


def _sku_matches(conn: AsyncConnection, glob: str) -> ColumnElement[bool]:
    if conn.dialect.name == "postgresql":
        escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = escaped.replace("*", "%").replace("?", "_")
        return order_lines.c.sku.like(pattern, escape="\\")
    # SQLite's GLOB is case-sensitive like PostgreSQL's LIKE, and speaks ``*`` and ``?``.
    return order_lines.c.sku.op("GLOB")(glob)


def matching(conn: AsyncConnection, wanted: OrderFilter) -> list[ColumnElement[bool]]:
    """WHERE clauses over ``orders`` joined with ``connections``; all must hold."""
    clauses: list[ColumnElement[bool]] = []
    if wanted.connection_names:
        clauses.append(connections.c.name.in_(wanted.connection_names))
    if wanted.marketplace_statuses:
        clauses.append(
            func.upper(orders.c.marketplace_status).in_(
                [status.upper() for status in wanted.marketplace_statuses]
            )
        )
    if wanted.countries:
        country = orders.c.shipping_address["country_code"].as_string()
        clauses.append(func.upper(country).in_(wanted.countries))
    if wanted.currency:
        clauses.append(orders.c.currency == wanted.currency)
    if wanted.amount_min is not None:
        clauses.append(_amount(conn) >= _amount_bound(conn, wanted.amount_min))
    if wanted.amount_max is not None:
        clauses.append(_amount(conn) <= _amount_bound(conn, wanted.amount_max))
    if wanted.sku_glob:
        clauses.append(
            exists(
                select(order_lines.c.id).where(
                    order_lines.c.order_id == orders.c.id, _sku_matches(conn, wanted.sku_glob)
                )
            )
        )
    if wanted.fulfillment_channels:
        clauses.append(orders.c.fulfillment_channel.in_(wanted.fulfillment_channels))
    return clauses


def _joined(configuration_id: int) -> Any:
    return orders.join(connections, connections.c.id == orders.c.connection_id).outerjoin(
        configuration_exports,
        and_(
            configuration_exports.c.configuration_id == configuration_id,
            configuration_exports.c.order_id == orders.c.id,
        ),
    )


def _reason(retry_failed: bool) -> ColumnElement[str]:
    status = configuration_exports.c.status
    whens: list[tuple[ColumnElement[bool], str]] = [
        (status == ExportStatus.EXPORTED.value, ALREADY_EXPORTED),
        (
            status.in_((ExportStatus.SCHEDULED.value, ExportStatus.BEING_EXPORTED.value)),
            ALREADY_SCHEDULED,
        ),
    ]
    if not retry_failed:
        whens.append((status == ExportStatus.EXPORT_FAILED.value, EXPORT_FAILED))
    whens += [
        (orders.c.import_status != ImportStatus.COMPLETE.value, NOT_FULLY_IMPORTED),
        (orders.c.status == OrderStatus.PENDING.value, AWAITING_PAYMENT),
        (orders.c.status == OrderStatus.CANCELED.value, CANCELED),
        (orders.c.status.not_in([status.value for status in FULFILLABLE]), NOT_FULFILLABLE),
        (connections.c.visible_only.is_(True), VISIBLE_ONLY),
    ]
    return case(*whens, else_=ELIGIBLE)


async def count_by_reason(
    conn: AsyncConnection, configuration_id: int, wanted: OrderFilter, *, retry_failed: bool
) -> dict[str, int]:
    """Matching orders by what a run would do with them (``eligible`` or why not)."""
    labelled = (
        select(_reason(retry_failed).label("reason"))
        .select_from(_joined(configuration_id))
        .where(*matching(conn, wanted))
        .subquery()
    )
    # Grouping the subquery's column, not the CASE itself: PostgreSQL would see the CASE
    # in GROUP BY, with its own bound parameters, as a different expression.
    result = await conn.execute(select(labelled.c.reason, func.count()).group_by(labelled.c.reason))
    return {str(row[0]): int(row[1]) for row in result}


async def eligible_batch(
    conn: AsyncConnection,
    configuration_id: int,
    wanted: OrderFilter,
    *,
    retry_failed: bool,
    after_id: int,
    limit: int,
) -> list[Candidate]:
    """The next orders (by id, after ``after_id``) this configuration may schedule now."""
    not_yet: ColumnElement[bool] = configuration_exports.c.id.is_(None)
    if retry_failed:
        not_yet = or_(not_yet, configuration_exports.c.status == ExportStatus.EXPORT_FAILED.value)
    query = (
        select(orders.c.id, orders.c.connection_id, configuration_exports.c.id.label("export_id"))
        .select_from(_joined(configuration_id))
        .where(
            *matching(conn, wanted),
            not_yet,
            orders.c.import_status == ImportStatus.COMPLETE.value,
            orders.c.status.in_([status.value for status in FULFILLABLE]),
            not_(connections.c.visible_only),
            orders.c.id > after_id,
        )
        .order_by(orders.c.id)
        .limit(limit)
    )
    return [
        Candidate(row.id, row.connection_id, row.export_id) for row in await conn.execute(query)
    ]
