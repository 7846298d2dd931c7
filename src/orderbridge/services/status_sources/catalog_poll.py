"""A status source of kind ``catalog``: the merchant's catalog fetched from the OMS.

``GET {url}`` (with the source's bearer token) answers the catalog as CSV
(``sku,enabled,stock[,title]``, like an upload) or as JSON (a list of
``{"sku", "enabled", "stock", "title"}``). Each run replaces the products it lists and
re-checks the held orders; rows with an error are named and left out, the rest is taken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from orderbridge.oms.webhook import display_url
from orderbridge.services.catalog import MAX_SKU, parse_catalog_csv
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.order_holds import release_held
from orderbridge.services.status_sources.polling import check_settings as check_poll_settings
from orderbridge.services.status_sources.rows import RowOutcome, RunResult, StatusSource
from orderbridge.services.status_sources.sources import register_runner, register_settings_check
from orderbridge.store import catalog

KIND = "catalog"
FORMATS = ("csv", "json")
MAX_BYTES = 50 * 1024 * 1024


def check_settings(settings: Mapping[str, Any]) -> None:
    """``{"url": …, "format": "csv" | "json", "timeout_seconds"?: …}``."""
    file_format = settings.get("format", "csv")
    if file_format not in FORMATS:
        raise InvalidInput(
            f"format must be one of {', '.join(FORMATS)}, got {file_format!r}",
            field="settings.format",
        )
    check_poll_settings({key: value for key, value in settings.items() if key != "format"})


def parse_catalog_json(content: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    try:
        items = json.loads(content)
    except ValueError as exc:
        raise ValueError(f"the answer is not JSON ({exc})") from exc
    if not isinstance(items, list):
        raise ValueError("the answer must be a JSON list of products")
    products: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for index, item in enumerate(items):
        where = f"item {index}"
        if not isinstance(item, dict):
            errors.append(f"{where}: not an object")
            continue
        sku, enabled, stock = item.get("sku"), item.get("enabled", True), item.get("stock")
        if not isinstance(sku, str) or not sku.strip() or len(sku) > MAX_SKU:
            errors.append(f"{where}: sku must be 1 to {MAX_SKU} characters")
        elif not isinstance(enabled, bool):
            errors.append(f"{where}: enabled must be true or false")
        elif stock is not None and (
            not isinstance(stock, int) or isinstance(stock, bool) or stock < 0
        ):
            errors.append(f"{where}: stock must be a whole number, not negative, or null")
        else:
            title = item.get("title")
            products[sku.strip()] = {
                "sku": sku.strip(),
                "enabled": enabled,
                "stock": stock,
                "title": title if isinstance(title, str) else None,
            }
    return list(products.values()), errors


async def run_catalog(ctx: ServiceContext, source: StatusSource) -> RunResult:
    url = str(source.settings["url"])
    where = display_url(url)
    headers = {"Accept": "text/csv, application/json"}
    if source.secret_encrypted:
        headers["Authorization"] = f"Bearer {ctx.box.decrypt(source.secret_encrypted)}"
    timeout = float(source.settings.get("timeout_seconds", 30))
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        return RunResult(error=f"catalog endpoint {where} could not be read: {type(exc).__name__}")
    if response.status_code != 200:
        hint = " (check the source's secret)" if response.status_code in (401, 403) else ""
        return RunResult(
            error=f"catalog endpoint {where} answered HTTP {response.status_code}{hint}"
        )
    if len(response.content) > MAX_BYTES:
        return RunResult(error=f"catalog endpoint {where} answered more than 50 MiB")
    try:
        if source.settings.get("format", "csv") == "json":
            products, errors = parse_catalog_json(response.content)
        else:
            products, errors = parse_catalog_csv(response.content)
    except (ValueError, InvalidInput) as exc:
        message = exc.message if isinstance(exc, InvalidInput) else str(exc)
        return RunResult(error=f"catalog endpoint {where}: {message}")
    async with ctx.db.write() as conn:
        await catalog.upsert_products(conn, products, ctx.clock())
    released = await release_held(ctx)
    rows = [RowOutcome(f"catalog {where}", "", "catalog", False, error) for error in errors]
    rows.append(
        RowOutcome(
            f"catalog {where}",
            "",
            "catalog",
            True,
            f"{len(products)} product(s) stored, {released} held order(s) released",
        )
    )
    return RunResult(rows=rows)


register_runner(KIND, run_catalog)
register_settings_check(KIND, check_settings)
