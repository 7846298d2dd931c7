"""``/catalog``, ``/connections/{name}/sku-mappings`` and ``/notices``: what decides whether
a new order can be created, and the orders held because it cannot."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from orderbridge.services import catalog as service
from orderbridge.services.order_holds import held_summary
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.schemas import RequestBody

router = APIRouter(tags=["catalog"])
MAX_UPLOAD = 20 * 1024 * 1024


class ProductIn(RequestBody):
    enabled: bool = True
    stock: int | None = Field(default=None, ge=0, description="Null: stock not tracked.")
    title: str | None = Field(default=None, max_length=500)


class ProductOut(BaseModel):
    sku: str
    title: str | None
    enabled: bool
    stock: int | None
    updated_at: datetime


class ProductPage(BaseModel):
    items: list[ProductOut]
    total: int
    next_after: str | None = Field(description="Pass as `after` for the next page.")


class CatalogChange(BaseModel):
    products: int = Field(description="Products stored.")
    released: int = Field(description="Held orders this change released.")
    errors: list[str] = Field(default_factory=list, description="Rows left out, and why.")


class MappingIn(RequestBody):
    merchant_sku: str = Field(min_length=1, max_length=200)


class MappingOut(BaseModel):
    channel_sku: str
    merchant_sku: str
    updated_at: datetime


class Notice(BaseModel):
    connection: str
    orders: int
    reasons: dict[str, int]
    message: str = Field(
        examples=[
            "3 order(s) from connection amazon-eu cannot be created: SKU MUG-9 is not in "
            "the catalog (2); product MUG-2: 4 needed, 1 in stock (1)"
        ]
    )


@router.post("/catalog/upload", response_model=CatalogChange, responses=error_responses(413))
async def upload(request: Request, ctx: Ctx) -> CatalogChange:
    """Send the catalog as CSV (`text/csv` body, header `sku,enabled,stock[,title]`); products
    are added or replaced, and held orders are checked again at once."""
    body = await request.body()
    if len(body) > MAX_UPLOAD:
        raise HTTPException(413, "the catalog file is larger than 20 MiB; send it in parts")
    result = await service.upload_catalog(ctx, body)
    return CatalogChange(products=result.products, released=result.released, errors=result.errors)


@router.get("/catalog/products", response_model=ProductPage)
async def products(
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: str | None = None,
) -> ProductPage:
    items = await service.list_products(ctx, limit=limit, after=after)
    return ProductPage(
        items=[ProductOut(**item) for item in items],
        total=await service.count_products(ctx),
        next_after=items[-1]["sku"] if len(items) == limit else None,
    )


@router.put("/catalog/products/{sku}", response_model=CatalogChange)
async def put_product(sku: str, body: ProductIn, ctx: Ctx) -> CatalogChange:
    released = await service.put_product(
        ctx, sku, enabled=body.enabled, stock=body.stock, title=body.title
    )
    return CatalogChange(products=1, released=released)


@router.get(
    "/connections/{name}/sku-mappings",
    response_model=list[MappingOut],
    responses=error_responses(404),
)
async def mappings(name: str, ctx: Ctx) -> list[dict[str, Any]]:
    return await service.list_mappings(ctx, name)


@router.put(
    "/connections/{name}/sku-mappings/{channel_sku}",
    response_model=CatalogChange,
    responses=error_responses(404),
)
async def set_mapping(name: str, channel_sku: str, body: MappingIn, ctx: Ctx) -> CatalogChange:
    """The connection's SKU `channel_sku` is the merchant's `merchant_sku` in the catalog."""
    released = await service.set_mapping(ctx, name, channel_sku, body.merchant_sku)
    return CatalogChange(products=0, released=released)


@router.delete(
    "/connections/{name}/sku-mappings/{channel_sku}",
    status_code=204,
    responses=error_responses(404),
)
async def delete_mapping(name: str, channel_sku: str, ctx: Ctx) -> Response:
    await service.delete_mapping(ctx, name, channel_sku)
    return Response(status_code=204)


@router.get("/notices", response_model=list[Notice])
async def notices(ctx: Ctx) -> list[dict[str, Any]]:
    """System notices: per connection, the orders that cannot be created and why."""
    return await held_summary(ctx)
