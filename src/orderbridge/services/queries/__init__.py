"""Read models: what the API, pages and CLI show, as plain dataclasses and dicts.

Each module reads one area with SQLAlchemy Core; none of them ever selects a credential
or a secret. ``resolve_error`` is the one write here, because it only marks an entry seen.
"""

from __future__ import annotations

from orderbridge.services.queries.connections import (
    ConnectionView,
    ExportTargetView,
    connection_detail,
    export_target_detail,
    list_connections,
    list_export_targets,
)
from orderbridge.services.queries.error_log import (
    ErrorEntry,
    error_detail,
    list_errors,
    resolve_error,
)
from orderbridge.services.queries.health import database_ok
from orderbridge.services.queries.imports import ImportRunView, list_import_runs
from orderbridge.services.queries.orders import (
    OrderPage,
    OrderSummary,
    list_orders,
    order_detail,
)
from orderbridge.services.queries.outbox import (
    OPEN_STATUSES,
    OUTBOX_STATUSES,
    ScheduledExport,
    queue_figures,
    scheduled_exports,
)
from orderbridge.services.queries.paging import DEFAULT_LIMIT, MAX_LIMIT, Page

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "OPEN_STATUSES",
    "OUTBOX_STATUSES",
    "ConnectionView",
    "ErrorEntry",
    "ExportTargetView",
    "ImportRunView",
    "OrderPage",
    "OrderSummary",
    "Page",
    "ScheduledExport",
    "connection_detail",
    "database_ok",
    "error_detail",
    "export_target_detail",
    "list_connections",
    "list_errors",
    "list_export_targets",
    "list_import_runs",
    "list_orders",
    "order_detail",
    "queue_figures",
    "resolve_error",
    "scheduled_exports",
]
