"""``orderbridge import orders|returns``: import now, in this process, with a progress bar each."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from orderbridge.cli.common import console, run_with_context
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput
from orderbridge.services.importing import ImportSummary, import_orders
from orderbridge.services.return_imports import import_returns
from orderbridge.store.tables import connections
from orderbridge.work.identity import worker_name

app = typer.Typer(help="Import from marketplaces now.")


@app.command("orders")
def orders(
    connection: Annotated[
        list[str] | None, typer.Option("--connection", "-c", help="Connection name, repeatable")
    ] = None,
    all_connections: Annotated[
        bool, typer.Option("--all", help="Every connection with import enabled")
    ] = False,
) -> None:
    """Import orders for one connection (--connection NAME) or all (--all)."""
    if bool(connection) == all_connections:
        raise typer.BadParameter("give --connection NAME (one or more) or --all")
    _show(run_with_context(lambda ctx: _run(ctx, connection, all_connections, "orders")))


@app.command("returns")
def returns(
    connection: Annotated[
        list[str] | None, typer.Option("--connection", "-c", help="Connection name, repeatable")
    ] = None,
    all_connections: Annotated[
        bool, typer.Option("--all", help="Every connection with import enabled")
    ] = False,
) -> None:
    """Import returns for one connection (--connection NAME) or all (--all)."""
    if bool(connection) == all_connections:
        raise typer.BadParameter("give --connection NAME (one or more) or --all")
    _show(run_with_context(lambda ctx: _run(ctx, connection, all_connections, "returns")))


def _show(summaries: list[ImportSummary]) -> None:
    table = Table("connection", "result", "pages", "seen", "new", "updated", "failed", "note")
    for summary in summaries:
        table.add_row(
            summary.connection_name,
            summary.status,
            str(summary.pages),
            str(summary.seen),
            str(summary.created),
            str(summary.updated),
            str(summary.failed),
            summary.error or "",
        )
    console.print(table)
    if any(summary.status == "failed" for summary in summaries):
        raise typer.Exit(1)


async def _run(
    ctx: ServiceContext, names: list[str] | None, all_connections: bool, feed: str
) -> list[ImportSummary]:
    async with ctx.db.read() as conn:
        query = select(connections.c.name, connections.c.import_enabled).order_by(
            connections.c.name
        )
        rows = (await conn.execute(query)).all()
    known = {row.name: row.import_enabled for row in rows}
    if all_connections:
        chosen = [name for name, enabled in known.items() if enabled]
    else:
        chosen = list(names or [])
        missing = [name for name in chosen if name not in known]
        if missing:
            raise InvalidInput(f"no connection named {', '.join(missing)}", field="connection")
        # Refuse before any import starts, so one disabled name cannot cut another run short.
        disabled = [name for name in chosen if not known[name]]
        if disabled:
            raise InvalidInput(
                f"import is disabled for {', '.join(disabled)}; enable it with "
                "`orderbridge connections enable NAME`",
                field="connection",
            )
    owner = worker_name("cli")
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[orders]} " + feed + ", {task.fields[pages]} pages"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:

        async def one(name: str) -> ImportSummary:
            task = progress.add_task(name, total=None, orders=0, pages=0)

            def report(summary: ImportSummary) -> None:
                progress.update(task, orders=summary.seen, pages=summary.pages)

            if feed == "returns":
                summary = await _import_returns(ctx, name, owner)
            else:
                summary = await import_orders(
                    ctx, name, trigger="manual", owner=owner, progress=report
                )
            progress.update(task, total=1, completed=1, orders=summary.seen, pages=summary.pages)
            return summary

        return list(await asyncio.gather(*(one(name) for name in chosen)))


async def _import_returns(ctx: ServiceContext, name: str, owner: str) -> ImportSummary:
    try:
        return await import_returns(ctx, name, trigger="manual", owner=owner)
    except InvalidInput as exc:
        # A channel without returns is a note in the table, not the end of the others.
        summary = ImportSummary(connection_id=0, connection_name=name, status="skipped")
        summary.error = exc.message
        return summary
