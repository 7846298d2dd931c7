"""``/export-targets``: the configured ways to hand orders to the OMS (webhook or files)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from orderbridge.services.connections import create_export_target
from orderbridge.services.export_targets import delete_export_target, update_export_target
from orderbridge.services.queries import (
    ExportTargetView,
    export_target_detail,
    list_export_targets,
)
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import (
    ExportTargetCreate,
    ExportTargetList,
    ExportTargetOut,
    ExportTargetUpdate,
)

router = APIRouter(prefix="/export-targets", tags=["export targets"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ExportTargetOut,
    responses=error_responses(409),
)
async def create(body: ExportTargetCreate, ctx: Ctx, token: Token) -> ExportTargetView:
    """Create an export target; a webhook needs its signing ``secret`` (never returned)."""
    target_id = await create_export_target(
        ctx,
        name=body.name,
        kind=body.kind,
        settings=body.settings,
        secret=body.secret,
        actor=f"api:{token.name}",
    )
    return await export_target_detail(ctx, target_id)


@router.get("", response_model=ExportTargetList)
async def list_all(ctx: Ctx) -> dict[str, list[ExportTargetView]]:
    return {"items": await list_export_targets(ctx)}


@router.get("/{name}", response_model=ExportTargetOut, responses=error_responses(404))
async def show(name: str, ctx: Ctx) -> ExportTargetView:
    return await export_target_detail(ctx, name)


@router.patch("/{name}", response_model=ExportTargetOut, responses=error_responses(404))
async def change(name: str, body: ExportTargetUpdate, ctx: Ctx, token: Token) -> ExportTargetView:
    """Merge ``settings`` into the stored ones (``null`` removes a key); a ``secret`` replaces
    the stored one. The result must still be a usable target."""
    await update_export_target(
        ctx, name, settings=body.settings, secret=body.secret, actor=f"api:{token.name}"
    )
    return await export_target_detail(ctx, name)


@router.delete("/{name}", status_code=204, responses=error_responses(404, 409))
async def remove(name: str, ctx: Ctx, token: Token) -> Response:
    """Remove a target no connection uses and no export waits for."""
    await delete_export_target(ctx, name, actor=f"api:{token.name}")
    return Response(status_code=204)
