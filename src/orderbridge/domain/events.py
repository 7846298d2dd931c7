"""Kinds of order events: one row of an order's history per change."""

from enum import StrEnum


class OrderEventKind(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    STATUS_CHANGED = "status_changed"
    IMPORT_BLOCKED = "import_blocked"
    IMPORT_UNBLOCKED = "import_unblocked"
    EXPORT_SCHEDULED = "export_scheduled"
    EXPORT_STARTED = "export_started"
    EXPORT_SUCCEEDED = "export_succeeded"
    EXPORT_FAILED = "export_failed"
    EXPORT_RETRY = "export_retry"
