"""What a status source delivers, one row per shipment, cancellation or refund."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from orderbridge.services.fulfilment.requests import (
    CancellationRequest,
    RefundRequest,
    ShipmentRequest,
)

Action = Literal["ship", "cancel", "refund"]


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One instruction from the OMS about one marketplace order."""

    action: Action
    order_id: str  # the marketplace's order id, as exported to the OMS
    origin: str  # where it came from, for people: "status-2026-11-25.csv, row 7"
    # Stable per instruction (a file's hash and row, or the OMS's event id): applying a row
    # twice does nothing the second time.
    key: str
    connection: str | None = None
    shipment: ShipmentRequest | None = None
    cancellation: CancellationRequest | None = None
    refund: RefundRequest | None = None

    def fingerprint(self) -> str:
        body = repr(
            (
                self.action,
                self.order_id,
                self.connection,
                self.shipment,
                self.cancellation,
                self.refund,
            )
        )
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StatusSource:
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    connection: str | None  # the default connection's name
    interval_seconds: int
    cursor: str | None
    enabled: bool
    secret_encrypted: str | None = None  # decrypt with ctx.box.decrypt; never log it


@dataclass(slots=True)
class RowOutcome:
    origin: str
    order_id: str
    action: str
    ok: bool
    message: str
    replayed: bool = False  # applied before (same key): nothing changed this time


@dataclass(slots=True)
class RunResult:
    """What one run of a source did; ``error`` is set when the source itself failed."""

    rows: list[RowOutcome] = field(default_factory=list)
    files_processed: int = 0
    files_failed: int = 0
    cursor: str | None = None
    error: str | None = None
    started_at: datetime | None = None

    @property
    def applied(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if not row.ok)
