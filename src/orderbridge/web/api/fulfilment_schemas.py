"""Request and response bodies of the fulfilment endpoints (shipments, cancellations, refunds)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, HttpUrl, model_validator

from orderbridge.domain.fulfilment import CancelReason, RefundReason, UpdateStatus
from orderbridge.web.api.schemas import RequestBody


class LineIn(RequestBody):
    line_id: str | None = Field(
        default=None, max_length=100, description="The marketplace's order line id."
    )
    sku: str | None = Field(
        default=None, max_length=200, description="Instead of line_id, the line's SKU."
    )
    quantity: int = Field(ge=1, le=100_000)

    @model_validator(mode="after")
    def _named(self) -> LineIn:
        if not self.line_id and not self.sku:
            raise ValueError("name the line by line_id or sku")
        return self


class ShipmentIn(RequestBody):
    lines: list[LineIn] = Field(
        default_factory=list,
        max_length=500,
        description="Lines and quantities in this package; empty ships everything still open.",
    )
    carrier: str | None = Field(
        default=None,
        max_length=100,
        description="Carrier name as the OMS knows it; when absent, it is worked out from the "
        "tracking number.",
    )
    tracking_number: str | None = Field(
        default=None,
        max_length=100,
        description="When absent, the shipment waits for it up to the connection's tracking wait.",
    )
    shipping_method: str | None = Field(default=None, max_length=100)
    tracking_url: HttpUrl | None = Field(
        default=None,
        description="The carrier's tracking page; Walmart takes a carrier outside its list only "
        "with it.",
    )
    shipped_at: datetime | None = Field(default=None, description="Default: now.")
    reference: str | None = Field(
        default=None,
        max_length=100,
        description="The OMS's own shipment id: reporting it again (e.g. with the tracking "
        "number) updates the same shipment instead of adding one.",
    )


class TrackingIn(RequestBody):
    tracking_number: str = Field(min_length=1, max_length=100)
    carrier: str | None = Field(default=None, max_length=100)


class CancellationIn(RequestBody):
    reason: CancelReason
    lines: list[LineIn] = Field(
        default_factory=list, max_length=500, description="Empty cancels the whole order."
    )
    note: str | None = Field(default=None, max_length=1000)


class RefundLineIn(LineIn):
    item_amount: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=14,
        decimal_places=4,
        description="Default: the line's price for `quantity` units.",
    )
    shipping_amount: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=4, description="Default: 0."
    )
    tax_amount: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=14,
        decimal_places=4,
        description="Default: the line's tax for `quantity` units.",
    )


class RefundIn(RequestBody):
    reason: RefundReason
    lines: list[RefundLineIn] = Field(
        default_factory=list,
        max_length=500,
        description="Empty refunds everything shipped and not yet refunded.",
    )
    note: str | None = Field(default=None, max_length=1000)


class FulfilmentLineOut(BaseModel):
    external_line_id: str
    quantity: int
    item_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    tax_amount: Decimal | None = None


class FulfilmentOut(BaseModel):
    """A shipment, cancellation or refund and where it stands with the marketplace."""

    id: int
    order_id: int
    status: UpdateStatus
    source: str
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    lines: list[FulfilmentLineOut]
    # Shipments
    oms_reference: str | None = None
    carrier: str | None = None
    carrier_name: str | None = None
    carrier_code: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    shipping_method: str | None = None
    shipped_at: datetime | None = None
    tracking_deadline: datetime | None = None
    # Cancellations and refunds
    reason: str | None = None
    note: str | None = None
    whole_order: bool | None = None
    currency: str | None = None
    total_amount: Decimal | None = None

    @classmethod
    def of(cls, record: dict[str, Any]) -> FulfilmentOut:
        return cls.model_validate(record)
