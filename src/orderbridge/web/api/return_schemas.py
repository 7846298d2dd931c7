"""Request and response bodies of ``/returns``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from orderbridge.domain.returns import ReturnDecisionKind
from orderbridge.web.api.schemas import RequestBody


class ReturnOut(BaseModel):
    id: int
    external_id: str = Field(description="The marketplace's id of the return.")
    order_id: int
    order_external_id: str
    connection: str
    channel: str
    requested_at: datetime
    last_updated_at: datetime
    marketplace_status: str
    status: str = Field(description="requested, accepted, received, rejected, refunded, closed")
    import_status: str = Field(description="complete, or blocked with the reason per line")
    export_status: str
    reason: str | None
    refund_amount: str | None = Field(description="Refunded so far, a decimal string.")
    currency: str
    quantity: int = Field(description="Units returned, all lines together.")
    exported_at: datetime | None
    visible_only: bool


class ReturnPageOut(BaseModel):
    items: list[ReturnOut]
    next_cursor: str | None


class ReturnDetailOut(ReturnOut):
    import_blockers: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    events: list[dict[str, Any]]
    raw: dict[str, Any]


class ReturnImportRequest(RequestBody):
    """Either ``{"connections": ["a", "b"]}`` or ``{"all": true}``."""

    connections: list[str] | None = Field(default=None, min_length=1, max_length=500)
    all: bool = False

    @model_validator(mode="after")
    def _one_choice(self) -> ReturnImportRequest:
        if (self.connections is not None) == self.all:
            raise ValueError('give either "connections" (a list of names) or "all": true')
        return self


class ReturnExportRequest(RequestBody):
    return_ids: list[int] = Field(min_length=1, max_length=500)


class ReturnExportResultOut(BaseModel):
    return_id: int
    scheduled: bool
    message: str = Field(examples=["export scheduled", "already exported"])


class ReturnExportResults(BaseModel):
    results: list[ReturnExportResultOut]


class DecisionLineIn(RequestBody):
    line_id: str | None = Field(
        default=None,
        max_length=100,
        description="The return line's id (external_line_id), or the order line it returns.",
    )
    sku: str | None = Field(default=None, max_length=200, description="Instead of line_id.")
    quantity: int | None = Field(
        default=None, ge=1, le=100_000, description="Default: every returned unit of the line."
    )
    amount: Decimal | None = Field(
        default=None,
        gt=0,
        max_digits=18,
        decimal_places=4,
        description="Refund only: the amount for this line; default the units' price.",
    )

    @model_validator(mode="after")
    def _named(self) -> DecisionLineIn:
        if not self.line_id and not self.sku:
            raise ValueError("name the line by line_id or sku")
        return self


class ReturnDecisionIn(RequestBody):
    decision: ReturnDecisionKind
    reference: str | None = Field(
        default=None,
        max_length=200,
        description="The OMS's id of this decision; the same id again is recorded once.",
    )
    lines: list[DecisionLineIn] = Field(
        default_factory=list, max_length=500, description="Empty: the whole return."
    )
    reason: str | None = Field(default=None, max_length=200)
    note: str | None = Field(
        default=None, max_length=1000, description="For the buyer, e.g. why it is rejected."
    )


class ReturnDecisionOut(BaseModel):
    id: int
    return_id: int
    replayed: bool
    created: bool
