"""``/export-configurations``: named exports that pick orders by conditions and send them
to an export target on their own schedule; their runs, what they exported, and retries."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from orderbridge.services.configuration_runs import retry_export, run_configuration
from orderbridge.services.export_configurations import (
    ConfigurationSpec,
    configuration_detail,
    create_configuration,
    delete_configuration,
    list_configurations,
    update_configuration,
)
from orderbridge.services.queries import DEFAULT_LIMIT, MAX_LIMIT
from orderbridge.services.queries.configuration_exports import (
    EXPORT_STATUSES,
    ConfigurationExport,
    configuration_exports_page,
)
from orderbridge.services.run_schedule import MIN_INTERVAL_SECONDS
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import ConfigurationExportOut, Name, RequestBody

router = APIRouter(prefix="/export-configurations", tags=["export configurations"])


class ConditionsIn(RequestBody):
    """All optional; every condition given must hold for an order to be exported."""

    connections: list[str] | None = Field(default=None, description="Connection names.")
    marketplace_statuses: list[str] | None = Field(
        default=None,
        description="The marketplace's own order status (case-insensitive), e.g. Unshipped.",
    )
    shipping_countries: list[str] | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2 codes of the shipping address.",
        examples=[["DE", "AT"]],
    )
    currency: str | None = Field(
        default=None, description="ISO 4217 code: only orders in this currency."
    )
    amount_min: Decimal | None = Field(
        default=None,
        description="Order total at least this (in the order's currency).",
        examples=["50.00"],
    )
    amount_max: Decimal | None = Field(default=None, description="Order total at most this.")
    sku_pattern: str | None = Field(
        default=None,
        description="A line's SKU must match: `*` any characters, `?` one.",
        examples=["ACME-*"],
    )
    fulfillment_channel: str | list[str] | None = Field(
        default=None,
        description="`seller`, `marketplace`, or values the channel stores "
        "(MERCHANT, AMAZON, SellerFulfilled, WFSFulfilled, FBR, FBB, SHIP_TO, …).",
    )


def _conditions(conditions: ConditionsIn | None) -> dict[str, Any]:
    return conditions.model_dump(exclude_none=True) if conditions else {}


class ConfigurationCreate(RequestBody):
    name: Name
    target: str = Field(
        description="Name of an existing export target; its kind is the configuration's type."
    )
    description: str | None = Field(default=None, max_length=2_000)
    conditions: ConditionsIn = Field(default_factory=ConditionsIn)
    update_status: bool = Field(
        default=True,
        description="A successful export marks the order exported (export_failed on final "
        "failure); off for reporting systems, where only this export's own row records it.",
    )
    enabled: bool = Field(default=True, description="Runs on its schedule.")
    interval_seconds: int | None = Field(
        default=None, ge=MIN_INTERVAL_SECONDS, description="Give this or `cron`."
    )
    cron: str | None = Field(
        default=None, description="Five-field cron expression in UTC.", examples=["*/15 * * * *"]
    )


class ConfigurationUpdate(RequestBody):
    """Only the fields sent change. ``conditions`` replace the stored ones as a whole;
    setting ``interval_seconds`` or ``cron`` replaces the other; ``description: null``
    clears it."""

    target: str | None = None
    description: str | None = Field(default=None, max_length=2_000)
    conditions: ConditionsIn | None = None
    update_status: bool | None = None
    enabled: bool | None = None
    interval_seconds: int | None = Field(default=None, ge=MIN_INTERVAL_SECONDS)
    cron: str | None = None


class ConfigurationOut(BaseModel):
    id: int
    name: str
    type: str = Field(description="The kind of its export target: webhook or file.")
    target: str
    description: str | None
    conditions: dict[str, Any] = Field(description="Amounts as decimal strings.")
    update_status: bool
    enabled: bool
    interval_seconds: int | None
    cron: str | None
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_run_summary: dict[str, Any] | None
    running: bool = Field(description="A run holds the configuration now.")
    exports: dict[str, int] = Field(description="Its exports by status.")
    created_at: datetime
    updated_at: datetime


class ConfigurationList(BaseModel):
    items: list[ConfigurationOut]


class RunRequest(RequestBody):
    retry_failed: bool = Field(
        default=False, description="Also send again the orders whose export by it failed."
    )


class RunOut(BaseModel):
    configuration: str
    trigger: str = Field(description="manual or schedule")
    started_at: datetime
    finished_at: datetime | None
    retry_failed: bool
    matched: int = Field(description="Orders the conditions match.")
    scheduled: int = Field(description="Exports this run scheduled.")
    skipped: dict[str, int] = Field(
        description="Matching orders not scheduled, by reason: already_exported, "
        "already_scheduled, export_failed, not_fully_imported, awaiting_payment, canceled, "
        "not_fulfillable, visible_only."
    )
    error: str | None


class ConfigurationExportPage(BaseModel):
    items: list[ConfigurationExportOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class RetryOut(BaseModel):
    configuration: str
    order_id: int
    message: str


@router.post(
    "",
    status_code=201,
    response_model=ConfigurationOut,
    responses=error_responses(409),
)
async def create(body: ConfigurationCreate, ctx: Ctx, token: Token) -> dict[str, Any]:
    spec = ConfigurationSpec(
        name=body.name,
        target=body.target,
        description=body.description,
        conditions=_conditions(body.conditions),
        update_status=body.update_status,
        enabled=body.enabled,
        interval_seconds=body.interval_seconds,
        cron=body.cron,
    )
    await create_configuration(ctx, spec, actor=f"api:{token.name}")
    return await configuration_detail(ctx, body.name)


@router.get("", response_model=ConfigurationList)
async def list_all(ctx: Ctx) -> dict[str, list[dict[str, Any]]]:
    return {"items": await list_configurations(ctx)}


@router.get("/{name}", response_model=ConfigurationOut, responses=error_responses(404))
async def show(name: str, ctx: Ctx) -> dict[str, Any]:
    return await configuration_detail(ctx, name)


@router.patch("/{name}", response_model=ConfigurationOut, responses=error_responses(404))
async def change(name: str, body: ConfigurationUpdate, ctx: Ctx, token: Token) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if "conditions" in changes:
        changes["conditions"] = (
            _conditions(body.conditions) if body.conditions is not None else None
        )
    await update_configuration(ctx, name, changes, actor=f"api:{token.name}")
    return await configuration_detail(ctx, name)


@router.delete("/{name}", status_code=204, responses=error_responses(404, 409))
async def remove(name: str, ctx: Ctx, token: Token) -> Response:
    """Refused while a run holds it or exports of it wait in the outbox (the answer says
    how many)."""
    await delete_configuration(ctx, name, actor=f"api:{token.name}")
    return Response(status_code=204)


@router.post("/{name}/run", response_model=RunOut, responses=error_responses(404, 409))
async def run(
    name: str,
    ctx: Ctx,
    token: Token,
    body: Annotated[RunRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Run now (the manual Run): schedule every matching order not exported by it yet and
    answer with the summary. Delivery follows through the outbox."""
    summary = await run_configuration(
        ctx,
        name,
        actor=f"api:{token.name}",
        retry_failed=body.retry_failed if body else False,
    )
    return asdict(summary)


@router.get(
    "/{name}/exports",
    response_model=ConfigurationExportPage,
    responses=error_responses(404),
)
async def exports(
    name: str,
    ctx: Ctx,
    status: Annotated[
        list[str] | None,
        Query(description=f"Repeatable: {', '.join(EXPORT_STATUSES)}."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    """What this configuration exported or is exporting, newest first."""
    page = await configuration_exports_page(ctx, name, status=status, limit=limit, cursor=cursor)
    items: list[ConfigurationExport] = page.items
    return {"items": [asdict(item) for item in items], "next_cursor": page.next_cursor}


@router.post(
    "/{name}/exports/{order_id}/retry",
    response_model=RetryOut,
    responses=error_responses(404, 409),
)
async def retry(name: str, order_id: int, ctx: Ctx, token: Token) -> RetryOut:
    """Send a failed export of this configuration again, with fresh attempts."""
    message = await retry_export(ctx, name, order_id, actor=f"api:{token.name}")
    return RetryOut(configuration=name, order_id=order_id, message=message)
