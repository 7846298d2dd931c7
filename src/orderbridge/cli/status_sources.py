"""``orderbridge status-sources add|list|show|update|enable|disable|remove|run``: status
files and polled OMS endpoints. Changes made here are in the audit log as ``cli``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services.status_sources import sources as service

app = typer.Typer(help="Where shipments, cancellations and refunds come from besides the API.")
ACTOR = "cli"

IntervalOption = Annotated[
    int | None,
    typer.Option(help="Seconds between runs (at least 10; default 60 without --cron)"),
]
CronOption = Annotated[
    str | None,
    typer.Option(help="Run at these times instead: five-field cron in UTC, e.g. '15 6 * * *'"),
]
ExpectedFileOption = Annotated[
    str | None,
    typer.Option(
        help="folder: the file (name or glob, e.g. 'status_*.csv') each run expects; "
        "none there is an error"
    ),
]


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
    expected_file: ExpectedFileOption = None,
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
    interval: IntervalOption = None,
    cron: CronOption = None,
    disabled: Annotated[bool, typer.Option(help="Create it without scheduled runs")] = False,
) -> None:
    """Add a status source."""
    settings: dict[str, object]
    if kind == "folder":
        settings = {"folder": folder, "format": file_format, "expected_file": expected_file}
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
            cron=cron,
            enabled=not disabled,
            secret=token,
            actor=ACTOR,
        )
    )
    console.print(f"status source {name!r} added (id {source_id})")


def _schedule(row: dict[str, Any]) -> str:
    return f"cron {row['cron']}" if row["cron"] else f"every {row['interval_seconds']} s"


@app.command("list")
def list_all() -> None:
    """Sources with their schedule, next run, last run and last error."""
    rows = run_with_context(service.list_sources)
    table = Table("name", "kind", "settings", "runs", "next run", "last success", "last error")
    for row in rows:
        table.add_row(
            row["name"] + ("" if row["enabled"] else " (disabled)"),
            row["kind"],
            json.dumps(row["settings"]),
            _schedule(row),
            str(row["next_run_at"] or "")[:19] if row["enabled"] else "",
            str(row["last_success_at"] or "")[:19],
            row["last_error"] or "",
        )
    console.print(table)


@app.command("show")
def show(name: str) -> None:
    """One source's settings, schedule and last run (never its secret)."""
    row = run_with_context(lambda ctx: service.source_detail(ctx, name))
    console.print_json(json.dumps(row, default=str))


@app.command("update")
def update(
    name: str,
    folder: Annotated[str | None, typer.Option(help="folder: the status folder")] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="folder: csv, xml or auto")
    ] = None,
    expected_file: ExpectedFileOption = None,
    no_expected_file: Annotated[
        bool, typer.Option("--no-expected-file", help="folder: take any file again")
    ] = False,
    url: Annotated[str | None, typer.Option(help="poll: the OMS endpoint")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="poll: seconds to wait for the OMS's answer")
    ] = None,
    # No envvar here, unlike add: a token left in the environment must not silently replace
    # the stored one when only, say, the interval is changed.
    token: Annotated[
        str | None, typer.Option(help="poll: a new bearer token (replaces the stored one)")
    ] = None,
    connection: Annotated[
        str | None, typer.Option(help="Connection for rows that name none")
    ] = None,
    no_connection: Annotated[
        bool, typer.Option("--no-connection", help="Remove the default connection")
    ] = False,
    interval: Annotated[
        int | None, typer.Option(help="Run every so many seconds (clears a cron)")
    ] = None,
    cron: CronOption = None,
    no_cron: Annotated[
        bool, typer.Option("--no-cron", help="Run by the interval again instead of the cron")
    ] = False,
) -> None:
    """Change a source: only the options given change (settings merged key by key)."""
    settings: dict[str, Any] = {
        key: value
        for key, value in {
            "folder": folder,
            "format": file_format,
            "expected_file": expected_file,
            "url": url,
            "timeout_seconds": timeout,
        }.items()
        if value is not None
    }
    changes: dict[str, Any] = {}
    if no_expected_file:
        settings["expected_file"] = None  # removes the key
    if settings:
        changes["settings"] = settings
    if token:
        changes["secret"] = token
    if no_connection:
        changes["connection"] = None
    elif connection is not None:
        changes["connection"] = connection
    if interval is not None:
        changes["interval_seconds"] = interval
    if no_cron:
        changes["cron"] = None
    elif cron is not None:
        changes["cron"] = cron
    if not changes:
        raise typer.BadParameter("give at least one option to change; see --help")
    run_with_context(lambda ctx: service.update_source(ctx, name, changes, actor=ACTOR))
    console.print(f"status source {name!r} updated")


def _set_enabled(name: str, enabled: bool) -> None:
    run_with_context(
        lambda ctx: service.update_source(ctx, name, {"enabled": enabled}, actor=ACTOR)
    )
    console.print(f"status source {name!r} {'enabled' if enabled else 'disabled'}")


@app.command("enable")
def enable(name: str) -> None:
    """Run the source on its schedule again."""
    _set_enabled(name, True)


@app.command("disable")
def disable(name: str) -> None:
    """Stop scheduled runs (a manual run still works)."""
    _set_enabled(name, False)


@app.command("remove")
def remove(name: str) -> None:
    """Remove a source that is not running now; what it applied stays applied."""
    run_with_context(lambda ctx: service.delete_source(ctx, name, actor=ACTOR))
    console.print(f"status source {name!r} removed")


@app.command("run")
def run(name: str) -> None:
    """Run a source now and show what each row did."""
    result = run_with_context(lambda ctx: service.run_source(ctx, name, owner=ACTOR, actor=ACTOR))
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
