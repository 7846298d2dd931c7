"""``/status-sources``: folders of status files and polled OMS endpoints, and their runs."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from orderbridge.services.status_sources.sources import (
    MIN_INTERVAL_SECONDS,
    create_source,
    list_sources,
    run_source,
    source_detail,
)
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import RequestBody

router = APIRouter(prefix="/status-sources", tags=["status sources"])


class StatusSourceIn(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(description="`folder` (status files) or `poll` (an OMS endpoint).")
    settings: dict[str, Any] = Field(
        examples=[{"folder": "/srv/oms/status", "format": "auto"}],
        description="folder: `folder`, `format` (csv, xml, auto), see docs/status-files.md; "
        "poll: `url`, `timeout_seconds`, see docs/oms-polling.md.",
    )
    secret: str | None = Field(
        default=None, description="Write-only: the bearer token of a polled endpoint."
    )
    connection: str | None = Field(
        default=None, description="Connection for rows that do not name one."
    )
    interval_seconds: int = Field(default=60, ge=MIN_INTERVAL_SECONDS)
    enabled: bool = True


class StatusSourceOut(BaseModel):
    id: int
    name: str
    kind: str
    settings: dict[str, Any]
    connection: str | None
    enabled: bool
    interval_seconds: int
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


@router.post(
    "", status_code=201, response_model=StatusSourceOut, responses=error_responses(404, 409)
)
async def create(body: StatusSourceIn, ctx: Ctx) -> dict[str, Any]:
    source_id = await create_source(
        ctx,
        name=body.name,
        kind=body.kind,
        settings=body.settings,
        connection=body.connection,
        interval_seconds=body.interval_seconds,
        enabled=body.enabled,
        secret=body.secret,
    )
    return await source_detail(ctx, source_id)


@router.get("", response_model=list[StatusSourceOut])
async def list_all(ctx: Ctx) -> list[dict[str, Any]]:
    return await list_sources(ctx)


@router.get("/{name}", response_model=StatusSourceOut, responses=error_responses(404))
async def show(name: str, ctx: Ctx) -> dict[str, Any]:
    return await source_detail(ctx, name)


@router.post("/{name}/run", response_model=RunOut, responses=error_responses(404, 409))
async def run(name: str, ctx: Ctx, token: Token) -> RunOut:
    """Run the source now and answer with what each row did (the manual Run)."""
    result = await run_source(ctx, name, owner=f"api:{token.name}")
    return RunOut(
        applied=result.applied,
        failed=result.failed,
        files_processed=result.files_processed,
        files_failed=result.files_failed,
        error=result.error,
        rows=[RowOutcomeOut(**asdict(row)) for row in result.rows],
    )
