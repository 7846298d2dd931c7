"""Structured logs (structlog) and the Prometheus figures served at ``/metrics``.

Logs carry ids (connection, order, outbox item), never credentials or buyer data.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO, cast

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from orderbridge.marketplaces.base import CallRecord

REGISTRY = CollectorRegistry(auto_describe=True)

ORDERS_IMPORTED = Counter(
    "orderbridge_orders_imported",
    "Orders written by imports, by result (created, updated).",
    ["channel", "result"],
    registry=REGISTRY,
)
IMPORT_RUNS = Counter(
    "orderbridge_import_runs",
    "Import runs by outcome.",
    ["channel", "status"],
    registry=REGISTRY,
)
EXPORTS = Counter(
    "orderbridge_exports",
    "Export attempts by result (exported, retry, failed).",
    ["target_kind", "result"],
    registry=REGISTRY,
)
MARKETPLACE_CALLS = Counter(
    "orderbridge_marketplace_calls",
    "HTTP calls to marketplaces by channel, operation and status.",
    ["channel", "operation", "status"],
    registry=REGISTRY,
)
MARKETPLACE_CALL_SECONDS = Histogram(
    "orderbridge_marketplace_call_seconds",
    "Duration of marketplace calls.",
    ["channel", "operation"],
    registry=REGISTRY,
)
MARKETPLACE_UPDATES = Counter(
    "orderbridge_marketplace_updates",
    "Shipments, cancellations and refunds sent to marketplaces, by result "
    "(confirmed, already, submitted, retry, failed).",
    ["channel", "kind", "result"],
    registry=REGISTRY,
)
FULFILMENT_SECONDS = Histogram(
    "orderbridge_fulfilment_seconds",
    "From the OMS reporting an update to the marketplace confirming it.",
    ["channel", "kind"],
    buckets=(0.5, 1, 2, 5, 15, 60, 300, 900, 3600, 10800),
    registry=REGISTRY,
)
LATE_SHIPMENT_RISK = Gauge(
    "orderbridge_orders_late_shipment_risk",
    "Unshipped orders within their connection's warning time of the latest ship date.",
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "orderbridge_outbox_depth",
    "Outbox rows by status (pending, running, dead).",
    ["status"],
    registry=REGISTRY,
)
OLDEST_PENDING_SECONDS = Gauge(
    "orderbridge_outbox_oldest_pending_seconds",
    "Age of the oldest pending or running outbox row.",
    registry=REGISTRY,
)


def observe_call(record: CallRecord) -> None:
    status = str(record.status)
    MARKETPLACE_CALLS.labels(record.channel, record.operation, status).inc()
    MARKETPLACE_CALL_SECONDS.labels(record.channel, record.operation).observe(record.seconds)


class _CurrentStderr:
    """sys.stderr as it is at each write: a test runner or a daemon may swap it after set-up."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    # httpx logs every request at INFO in its own format; our call records say it better.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=False,
    )


log = structlog.get_logger("orderbridge")
