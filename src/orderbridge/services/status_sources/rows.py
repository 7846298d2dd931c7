"""What a status source delivers, one row per shipment, cancellation, refund or return
decision."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, cast

from orderbridge.services.fulfilment.requests import (
    CancellationRequest,
    RefundRequest,
    ShipmentRequest,
)
from orderbridge.services.return_decisions import ReturnDecisionRequest
from orderbridge.services.status_sources.status_instructions import Instruction

Action = Literal["ship", "cancel", "refund", "accept_return", "reject_return", "refund_return"]


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
    return_id: str | None = None  # the marketplace's return id, for a return decision
    return_decision: ReturnDecisionRequest | None = None

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
        if self.return_decision is not None:
            body += repr((self.return_id, self.return_decision))
        return hashlib.sha256(body.encode()).hexdigest()


def status_row(instruction: Instruction, *, origin: str, key: str) -> StatusRow | None:
    """The row an instruction read from a file or a polled update asks for."""
    request = instruction.request
    row = StatusRow(
        action="ship",
        order_id=instruction.order_id,
        origin=origin,
        key=key,
        connection=instruction.connection,
    )
    if isinstance(request, ShipmentRequest):
        return replace(row, shipment=request)
    if isinstance(request, CancellationRequest):
        return replace(row, action="cancel", cancellation=request)
    if isinstance(request, RefundRequest):
        return replace(row, action="refund", refund=request)
    if isinstance(request, ReturnDecisionRequest):
        action: Action = cast(Action, instruction.action)
        return replace(row, action=action, return_id=instruction.return_id, return_decision=request)
    return None


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
    cron: str | None = None  # when set, runs follow it instead of the interval


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
    # For the error entry of a failed source: what to do about it, and the facts it names
    # (the folder, the expected file …); a generic fix is used when a runner gives none.
    fix: str | None = None
    error_attributes: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None

    @property
    def applied(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if not row.ok)
