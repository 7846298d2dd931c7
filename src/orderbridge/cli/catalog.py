"""``orderbridge catalog import|list``, ``mappings set|list|remove`` and ``notices``: what
decides whether new orders can be created, and the orders held because they cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services import catalog as service
from orderbridge.services.order_holds import held_summary

catalog_app = typer.Typer(
    help="The merchant's products (for holding orders the shop cannot serve)."
)
mappings_app = typer.Typer(help="A connection's SKUs mapped to the catalog's.")


@catalog_app.command("import")
def import_catalog(
    file: Annotated[Path, typer.Argument(help="CSV with the header sku,enabled,stock[,title]")],
) -> None:
    """Add or replace products from a CSV file; held orders are checked again at once."""
    content = file.read_bytes()
    result = run_with_context(lambda ctx: service.upload_catalog(ctx, content))
    for error in result.errors:
        console.print(f"[yellow]skipped[/yellow] {error}")
    console.print(f"{result.products} product(s) stored, {result.released} held order(s) released")
    if result.errors:
        raise typer.Exit(1)


@catalog_app.command("list")
def list_catalog(
    limit: Annotated[int, typer.Option(help="Rows to show")] = 50,
    after: Annotated[str | None, typer.Option(help="Start after this SKU")] = None,
) -> None:
    """Products by SKU."""
    rows = run_with_context(lambda ctx: service.list_products(ctx, limit=limit, after=after))
    table = Table("sku", "enabled", "stock", "title")
    for row in rows:
        stock = "not tracked" if row["stock"] is None else str(row["stock"])
        table.add_row(row["sku"], "yes" if row["enabled"] else "no", stock, row["title"] or "")
    console.print(table)


@mappings_app.command("set")
def set_mapping(connection: str, channel_sku: str, merchant_sku: str) -> None:
    """Map the connection's CHANNEL_SKU to the catalog's MERCHANT_SKU."""
    released = run_with_context(
        lambda ctx: service.set_mapping(ctx, connection, channel_sku, merchant_sku)
    )
    console.print(f"{channel_sku} → {merchant_sku}; {released} held order(s) released")


@mappings_app.command("list")
def list_mappings(connection: str) -> None:
    rows = run_with_context(lambda ctx: service.list_mappings(ctx, connection))
    table = Table("channel sku", "merchant sku")
    for row in rows:
        table.add_row(row["channel_sku"], row["merchant_sku"])
    console.print(table)


@mappings_app.command("remove")
def remove_mapping(connection: str, channel_sku: str) -> None:
    run_with_context(lambda ctx: service.delete_mapping(ctx, connection, channel_sku))
    console.print(f"mapping of {channel_sku} removed")


def notices() -> None:
    """Orders that cannot be created, per connection, and why."""
    rows = run_with_context(held_summary)
    if not rows:
        console.print("no held orders")
        return
    for row in rows:
        console.print(row["message"])
