"""Tables for named export configurations, what each exported, and the audit log.

An export configuration picks orders by its conditions and sends them to its target on
its own schedule; ``configuration_exports`` tracks each (configuration, order) export on
its own, so one order can go to several targets and each export has its own status.
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
from orderbridge.store.types import UtcDateTime

export_configurations = Table(
    "export_configurations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", Text),
    Column("target_id", ForeignKey("export_targets.id"), nullable=False),
    Column("conditions", JSON, nullable=False),
    # Off for reporting systems: the order's own export status stays untouched.
    Column("update_status", Boolean, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("interval_seconds", Integer),  # one of interval or cron
    Column("cron", String(100)),
    Column("next_run_at", UtcDateTime),
    Column("lease_owner", String(100)),
    Column("lease_until", UtcDateTime),
    Column("last_run_at", UtcDateTime),
    Column("last_run_summary", JSON),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_export_configurations_due", "enabled", "next_run_at"),
)

configuration_exports = Table(
    "configuration_exports",
    metadata,
    Column("id", Id, primary_key=True),
    Column(
        "configuration_id",
        ForeignKey("export_configurations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(20), nullable=False),  # scheduled, being_exported, exported, …
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("exported_at", UtcDateTime),
    UniqueConstraint("configuration_id", "order_id"),
    Index("ix_configuration_exports_order", "order_id"),
)

# Who changed which configuration, when, and what the change was (secrets never included).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(20), nullable=False),  # create, update, delete, run
    Column("subject_kind", String(40), nullable=False),
    Column("subject_name", String(200), nullable=False),
    Column("changes", JSON, nullable=False),
    Index("ix_audit_log_at", "at", "id"),
    Index("ix_audit_log_subject", "subject_kind", "subject_name", "at"),
)
