"""``/connections``: create, list, show, change, enable, disable and test connections."""

from __future__ import annotations

from fastapi import APIRouter, status

from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    test_connection,
    update_connection,
)
from orderbridge.services.order_holds import release_held
from orderbridge.services.queries import ConnectionView, connection_detail, list_connections
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import (
    ConnectionCreate,
    ConnectionList,
    ConnectionOut,
    ConnectionTestResult,
    ConnectionUpdate,
)

router = APIRouter(prefix="/connections", tags=["connections"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConnectionOut,
    responses=error_responses(409),
)
async def create(body: ConnectionCreate, ctx: Ctx, token: Token) -> ConnectionView:
    """Create a connection; its credentials are checked by the channel's connector first."""
    connection_id = await create_connection(
        ctx, ConnectionSpec(**body.model_dump()), actor=f"api:{token.name}"
    )
    return await connection_detail(ctx, connection_id)


@router.get("", response_model=ConnectionList)
async def list_all(ctx: Ctx) -> dict[str, list[ConnectionView]]:
    return {"items": await list_connections(ctx)}


@router.get("/{name}", response_model=ConnectionOut, responses=error_responses(404))
async def show(name: str, ctx: Ctx) -> ConnectionView:
    """The connection's settings (never its credentials) and how its imports went."""
    return await connection_detail(ctx, name)


@router.patch("/{name}", response_model=ConnectionOut, responses=error_responses(404))
async def change(name: str, body: ConnectionUpdate, ctx: Ctx, token: Token) -> ConnectionView:
    changes = body.model_dump(exclude_unset=True)
    await update_connection(ctx, name, changes, actor=f"api:{token.name}")
    view = await connection_detail(ctx, name)
    if "check_catalog" in changes or "visible_only" in changes:
        # Held orders follow the new setting at once (all released when checks stop).
        await release_held(ctx, [view.id])
        view = await connection_detail(ctx, name)
    return view


@router.post("/{name}/enable", response_model=ConnectionOut, responses=error_responses(404))
async def enable(name: str, ctx: Ctx, token: Token) -> ConnectionView:
    """Turn scheduled and on-demand imports on."""
    await update_connection(ctx, name, {"import_enabled": True}, actor=f"api:{token.name}")
    return await connection_detail(ctx, name)


@router.post("/{name}/disable", response_model=ConnectionOut, responses=error_responses(404))
async def disable(name: str, ctx: Ctx, token: Token) -> ConnectionView:
    """Turn imports off; stored orders and scheduled exports stay as they are."""
    await update_connection(ctx, name, {"import_enabled": False}, actor=f"api:{token.name}")
    return await connection_detail(ctx, name)


@router.post("/{name}/test", response_model=ConnectionTestResult, responses=error_responses(404))
async def test(name: str, ctx: Ctx) -> ConnectionTestResult:
    """One cheap authenticated call to the marketplace with the stored credentials."""
    message = await test_connection(ctx, name)
    return ConnectionTestResult(connection=name, ok=message == "ok", message=message)
