"""Feeding the merchant's catalog and SKU mappings, and releasing orders they unblock.

The catalog comes from the OMS: a CSV upload (``sku,enabled,stock[,title]``), or single
products through the API. Every change re-checks the held orders at once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select

from orderbridge.services.connections import connection_row
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput, NotFound
from orderbridge.services.order_holds import release_held
from orderbridge.store import catalog
from orderbridge.store.fulfilment_tables import catalog_products, sku_mappings

_TRUE = {"1", "true", "yes", "y", "enabled", "on"}
_FALSE = {"0", "false", "no", "n", "disabled", "off"}
MAX_SKU = 200


@dataclass(slots=True)
class CatalogUpload:
    products: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)


def _flag(value: str, where: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{where}: enabled must be true or false, got {value!r}")


def _stock(value: str | None, where: str) -> int | None:
    if value is None or not value.strip():
        return None  # not tracked
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError(f"{where}: stock must be a whole number, got {value!r}") from None
    if number < 0:
        raise ValueError(f"{where}: stock cannot be negative")
    return number


def parse_catalog_csv(content: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """Products from a CSV with a header ``sku,enabled,stock`` (``title`` optional); rows
    with an error are named and left out, the rest are taken."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the catalog file is not UTF-8 ({exc})", field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = {name.strip().lower() for name in reader.fieldnames or []}
    missing = {"sku", "enabled"} - columns
    if missing:
        raise InvalidInput(
            f"the catalog file lacks the column(s) {', '.join(sorted(missing))}; the header must "
            "be sku,enabled,stock[,title]",
            field="file",
        )
    products: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for number, raw in enumerate(reader, start=2):
        row = {(key or "").strip().lower(): (value or "") for key, value in raw.items()}
        where = f"line {number}"
        sku = row.get("sku", "").strip()
        try:
            if not sku or len(sku) > MAX_SKU:
                raise ValueError(f"{where}: sku is empty or longer than {MAX_SKU} characters")
            products[sku] = {
                "sku": sku,
                "enabled": _flag(row.get("enabled", ""), where),
                "stock": _stock(row.get("stock"), where),
                "title": row.get("title", "").strip() or None,
            }
        except ValueError as exc:
            errors.append(str(exc))
    return list(products.values()), errors


async def upload_catalog(ctx: ServiceContext, content: bytes) -> CatalogUpload:
    products, errors = parse_catalog_csv(content)
    async with ctx.db.write() as conn:
        await catalog.upsert_products(conn, products, ctx.clock())
    return CatalogUpload(len(products), await release_held(ctx), errors)


async def put_product(
    ctx: ServiceContext, sku: str, *, enabled: bool, stock: int | None, title: str | None
) -> int:
    if not sku.strip() or len(sku) > MAX_SKU:
        raise InvalidInput(f"sku must be 1 to {MAX_SKU} characters", field="sku")
    if stock is not None and stock < 0:
        raise InvalidInput("stock cannot be negative", field="stock")
    async with ctx.db.write() as conn:
        await catalog.upsert_products(
            conn,
            [{"sku": sku.strip(), "enabled": enabled, "stock": stock, "title": title}],
            ctx.clock(),
        )
    return await release_held(ctx)


async def list_products(
    ctx: ServiceContext, *, limit: int = 100, after: str | None = None
) -> list[dict[str, Any]]:
    query = select(catalog_products).order_by(catalog_products.c.sku).limit(limit)
    if after:
        query = query.where(catalog_products.c.sku > after)
    async with ctx.db.read() as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings()]


async def count_products(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(catalog_products))).scalar_one()
        )


async def set_mapping(
    ctx: ServiceContext, connection: str, channel_sku: str, merchant_sku: str
) -> int:
    row = await connection_row(ctx, connection)
    if not channel_sku.strip() or not merchant_sku.strip():
        raise InvalidInput("both SKUs must be given", field="merchant_sku")
    async with ctx.db.write() as conn:
        await catalog.upsert_mapping(
            conn, row["id"], channel_sku.strip(), merchant_sku.strip(), ctx.clock()
        )
    return await release_held(ctx, [row["id"]])


async def delete_mapping(ctx: ServiceContext, connection: str, channel_sku: str) -> None:
    row = await connection_row(ctx, connection)
    async with ctx.db.write() as conn:
        result = await conn.execute(
            delete(sku_mappings).where(
                sku_mappings.c.connection_id == row["id"],
                sku_mappings.c.channel_sku == channel_sku,
            )
        )
    if not result.rowcount:
        raise NotFound(f"connection {connection!r} maps no SKU {channel_sku!r}")


async def list_mappings(ctx: ServiceContext, connection: str) -> list[dict[str, Any]]:
    row = await connection_row(ctx, connection)
    async with ctx.db.read() as conn:
        rows = await conn.execute(
            select(
                sku_mappings.c.channel_sku, sku_mappings.c.merchant_sku, sku_mappings.c.updated_at
            )
            .where(sku_mappings.c.connection_id == row["id"])
            .order_by(sku_mappings.c.channel_sku)
        )
        return [dict(item) for item in rows.mappings()]
