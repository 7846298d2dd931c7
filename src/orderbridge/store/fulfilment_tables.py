"""Tables for what flows back to the marketplace: shipments, cancellations, refunds.

Lines are named by the marketplace's line id, not by ``order_lines.id``: a re-import
replaces an order's line rows, and a shipment must outlive that.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from orderbridge.store.tables import Id, metadata
from orderbridge.store.types import Amount, UtcDateTime


def update_columns() -> list[Column[object]]:
    """What every marketplace update records about its way to the marketplace."""
    return [
        Column("status", String(30), nullable=False),
        Column("source", String(20), nullable=False),  # api, folder (status files), poll (OMS)
        Column("last_error", Text),
        Column("created_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
        Column("confirmed_at", UtcDateTime),
    ]


shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    # The OMS's own id for the shipment, so a repeated report (or its tracking, later) finds it.
    Column("oms_reference", String(100)),
    Column("carrier", String(40)),  # orderbridge's carrier id, when known
    Column("carrier_name", String(100)),
    Column("carrier_code", String(60)),  # the channel's code, resolved when recorded
    Column("tracking_number", String(100)),
    Column("tracking_url", String(500)),
    Column("shipping_method", String(100)),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("tracking_deadline", UtcDateTime),
    *update_columns(),
    UniqueConstraint("order_id", "oms_reference"),
    Index("ix_shipments_order", "order_id", "id"),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    Column("external_line_id", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("shipment_id", "external_line_id"),
)

cancellations = Table(
    "cancellations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("note", Text),
    Column("whole_order", Boolean, nullable=False),
    *update_columns(),
    Index("ix_cancellations_order", "order_id", "id"),
)

cancellation_lines = Table(
    "cancellation_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("cancellation_id", ForeignKey("cancellations.id", ondelete="CASCADE"), nullable=False),
    Column("external_line_id", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("cancellation_id", "external_line_id"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("note", Text),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Amount, nullable=False),
    *update_columns(),
    Index("ix_refunds_order", "order_id", "id"),
)

refund_lines = Table(
    "refund_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("refund_id", ForeignKey("refunds.id", ondelete="CASCADE"), nullable=False),
    Column("external_line_id", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("item_amount", Amount, nullable=False),
    Column("shipping_amount", Amount, nullable=False),
    Column("tax_amount", Amount, nullable=False),
    UniqueConstraint("refund_id", "external_line_id"),
)

# A replayed API request (same Idempotency-Key) gets the first answer back, not a second effect.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Id, primary_key=True),
    Column("scope", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("scope", "key"),
)

# Where the OMS's status reports come from besides the API: a folder of status files, or an
# OMS endpoint polled for orders completed since a cursor.
status_sources = Table(
    "status_sources",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # folder, poll
    Column("settings", JSON, nullable=False),
    Column("secret_encrypted", Text),  # e.g. the bearer token of a polled OMS endpoint
    # Rows that do not name their connection are matched to this one (or to any).
    Column("connection_id", ForeignKey("connections.id", ondelete="SET NULL")),
    Column("enabled", Boolean, nullable=False),
    Column("interval_seconds", Integer, nullable=False),
    Column("cron", String(100)),  # when set, runs follow it instead of the interval
    Column("next_run_at", UtcDateTime, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", UtcDateTime),
    Column("cursor", Text),
    Column("last_run_at", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The merchant's catalog, for holding orders that cannot be created (unknown SKU, disabled
# product, too little stock). ``stock`` None means the product's stock is not tracked.
catalog_products = Table(
    "catalog_products",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sku", String(200), nullable=False, unique=True),
    Column("title", Text),
    Column("enabled", Boolean, nullable=False),
    Column("stock", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A connection's SKU as the marketplace knows it → the merchant's SKU in the catalog.
sku_mappings = Table(
    "sku_mappings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("channel_sku", String(200), nullable=False),
    Column("merchant_sku", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("connection_id", "channel_sku"),
)
