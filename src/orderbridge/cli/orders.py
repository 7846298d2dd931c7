"""``orderbridge orders list`` and ``orderbridge export orders``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.cli.returns import export_command
from orderbridge.services import queries
from orderbridge.services.exporting import export_orders

orders_app = typer.Typer(help="Orders as orderbridge holds them.")
export_app = typer.Typer(help="Export to the OMS now.")


@orders_app.command("list")
def list_orders(
    connection: Annotated[str | None, typer.Option(help="Only this connection")] = None,
    status: Annotated[list[str] | None, typer.Option(help="Order status, repeatable")] = None,
    export_status: Annotated[
        list[str] | None, typer.Option(help="Export status, repeatable")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Id, buyer or SKU")] = None,
    limit: Annotated[int, typer.Option(help="Rows per page")] = 50,
    cursor: Annotated[str | None, typer.Option(help="From a previous page's cursor")] = None,
) -> None:
    """List orders, newest purchase first."""
    page = run_with_context(
        lambda ctx: queries.list_orders(
            ctx,
            connection=connection,
            status=status,
            export_status=export_status,
            search=search,
            limit=limit,
            cursor=cursor,
        )
    )
    table = Table("id", "connection", "order", "purchased", "status", "import", "export", "total")
    for item in page.items:
        table.add_row(
            str(item.id),
            item.connection,
            item.external_id,
            str(item.purchased_at)[:19],
            item.status,
            item.import_status,
            item.export_status,
            f"{item.total} {item.currency}",
        )
    console.print(table)
    if page.next_cursor:
        console.print(f"next page: --cursor {page.next_cursor}")


@export_app.command("orders")
def export(order_ids: list[int]) -> None:
    """Export chosen orders; each answers scheduled, or why not."""
    decisions = run_with_context(lambda ctx: export_orders(ctx, order_ids, actor="cli"))
    table = Table("order", "result", "message")
    for decision in decisions:
        table.add_row(
            str(decision.order_id),
            "[green]scheduled[/green]" if decision.scheduled else "[red]refused[/red]",
            decision.message,
        )
    console.print(table)
    if not all(decision.scheduled for decision in decisions):
        raise typer.Exit(1)


export_app.command("returns")(export_command)
