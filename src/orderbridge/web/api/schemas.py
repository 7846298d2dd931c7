"""Request and response bodies of the REST API.

Money is always a decimal string beside its currency, never a JSON number, so no client
parses 19.99 into a float. Credentials and secrets appear in requests only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from orderbridge.services.connections import (
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_LATE_WARNING_SECONDS,
    DEFAULT_OVERLAP_SECONDS,
    DEFAULT_TRACKING_WAIT_SECONDS,
    MAX_TRACKING_WAIT_SECONDS,
    MIN_INTERVAL_SECONDS,
)

# Names travel in URL paths (/connections/{name}), so they keep to URL-safe characters.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
]


class RequestBody(BaseModel):
    # A misspelt field would otherwise be dropped silently and its default used.
    model_config = ConfigDict(extra="forbid")


# Connections


class ConnectionCreate(RequestBody):
    name: Name
    channel: str = Field(min_length=1, max_length=30, examples=["amazon"])
    credentials: dict[str, str] = Field(
        description="Write-only: encrypted at rest and never returned.",
        examples=[{"client_id": "…", "client_secret": "…", "refresh_token": "…"}],
    )
    options: dict[str, Any] = Field(
        default_factory=dict, examples=[{"marketplace_ids": ["A1PA6795UKMFR9"]}]
    )
    import_enabled: bool = True
    import_interval_seconds: int = Field(default=DEFAULT_INTERVAL_SECONDS, ge=MIN_INTERVAL_SECONDS)
    overlap_seconds: int = Field(default=DEFAULT_OVERLAP_SECONDS, ge=0)
    auto_export: bool = True
    export_target: str | None = Field(default=None, description="Name of an export target.")
    tracking_wait_seconds: int = Field(
        default=DEFAULT_TRACKING_WAIT_SECONDS,
        ge=0,
        le=MAX_TRACKING_WAIT_SECONDS,
        description="How long a shipment reported without tracking waits for it.",
    )
    late_warning_seconds: int = Field(
        default=DEFAULT_LATE_WARNING_SECONDS,
        ge=0,
        description="Unshipped orders this close to their latest ship date are flagged.",
    )
    visible_only: bool = Field(
        default=False,
        description="Read and show the orders only: never export, acknowledge or update them "
        "(they are managed in the marketplace's seller portal).",
    )
    check_catalog: bool = Field(
        default=False,
        description="Hold new orders the catalog cannot serve (unknown SKU, disabled product, "
        "too little stock) until it can.",
    )


class ConnectionUpdate(RequestBody):
    """Only the fields sent change. ``export_target: null`` removes the target;
    ``credentials`` and ``options`` are merged key by key into the stored ones."""

    import_enabled: bool | None = None
    import_interval_seconds: int | None = Field(default=None, ge=MIN_INTERVAL_SECONDS)
    overlap_seconds: int | None = Field(default=None, ge=0)
    auto_export: bool | None = None
    export_target: str | None = None
    tracking_wait_seconds: int | None = Field(default=None, ge=0, le=MAX_TRACKING_WAIT_SECONDS)
    late_warning_seconds: int | None = Field(default=None, ge=0)
    check_catalog: bool | None = None
    visible_only: bool | None = None
    options: dict[str, Any] | None = None
    credentials: dict[str, str] | None = Field(default=None, description="Write-only.")

    @field_validator(
        "import_enabled",
        "import_interval_seconds",
        "overlap_seconds",
        "auto_export",
        "tracking_wait_seconds",
        "late_warning_seconds",
        "check_catalog",
        "visible_only",
        "options",
        "credentials",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # None is only the marker of "not sent"; only export_target means something by null.
        if value is None:
            raise ValueError("leave the field out to keep it; it cannot be null")
        return value


class ConnectionOut(BaseModel):
    id: int
    name: str
    channel: str
    options: dict[str, Any]
    import_enabled: bool
    import_interval_seconds: int
    overlap_seconds: int
    auto_export: bool
    export_target: str | None
    tracking_wait_seconds: int
    late_warning_seconds: int
    check_catalog: bool
    visible_only: bool
    created_at: datetime
    updated_at: datetime
    watermark: datetime | None = Field(
        description="Marketplace time up to which all orders are read and stored."
    )
    next_poll_at: datetime | None
    last_success_at: datetime | None = Field(description="End of the last successful import.")
    last_attempt_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    blocked_until: datetime | None
    running: bool = Field(description="An import of this connection is running now.")
    returns_last_success_at: datetime | None = Field(
        default=None, description="End of the last successful returns import."
    )
    returns_next_poll_at: datetime | None = None
    returns_last_error: str | None = None


class ConnectionList(BaseModel):
    items: list[ConnectionOut]


class ConnectionTestResult(BaseModel):
    connection: str
    ok: bool
    message: str


# Export targets


class ExportTargetCreate(RequestBody):
    name: Name
    kind: Literal["webhook", "file"]
    settings: dict[str, Any] = Field(
        examples=[{"url": "https://oms.example.com/orders", "timeout_seconds": 10}]
    )
    secret: str | None = Field(
        default=None, description="Write-only: the webhook's signing secret."
    )


class ExportTargetUpdate(RequestBody):
    settings: dict[str, Any | None] | None = Field(
        default=None, description="Merged key by key into the stored settings; null removes a key."
    )
    secret: str | None = Field(default=None, description="Write-only: replaces the stored one.")


class ExportTargetOut(BaseModel):
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    has_secret: bool
    created_at: datetime
    updated_at: datetime


class ExportTargetList(BaseModel):
    items: list[ExportTargetOut]


# Imports


class ImportRequest(RequestBody):
    """Either ``{"connections": ["a", "b"]}`` or ``{"all": true}``."""

    connections: list[Name] | None = Field(default=None, min_length=1, max_length=500)
    all: bool = False

    @model_validator(mode="after")
    def _one_choice(self) -> ImportRequest:
        if (self.connections is not None) == self.all:
            raise ValueError('give either "connections" (a list of names) or "all": true')
        return self


class ImportTriggered(BaseModel):
    triggered: list[str]
    message: str


class ImportRunOut(BaseModel):
    id: int
    connection: str
    feed: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    window_lower: datetime | None
    window_upper: datetime | None
    pages: int
    orders_seen: int
    orders_created: int
    orders_updated: int
    orders_unchanged: int
    orders_failed: int
    error: str | None


class ImportRunList(BaseModel):
    items: list[ImportRunOut]


# Orders


class OrderSummaryOut(BaseModel):
    id: int
    external_id: str
    connection: str
    channel: str
    purchased_at: datetime
    last_updated_at: datetime
    marketplace_status: str
    status: str
    import_status: str
    export_status: str
    total: str = Field(examples=["42.50"])
    currency: str = Field(examples=["EUR"])
    buyer_name: str | None
    exported_at: datetime | None
    visible_only: bool = Field(
        default=False, description="Read and shown only: managed in the marketplace's portal."
    )
    late_risk: bool = Field(
        default=False, description="Still open and at risk of shipping after its latest ship date."
    )


class OrderReturnOut(BaseModel):
    """A return of this order (``GET /returns/{id}`` has it in full)."""

    id: int
    external_id: str
    status: str
    export_status: str
    requested_at: datetime


class OrderPageOut(BaseModel):
    items: list[OrderSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class OrderLineOut(BaseModel):
    id: int
    external_line_id: str
    sku: str
    title: str
    asin: str | None
    quantity_ordered: int
    quantity_shipped: int
    quantity_cancelled: int
    item_price: str
    item_tax: str
    shipping_price: str
    shipping_tax: str
    discount: str
    currency: str


class OrderEventOut(BaseModel):
    id: int
    kind: str
    at: datetime
    actor: str
    data: dict[str, Any]


class OrderExportOut(BaseModel):
    id: int
    kind: str
    target: str | None
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    done_at: datetime | None


class ErrorEntryOut(BaseModel):
    id: int
    at: datetime
    severity: str
    title: str
    operation: str
    connection: str | None
    connection_id: int | None
    order_id: int | None
    external_order_id: str | None
    outbox_id: int | None
    import_run_id: int | None
    attributes: dict[str, Any]
    resolved_at: datetime | None


class ConfigurationExportOut(BaseModel):
    """One export configuration's export of one order (docs/export-configurations.md)."""

    id: int
    configuration: str
    target: str | None
    order_id: int
    order_external_id: str
    connection: str
    status: str = Field(description="scheduled, being_exported, exported or export_failed")
    attempts: int
    last_error: str | None
    outbox_id: int | None = Field(description="Its row in the scheduled exports.")
    created_at: datetime
    updated_at: datetime
    exported_at: datetime | None


class OrderDetailOut(OrderSummaryOut):
    marketplace_ids: list[str]
    latest_ship_at: datetime | None
    late_flagged_at: datetime | None = Field(
        default=None, description="When it was flagged as at risk of shipping late."
    )
    acknowledged_at: datetime | None = Field(
        default=None, description="When the marketplace took the acknowledgement (Walmart)."
    )
    acknowledgement_overdue_at: datetime | None = Field(
        default=None, description="When it was flagged as not acknowledged in time."
    )
    fulfillment_channel: str | None
    import_blockers: Any
    buyer: dict[str, Any]
    shipping_address: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    lines: list[OrderLineOut]
    events: list[OrderEventOut] = Field(description="The order's history, oldest first.")
    exports: list[OrderExportOut]
    configuration_exports: list[ConfigurationExportOut] = Field(
        default_factory=list, description="Its exports by export configurations, oldest first."
    )
    errors: list[ErrorEntryOut]
    shipments: list[dict[str, Any]] = Field(description="Shipments reported by the OMS.")
    cancellations: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    returns: list[OrderReturnOut] = Field(default_factory=list)
    raw: dict[str, Any] = Field(description="The marketplace's payload as last imported.")


# Exports


class ExportRequest(RequestBody):
    order_ids: list[int] = Field(min_length=1, max_length=500)


class ExportResultOut(BaseModel):
    order_id: int
    scheduled: bool
    message: str = Field(examples=["export scheduled", "not fully imported"])


class ExportResults(BaseModel):
    results: list[ExportResultOut]


class ScheduledExportOut(BaseModel):
    id: int
    kind: str = Field(
        description="export_order, notify_cancelled (to the OMS); ship, cancel, refund "
        "(to the marketplace)."
    )
    lane: str
    subject_id: int | None = Field(
        description="The shipment, cancellation or refund a marketplace update carries."
    )
    handle: str | None = Field(description="The marketplace's id while it processes the update.")
    order_id: int
    order_external_id: str
    connection: str
    target: str | None
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_error: str | None
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    updated_at: datetime


class ScheduledExportPage(BaseModel):
    items: list[ScheduledExportOut]
    next_cursor: str | None


# Error log


class ErrorPage(BaseModel):
    items: list[ErrorEntryOut]
    next_cursor: str | None


class Health(BaseModel):
    status: Literal["ok"]
