"""``orderbridge errors list|show`` and ``orderbridge exports list``: what needs attention."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services import queries

errors_app = typer.Typer(help="The error log.")
scheduled_app = typer.Typer(help="The scheduled exports (pending outbound work).")


@errors_app.command("list")
def list_errors(
    connection: Annotated[str | None, typer.Option(help="Only this connection")] = None,
    unresolved: Annotated[bool, typer.Option(help="Only unresolved entries")] = True,
    limit: Annotated[int, typer.Option(help="Rows")] = 50,
) -> None:
    """Newest errors first."""
    page = run_with_context(
        lambda ctx: queries.list_errors(
            ctx, connection=connection, operation=None, unresolved_only=unresolved, limit=limit
        )
    )
    table = Table("id", "time", "operation", "connection", "order", "title")
    for item in page.items:
        table.add_row(
            str(item.id),
            str(item.at)[:19],
            item.operation,
            item.connection or "",
            str(item.order_id or item.external_order_id or ""),
            item.title[:100],
        )
    console.print(table)


@errors_app.command("show")
def show(error_id: int) -> None:
    """One entry with all its attributes (HTTP status, response excerpt, fix)."""
    entry = run_with_context(lambda ctx: queries.error_detail(ctx, error_id))
    console.print_json(json.dumps(asdict(entry), default=str))


@scheduled_app.command("list")
def scheduled(limit: Annotated[int, typer.Option(help="Rows")] = 50) -> None:
    """Pending, running and failed-for-good exports."""
    page = run_with_context(lambda ctx: queries.scheduled_exports(ctx, limit=limit))
    table = Table("id", "order", "connection", "target", "status", "attempts", "next", "error")
    for item in page.items:
        table.add_row(
            str(item.id),
            item.order_external_id,
            item.connection,
            item.target or "",
            item.status,
            f"{item.attempts}/{item.max_attempts}",
            str(item.next_attempt_at)[:19],
            (item.last_error or "")[:60],
        )
    console.print(table)
