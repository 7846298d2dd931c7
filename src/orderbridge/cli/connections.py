"""``orderbridge connections …`` and ``orderbridge targets …``."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services import connections as service
from orderbridge.services import export_targets as targets_service
from orderbridge.services import queries
from orderbridge.services.context import ServiceContext

app = typer.Typer(help="Marketplace connections: add, list, show, enable, disable, update, test.")
targets_app = typer.Typer(help="Export targets (webhook or files) that receive orders.")
ACTOR = "cli"  # who the audit log names for changes made here


def _pairs(values: list[str], what: str) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} must look like key=value, got {value!r}")
        parsed[key] = item
    return parsed


def _options(values: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, value in _pairs(values, "--option").items():
        # JSON values (lists, numbers) where they parse; plain strings otherwise.
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


@app.command("add")
def add(
    name: str,
    channel: Annotated[str, typer.Option(help="Channel type, e.g. amazon")],
    credential: Annotated[
        list[str], typer.Option("--credential", "-c", help="key=value, repeatable")
    ],
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="key=JSON or text, repeatable")
    ] = None,
    interval: Annotated[int, typer.Option(help="Import interval in seconds (min 30)")] = 300,
    overlap: Annotated[int, typer.Option(help="Look-back overlap in seconds")] = 600,
    export_target: Annotated[str | None, typer.Option(help="Name of the export target")] = None,
    auto_export: Annotated[bool, typer.Option(help="Export new orders automatically")] = True,
    disabled: Annotated[bool, typer.Option(help="Create with import disabled")] = False,
    tracking_wait: Annotated[
        int, typer.Option(help="Seconds a shipment waits for its tracking number")
    ] = 10800,
    late_warning: Annotated[
        int, typer.Option(help="Flag unshipped orders this many seconds before their ship date")
    ] = 86400,
    check_catalog: Annotated[
        bool, typer.Option(help="Hold new orders the catalog cannot serve")
    ] = False,
    visible_only: Annotated[
        bool, typer.Option(help="Read and show orders only; never export or update them")
    ] = False,
) -> None:
    """Add a connection; credentials are encrypted at rest and never shown again."""
    spec = service.ConnectionSpec(
        name=name,
        channel=channel,
        credentials=_pairs(credential, "--credential"),
        options=_options(option or []),
        import_enabled=not disabled,
        import_interval_seconds=interval,
        overlap_seconds=overlap,
        auto_export=auto_export,
        export_target=export_target,
        tracking_wait_seconds=tracking_wait,
        late_warning_seconds=late_warning,
        check_catalog=check_catalog,
        visible_only=visible_only,
    )
    connection_id = run_with_context(lambda ctx: service.create_connection(ctx, spec, actor=ACTOR))
    console.print(f"connection [bold]{name}[/bold] added (id {connection_id})")


@app.command("list")
def list_connections() -> None:
    """All connections with their last successful order and return imports."""
    rows = run_with_context(queries.list_connections)
    table = Table(
        "name",
        "channel",
        "import",
        "interval",
        "last successful import",
        "last returns import",
        "last error",
    )
    for row in rows:
        table.add_row(
            row.name,
            row.channel,
            "on" if row.import_enabled else "off",
            f"{row.import_interval_seconds}s",
            _when(row.last_success_at),
            _when(row.returns_last_success_at),
            (row.last_error or row.returns_last_error or "")[:60],
        )
    console.print(table)


@app.command("show")
def show(name: str) -> None:
    """One connection's settings and import state (credentials are never shown)."""
    row = run_with_context(lambda ctx: queries.connection_detail(ctx, name))
    console.print_json(json.dumps(asdict(row), default=str))


def _set_enabled(name: str, enabled: bool) -> None:
    run_with_context(
        lambda ctx: service.update_connection(ctx, name, {"import_enabled": enabled}, actor=ACTOR)
    )
    console.print(f"import {'enabled' if enabled else 'disabled'} for [bold]{name}[/bold]")


@app.command("enable")
def enable(name: str) -> None:
    """Turn scheduled import on."""
    _set_enabled(name, True)


@app.command("disable")
def disable(name: str) -> None:
    """Turn scheduled import off."""
    _set_enabled(name, False)


@app.command("update")
def update(
    name: str,
    interval: Annotated[int | None, typer.Option(help="Import interval in seconds")] = None,
    overlap: Annotated[int | None, typer.Option(help="Look-back overlap in seconds")] = None,
    export_target: Annotated[str | None, typer.Option(help="Export target name")] = None,
    auto_export: Annotated[bool | None, typer.Option(help="Export new orders by itself")] = None,
    credential: Annotated[list[str] | None, typer.Option("--credential", "-c")] = None,
    option: Annotated[list[str] | None, typer.Option("--option", "-o")] = None,
    tracking_wait: Annotated[int | None, typer.Option(help="Tracking wait in seconds")] = None,
    late_warning: Annotated[int | None, typer.Option(help="Late warning in seconds")] = None,
    check_catalog: Annotated[
        bool | None, typer.Option(help="Hold new orders the catalog cannot serve")
    ] = None,
    visible_only: Annotated[
        bool | None, typer.Option(help="Read and show orders only; never export or update them")
    ] = None,
) -> None:
    """Change settings of a connection."""
    changes: dict[str, Any] = {}
    if tracking_wait is not None:
        changes["tracking_wait_seconds"] = tracking_wait
    if late_warning is not None:
        changes["late_warning_seconds"] = late_warning
    if check_catalog is not None:
        changes["check_catalog"] = check_catalog
    if visible_only is not None:
        changes["visible_only"] = visible_only
    if interval is not None:
        changes["import_interval_seconds"] = interval
    if overlap is not None:
        changes["overlap_seconds"] = overlap
    if export_target is not None:
        changes["export_target"] = export_target
    if auto_export is not None:
        changes["auto_export"] = auto_export
    if credential:
        changes["credentials"] = _pairs(credential, "--credential")
    if option:
        changes["options"] = _options(option)
    run_with_context(lambda ctx: service.update_connection(ctx, name, changes, actor=ACTOR))
    console.print(f"connection [bold]{name}[/bold] updated")


@app.command("test")
def test(name: str) -> None:
    """Make one authenticated call to the marketplace."""
    outcome = run_with_context(lambda ctx: service.test_connection(ctx, name))
    console.print(outcome)
    if outcome != "ok":
        raise typer.Exit(1)


@targets_app.command("add")
def add_target(
    name: str,
    kind: Annotated[str, typer.Option(help="webhook or file")],
    url: Annotated[str | None, typer.Option(help="Webhook URL")] = None,
    secret: Annotated[str | None, typer.Option(help="Webhook signing secret")] = None,
    folder: Annotated[str | None, typer.Option(help="Folder for file exports")] = None,
    file_format: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
) -> None:
    """Add an export target."""
    settings: dict[str, Any] = (
        {"url": url} if kind == "webhook" else {"folder": folder, "format": file_format}
    )

    async def create(ctx: ServiceContext) -> int:
        return await service.create_export_target(
            ctx, name=name, kind=kind, settings=settings, secret=secret, actor=ACTOR
        )

    target_id = run_with_context(create)
    console.print(f"export target [bold]{name}[/bold] added (id {target_id})")


@targets_app.command("list")
def list_targets() -> None:
    """Export targets with their settings (never their secrets)."""
    rows = run_with_context(queries.list_export_targets)
    table = Table("name", "kind", "settings", "secret")
    for row in rows:
        table.add_row(row.name, row.kind, json.dumps(row.settings), "set" if row.has_secret else "")
    console.print(table)


@targets_app.command("update")
def update_target(
    name: str,
    setting: Annotated[
        list[str] | None,
        typer.Option("--setting", "-s", help="key=value (JSON values parsed), repeatable"),
    ] = None,
    secret: Annotated[str | None, typer.Option(help="New webhook signing secret")] = None,
) -> None:
    """Change a target's settings (merged key by key) or replace its secret."""
    settings = _options(setting or [])
    run_with_context(
        lambda ctx: targets_service.update_export_target(
            ctx, name, settings=settings or None, secret=secret, actor=ACTOR
        )
    )
    console.print(f"export target [bold]{name}[/bold] updated")


@targets_app.command("remove")
def remove_target(name: str) -> None:
    """Remove a target that no connection uses and no export waits for."""
    run_with_context(lambda ctx: targets_service.delete_export_target(ctx, name, actor=ACTOR))
    console.print(f"export target [bold]{name}[/bold] removed")


def _when(value: object) -> str:
    return str(value)[:19].replace("T", " ") if value else "never"
