"""Tables for returns: the return, its lines, its timeline, and the OMS's decisions on it.

A return line names the order line it sends back by the marketplace's line id, as
shipments do: a re-import replaces an order's line rows, and a return must outlive that.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from orderbridge.store.fulfilment_tables import update_columns
from orderbridge.store.tables import Id, metadata
from orderbridge.store.types import Amount, UtcDateTime

returns = Table(
    "returns",
    metadata,
    Column("id", Id, primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("marketplace_status", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    # complete, or blocked while a returned line names no line of the order.
    Column("import_status", String(20), nullable=False),
    Column("import_blockers", JSON),
    Column("export_status", String(20), nullable=False),
    Column("reason", Text),
    Column("currency", String(3), nullable=False),
    Column("refund_amount", Amount),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("last_updated_at", UtcDateTime, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("exported_at", UtcDateTime),
    UniqueConstraint("connection_id", "external_id"),
    Index("ix_returns_requested", "requested_at", "id"),
    Index("ix_returns_order", "order_id"),
    Index("ix_returns_export_status", "export_status", "id"),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("return_id", ForeignKey("returns.id", ondelete="CASCADE"), nullable=False),
    Column("external_line_id", String(100), nullable=False),
    Column("order_line_external_id", String(100)),
    Column("sku", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", Text),
    Column("refund_amount", Amount),
    UniqueConstraint("return_id", "external_line_id"),
)

return_events = Table(
    "return_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("return_id", ForeignKey("returns.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_return_events_return", "return_id", "id"),
)

# The OMS's accept, reject or refund of a return, on its way to the marketplace through the
# outbox (kind ``return_decision``, ``subject_id`` = this row).
return_decisions = Table(
    "return_decisions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("return_id", ForeignKey("returns.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(200), nullable=False),  # the OMS's id, or one we derive
    Column("decision", String(10), nullable=False),
    Column("reason", Text),
    Column("note", Text),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Amount, nullable=False),
    Column("lines", JSON, nullable=False),
    *update_columns(),
    UniqueConstraint("return_id", "external_id"),
)
