"""``orderbridge status-sources add|list|run``: status files and polled OMS endpoints."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services.status_sources import sources as service

app = typer.Typer(help="Where shipments, cancellations and refunds come from besides the API.")


@app.command("add")
def add(
    name: str,
    kind: Annotated[
        str, typer.Option(help="folder (status files), poll (an OMS endpoint) or catalog")
    ],
    folder: Annotated[str | None, typer.Option(help="folder: where the OMS drops files")] = None,
    file_format: Annotated[
        str,
        typer.Option(
            "--format", help="folder: csv, xml or auto (by extension); catalog: csv, json"
        ),
    ] = "auto",
    url: Annotated[str | None, typer.Option(help="poll: the OMS endpoint")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="poll: seconds to wait for the OMS's answer")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="poll: bearer token (stored encrypted)", envvar="OMS_TOKEN")
    ] = None,
    connection: Annotated[
        str | None, typer.Option(help="Connection for rows that name none")
    ] = None,
    interval: Annotated[int, typer.Option(help="Seconds between runs")] = 60,
) -> None:
    """Add a status source."""
    settings: dict[str, object]
    if kind == "folder":
        settings = {"folder": folder, "format": file_format}
    else:
        settings = {"url": url, "timeout_seconds": timeout}
        if kind == "catalog" and file_format != "auto":
            settings["format"] = file_format
    source_id = run_with_context(
        lambda ctx: service.create_source(
            ctx,
            name=name,
            kind=kind,
            settings={key: value for key, value in settings.items() if value is not None},
            connection=connection,
            interval_seconds=interval,
            secret=token,
        )
    )
    console.print(f"status source {name!r} added (id {source_id})")


@app.command("list")
def list_all() -> None:
    """Sources with their last run and last error."""
    rows = run_with_context(service.list_sources)
    table = Table("name", "kind", "settings", "every", "last success", "last error")
    for row in rows:
        table.add_row(
            row["name"],
            row["kind"],
            json.dumps(row["settings"]),
            f"{row['interval_seconds']} s",
            str(row["last_success_at"] or "")[:19],
            row["last_error"] or "",
        )
    console.print(table)


@app.command("run")
def run(name: str) -> None:
    """Run a source now and show what each row did."""
    result = run_with_context(lambda ctx: service.run_source(ctx, name, owner="cli"))
    table = Table("origin", "order", "action", "result")
    for row in result.rows:
        table.add_row(
            row.origin, row.order_id, row.action, ("ok: " if row.ok else "") + row.message
        )
    console.print(table)
    console.print(
        f"{result.applied} applied, {result.failed} failed"
        + (
            f", files {result.files_processed} processed / {result.files_failed} failed"
            if result.files_processed or result.files_failed
            else ""
        )
    )
    if result.error:
        console.print(f"[red]source failed:[/red] {result.error}")
        raise typer.Exit(1)
    if result.failed:
        raise typer.Exit(1)
