"""The tables. Uniqueness lives here, not in a lookup before insert."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from orderbridge.store.types import Amount, UtcDateTime

# Stable constraint names so Alembic migrations read the same on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
Id = BigInteger().with_variant(Integer(), "sqlite")

export_targets = Table(
    "export_targets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("secret_encrypted", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

connections = Table(
    "connections",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("channel", String(30), nullable=False),
    Column("credentials_encrypted", Text, nullable=False),
    Column("options", JSON, nullable=False),
    Column("import_enabled", Boolean, nullable=False),
    Column("import_interval_seconds", Integer, nullable=False),
    Column("overlap_seconds", Integer, nullable=False),
    Column("auto_export", Boolean, nullable=False),
    Column("export_target_id", ForeignKey("export_targets.id"), nullable=True),
    # A shipment reported without tracking waits this long for it (the seeds' three hours).
    Column("tracking_wait_seconds", Integer, nullable=False, server_default="10800"),
    # Unshipped this close to the latest ship date → flagged as at risk of being late.
    Column("late_warning_seconds", Integer, nullable=False, server_default="86400"),
    # Hold new orders whose lines the catalog cannot serve (unknown, disabled, out of stock).
    Column("check_catalog", Boolean, nullable=False, server_default="0"),
    # Orders are read and shown only: never exported, acknowledged or updated from here
    # (the merchant manages them in the marketplace's own seller portal).
    Column("visible_only", Boolean, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One row per (connection, feed): the watermark and the poll schedule, claimed with a lease.
import_feeds = Table(
    "import_feeds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("feed", String(30), nullable=False),
    Column("watermark", UtcDateTime),
    Column("next_poll_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("lease_owner", String(100)),
    Column("blocked_until", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("last_attempt_at", UtcDateTime),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    UniqueConstraint("connection_id", "feed"),
    Index("ix_import_feeds_due", "next_poll_at"),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("feed", String(30), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("window_lower", UtcDateTime),
    Column("window_upper", UtcDateTime),
    Column("pages", Integer, nullable=False, default=0),
    Column("orders_seen", Integer, nullable=False, default=0),
    Column("orders_created", Integer, nullable=False, default=0),
    Column("orders_updated", Integer, nullable=False, default=0),
    Column("orders_unchanged", Integer, nullable=False, default=0),
    Column("orders_failed", Integer, nullable=False, default=0),
    Column("error", Text),
    Index("ix_import_runs_connection_started", "connection_id", "started_at"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("marketplace_ids", JSON, nullable=False),
    Column("purchased_at", UtcDateTime, nullable=False),
    Column("last_updated_at", UtcDateTime, nullable=False),
    Column("latest_ship_at", UtcDateTime),
    Column("marketplace_status", String(40), nullable=False),
    Column("status", String(30), nullable=False),
    Column("import_status", String(20), nullable=False),
    Column("import_blockers", JSON),
    Column("export_status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Amount, nullable=False),
    Column("buyer", JSON, nullable=False),
    Column("shipping_address", JSON),
    Column("fulfillment_channel", String(20)),
    Column("raw", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("exported_at", UtcDateTime),
    Column("late_flagged_at", UtcDateTime),  # when the late-shipment warning was raised
    Column("acknowledged_at", UtcDateTime),  # channels that want new orders acknowledged
    Column("acknowledgement_overdue_at", UtcDateTime),  # when it was flagged as overdue
    UniqueConstraint("connection_id", "external_id"),
    # Keyset pagination: newest purchase first, id breaks ties.
    Index("ix_orders_purchased", "purchased_at", "id"),
    Index("ix_orders_connection_purchased", "connection_id", "purchased_at", "id"),
    Index("ix_orders_export_status", "export_status", "id"),
    Index("ix_orders_status", "status", "id"),
    Index("ix_orders_latest_ship", "status", "latest_ship_at"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("external_line_id", String(100), nullable=False),
    Column("sku", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("asin", String(20)),
    Column("quantity_ordered", Integer, nullable=False),
    Column("quantity_shipped", Integer, nullable=False),
    Column("quantity_cancelled", Integer, nullable=False, server_default="0"),
    Column("item_price", Amount, nullable=False),
    Column("item_tax", Amount, nullable=False),
    Column("shipping_price", Amount, nullable=False),
    Column("shipping_tax", Amount, nullable=False),
    Column("discount", Amount, nullable=False),
    UniqueConstraint("order_id", "external_line_id"),
    Index("ix_order_lines_sku", "sku"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_order_events_order", "order_id", "id"),
)

# The outbox: every piece of pending outbound work (exports now, marketplace updates later).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(30), nullable=False),
    # Work for one order runs in order within its lane: the OMS lane and the marketplace
    # lane do not wait for each other.
    Column("lane", String(20), nullable=False, server_default="oms"),
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("target_id", ForeignKey("export_targets.id"), nullable=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("subject_id", Id),  # the shipment, cancellation or refund a marketplace update carries
    Column("handle", String(200)),  # the marketplace's id for an update still being processed
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("lease_owner", String(100)),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    Index("ix_outbox_order", "order_id", "status"),
)

# Orders that failed to import: re-fetched on every run until they succeed, so a bad
# order is never skipped and never pins the watermark of everything after it.
import_retries = Table(
    "import_retries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(100), nullable=False),
    Column("first_failed_at", UtcDateTime, nullable=False),
    Column("last_failed_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    UniqueConstraint("connection_id", "external_id"),
)

error_entries = Table(
    "error_entries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("title", Text, nullable=False),
    Column("operation", String(40), nullable=False),
    Column("connection_id", ForeignKey("connections.id", ondelete="SET NULL")),
    Column("order_id", ForeignKey("orders.id", ondelete="SET NULL")),
    Column("external_order_id", String(100)),
    Column("outbox_id", ForeignKey("outbox.id", ondelete="SET NULL")),
    Column("import_run_id", ForeignKey("import_runs.id", ondelete="SET NULL")),
    Column("attributes", JSON, nullable=False),
    Column("resolved_at", UtcDateTime),
    Index("ix_error_entries_at", "at", "id"),
    Index("ix_error_entries_connection", "connection_id", "at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

# Distributed mode: each connection's rate-limit buckets, one budget for every process.
rate_budgets = Table(
    "rate_budgets",
    metadata,
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True),
    Column("operation", String(60), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("blocked_until", UtcDateTime),
)

# The fulfilment tables share ``metadata``; importing them here means anyone holding
# ``metadata`` (migrations, test clean-up) sees the whole schema.
from orderbridge.store import (  # noqa: E402, F401
    admin_tables,
    configuration_tables,
    fulfilment_tables,
    return_tables,
)
