"""``/status-sources``: folders of status files and polled OMS endpoints, and their runs.

Create, list, show, change (``PATCH``), enable, disable, remove and run; every change and
manual run is written to the audit log with the token's name as its actor.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, field_validator

from orderbridge.services.run_schedule import MIN_INTERVAL_SECONDS
from orderbridge.services.status_sources.sources import (
    create_source,
    delete_source,
    list_sources,
    run_source,
    source_detail,
    update_source,
)
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import RequestBody

router = APIRouter(prefix="/status-sources", tags=["status sources"])

CRON_DESCRIPTION = (
    "A five-field cron expression in UTC (minute hour day month weekday), e.g. `15 6 * * *`; "
    "when set, runs follow it instead of `interval_seconds`."
)


class StatusSourceIn(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(description="`folder` (status files) or `poll` (an OMS endpoint).")
    settings: dict[str, Any] = Field(
        examples=[{"folder": "/srv/oms/status", "format": "auto", "expected_file": "status_*.csv"}],
        description="folder: `folder`, `format` (csv, xml, auto), `expected_file` (a name or "
        "glob), see docs/status-files.md; poll: `url`, `timeout_seconds`, see "
        "docs/oms-polling.md.",
    )
    secret: str | None = Field(
        default=None, description="Write-only: the bearer token of a polled endpoint."
    )
    connection: str | None = Field(
        default=None, description="Connection for rows that do not name one."
    )
    interval_seconds: int | None = Field(
        default=None,
        ge=MIN_INTERVAL_SECONDS,
        description="Seconds between runs (default 60 when no `cron` is given).",
    )
    cron: str | None = Field(default=None, max_length=100, description=CRON_DESCRIPTION)
    enabled: bool = True


class StatusSourceUpdate(RequestBody):
    """Only the fields sent change."""

    settings: dict[str, Any | None] | None = Field(
        default=None, description="Merged key by key into the stored settings; null removes a key."
    )
    secret: str | None = Field(default=None, description="Write-only: replaces the stored one.")
    connection: str | None = Field(
        default=None, description="Connection for rows that name none; null removes it."
    )
    enabled: bool | None = None
    interval_seconds: int | None = Field(
        default=None,
        ge=MIN_INTERVAL_SECONDS,
        description="Run every so many seconds from now on (a cron is cleared).",
    )
    cron: str | None = Field(
        default=None,
        max_length=100,
        description=f"{CRON_DESCRIPTION} null: back to `interval_seconds`.",
    )

    @field_validator("settings", "secret", "enabled", "interval_seconds", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # None is only the marker of "not sent"; connection and cron mean something by null.
        if value is None:
            raise ValueError("leave the field out to keep it; it cannot be null")
        return value


class StatusSourceOut(BaseModel):
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    connection: str | None
    enabled: bool
    interval_seconds: int
    cron: str | None
    has_secret: bool
    next_run_at: datetime
    cursor: str | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class RowOutcomeOut(BaseModel):
    origin: str
    order_id: str
    action: str
    ok: bool
    message: str


class RunOut(BaseModel):
    applied: int
    failed: int
    files_processed: int
    files_failed: int
    error: str | None
    rows: list[RowOutcomeOut]


def _actor(token: Token) -> str:
    return f"api:{token.name}"


@router.post(
    "", status_code=201, response_model=StatusSourceOut, responses=error_responses(404, 409)
)
async def create(body: StatusSourceIn, ctx: Ctx, token: Token) -> dict[str, Any]:
    source_id = await create_source(
        ctx,
        name=body.name,
        kind=body.kind,
        settings=body.settings,
        connection=body.connection,
        interval_seconds=body.interval_seconds,
        cron=body.cron,
        enabled=body.enabled,
        secret=body.secret,
        actor=_actor(token),
    )
    return await source_detail(ctx, source_id)


@router.get("", response_model=list[StatusSourceOut])
async def list_all(ctx: Ctx) -> list[dict[str, Any]]:
    return await list_sources(ctx)


@router.get("/{name}", response_model=StatusSourceOut, responses=error_responses(404))
async def show(name: str, ctx: Ctx) -> dict[str, Any]:
    return await source_detail(ctx, name)


@router.patch("/{name}", response_model=StatusSourceOut, responses=error_responses(404))
async def change(name: str, body: StatusSourceUpdate, ctx: Ctx, token: Token) -> dict[str, Any]:
    """Change the fields sent: ``settings`` merged key by key (``null`` removes a key),
    ``secret`` replaced, ``connection: null`` removed; ``interval_seconds`` or ``cron``
    (``cron: null`` back to the interval) set the schedule and the next run from now."""
    await update_source(ctx, name, body.model_dump(exclude_unset=True), actor=_actor(token))
    return await source_detail(ctx, name)


@router.post("/{name}/enable", response_model=StatusSourceOut, responses=error_responses(404))
async def enable(name: str, ctx: Ctx, token: Token) -> dict[str, Any]:
    """Run the source on its schedule again (its next run is set from now)."""
    await update_source(ctx, name, {"enabled": True}, actor=_actor(token))
    return await source_detail(ctx, name)


@router.post("/{name}/disable", response_model=StatusSourceOut, responses=error_responses(404))
async def disable(name: str, ctx: Ctx, token: Token) -> dict[str, Any]:
    """Stop scheduled runs; a manual run still works."""
    await update_source(ctx, name, {"enabled": False}, actor=_actor(token))
    return await source_detail(ctx, name)


@router.delete("/{name}", status_code=204, responses=error_responses(404, 409))
async def remove(name: str, ctx: Ctx, token: Token) -> Response:
    """Remove a source that is not running now (409 while it runs)."""
    await delete_source(ctx, name, actor=_actor(token))
    return Response(status_code=204)


@router.post("/{name}/run", response_model=RunOut, responses=error_responses(404, 409))
async def run(name: str, ctx: Ctx, token: Token) -> RunOut:
    """Run the source now and answer with what each row did (the manual Run); a source
    that cannot run (missing folder or expected file, OMS down) answers its ``error``."""
    result = await run_source(ctx, name, owner=_actor(token), actor=_actor(token))
    return RunOut(
        applied=result.applied,
        failed=result.failed,
        files_processed=result.files_processed,
        files_failed=result.files_failed,
        error=result.error,
        rows=[RowOutcomeOut(**asdict(row)) for row in result.rows],
    )
