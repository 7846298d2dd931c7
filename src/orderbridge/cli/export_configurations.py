"""``orderbridge export-configs …``: named exports with conditions, actions and a schedule.

add, list, show, update, remove; run (now, with a progress bar and a summary); exports
(what one exported) and retry (send a failed export again). See docs/export-configurations.md.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services import configuration_runs as runs
from orderbridge.services import export_configurations as service
from orderbridge.services.context import ServiceContext
from orderbridge.services.export_conditions import FIELDS
from orderbridge.services.queries.configuration_exports import configuration_exports_page

app = typer.Typer(
    help="Export configurations: send the orders that match conditions to an export target."
)
ACTOR = "cli"


def _conditions(
    *,
    connection: list[str] | None,
    marketplace_status: list[str] | None,
    country: list[str] | None,
    currency: str | None,
    amount_min: str | None,
    amount_max: str | None,
    sku_pattern: str | None,
    fulfillment_channel: list[str] | None,
) -> dict[str, Any]:
    given = {
        "connections": connection,
        "marketplace_statuses": marketplace_status,
        "shipping_countries": country,
        "currency": currency,
        "amount_min": amount_min,
        "amount_max": amount_max,
        "sku_pattern": sku_pattern,
        "fulfillment_channel": fulfillment_channel,
    }
    return {key: value for key, value in given.items() if value}


ConnectionOpt = Annotated[
    list[str] | None, typer.Option("--connection", help="Connection name, repeatable")
]
StatusOpt = Annotated[
    list[str] | None,
    typer.Option("--marketplace-status", help="Marketplace order status, repeatable"),
]
CountryOpt = Annotated[
    list[str] | None, typer.Option("--country", help="Shipping country (ISO code), repeatable")
]
CurrencyOpt = Annotated[str | None, typer.Option(help="Only orders in this currency")]
AmountMinOpt = Annotated[str | None, typer.Option(help="Order total at least, e.g. 50.00")]
AmountMaxOpt = Annotated[str | None, typer.Option(help="Order total at most")]
SkuOpt = Annotated[str | None, typer.Option(help="A line's SKU matches, e.g. 'ACME-*'")]
FulfilmentOpt = Annotated[
    list[str] | None,
    typer.Option("--fulfillment-channel", help="seller, marketplace or a stored value, repeatable"),
]


@app.command("add")
def add(
    name: str,
    target: Annotated[str, typer.Option(help="Export target (its kind is the type)")],
    description: Annotated[str | None, typer.Option(help="What it is for")] = None,
    connection: ConnectionOpt = None,
    marketplace_status: StatusOpt = None,
    country: CountryOpt = None,
    currency: CurrencyOpt = None,
    amount_min: AmountMinOpt = None,
    amount_max: AmountMaxOpt = None,
    sku_pattern: SkuOpt = None,
    fulfillment_channel: FulfilmentOpt = None,
    update_status: Annotated[
        bool, typer.Option(help="Mark exported orders as exported (off for reporting systems)")
    ] = True,
    interval: Annotated[int | None, typer.Option(help="Seconds between runs")] = None,
    cron: Annotated[
        str | None, typer.Option(help="Cron expression in UTC, e.g. '0 * * * *'")
    ] = None,
    disabled: Annotated[bool, typer.Option(help="Create without running on schedule")] = False,
) -> None:
    """Add an export configuration; give --interval or --cron."""
    spec = service.ConfigurationSpec(
        name=name,
        target=target,
        description=description,
        conditions=_conditions(
            connection=connection,
            marketplace_status=marketplace_status,
            country=country,
            currency=currency,
            amount_min=amount_min,
            amount_max=amount_max,
            sku_pattern=sku_pattern,
            fulfillment_channel=fulfillment_channel,
        ),
        update_status=update_status,
        enabled=not disabled,
        interval_seconds=interval,
        cron=cron,
    )
    configuration_id = run_with_context(
        lambda ctx: service.create_configuration(ctx, spec, actor=ACTOR)
    )
    console.print(f"export configuration [bold]{name}[/bold] added (id {configuration_id})")


def _schedule(row: dict[str, Any]) -> str:
    return f"cron {row['cron']}" if row["cron"] else f"every {row['interval_seconds']} s"


@app.command("list")
def list_all() -> None:
    """Configurations with their target, schedule, last run and exports."""
    rows = run_with_context(service.list_configurations)
    table = Table("name", "type", "target", "schedule", "enabled", "last run", "exports")
    for row in rows:
        summary = row["last_run_summary"] or {}
        last = (
            f"{str(row['last_run_at'])[:19]}: {summary.get('scheduled', 0)} scheduled"
            if row["last_run_at"]
            else "never"
        )
        table.add_row(
            row["name"],
            row["type"],
            row["target"],
            _schedule(row),
            "on" if row["enabled"] else "off",
            last,
            ", ".join(f"{count} {status}" for status, count in sorted(row["exports"].items())),
        )
    console.print(table)


@app.command("show")
def show(name: str) -> None:
    """One configuration in full: conditions, actions, schedule, last run summary."""
    row = run_with_context(lambda ctx: service.configuration_detail(ctx, name))
    console.print_json(json.dumps(row, default=str))


@app.command("update")
def update(
    name: str,
    target: Annotated[str | None, typer.Option(help="Export target")] = None,
    description: Annotated[str | None, typer.Option(help="What it is for")] = None,
    connection: ConnectionOpt = None,
    marketplace_status: StatusOpt = None,
    country: CountryOpt = None,
    currency: CurrencyOpt = None,
    amount_min: AmountMinOpt = None,
    amount_max: AmountMaxOpt = None,
    sku_pattern: SkuOpt = None,
    fulfillment_channel: FulfilmentOpt = None,
    clear: Annotated[
        list[str] | None,
        typer.Option("--clear", help=f"Remove a condition, repeatable: {', '.join(FIELDS)}"),
    ] = None,
    update_status: Annotated[
        bool | None, typer.Option(help="Mark exported orders as exported")
    ] = None,
    enabled: Annotated[bool | None, typer.Option("--enable/--disable")] = None,
    interval: Annotated[int | None, typer.Option(help="Seconds between runs")] = None,
    cron: Annotated[str | None, typer.Option(help="Cron expression in UTC")] = None,
) -> None:
    """Change a configuration; condition options replace that condition, --clear removes one."""
    given = _conditions(
        connection=connection,
        marketplace_status=marketplace_status,
        country=country,
        currency=currency,
        amount_min=amount_min,
        amount_max=amount_max,
        sku_pattern=sku_pattern,
        fulfillment_channel=fulfillment_channel,
    )
    for field in clear or []:
        if field not in FIELDS:
            raise typer.BadParameter(f"--clear takes one of {', '.join(FIELDS)}, not {field!r}")
    changes: dict[str, Any] = {}
    for key, value in (
        ("target", target),
        ("description", description),
        ("update_status", update_status),
        ("enabled", enabled),
        ("interval_seconds", interval),
        ("cron", cron),
    ):
        if value is not None:
            changes[key] = value

    async def change(ctx: ServiceContext) -> None:
        if given or clear:
            # The service replaces conditions as a whole; the CLI changes them one by one.
            current = (await service.configuration_detail(ctx, name))["conditions"]
            merged = {**current, **given}
            for field in clear or []:
                merged.pop(field, None)
            changes["conditions"] = merged
        await service.update_configuration(ctx, name, changes, actor=ACTOR)

    run_with_context(change)
    console.print(f"export configuration [bold]{name}[/bold] updated")


@app.command("remove")
def remove(name: str) -> None:
    """Remove a configuration that has no export waiting in the outbox."""
    run_with_context(lambda ctx: service.delete_configuration(ctx, name, actor=ACTOR))
    console.print(f"export configuration [bold]{name}[/bold] removed")


@app.command("run")
def run(
    name: str,
    retry_failed: Annotated[
        bool, typer.Option(help="Also send again the orders whose export by it failed")
    ] = False,
) -> None:
    """Run now: schedule every matching order it has not exported yet, and summarise."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(f"{name}: scheduling", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = run_with_context(
            lambda ctx: runs.run_configuration(
                ctx, name, actor=ACTOR, retry_failed=retry_failed, progress=advance
            )
        )
    table = Table("orders", "count")
    table.add_row("matched", str(summary.matched))
    table.add_row("scheduled", str(summary.scheduled))
    for reason, count in sorted(summary.skipped.items()):
        table.add_row(f"skipped: {runs.SKIP_REASONS.get(reason, reason)}", str(count))
    console.print(table)
    if summary.error:
        console.print(f"[red]run failed:[/red] {summary.error}")
        raise typer.Exit(1)


@app.command("exports")
def exports(
    name: str,
    status: Annotated[
        list[str] | None,
        typer.Option(help="scheduled, being_exported, exported or export_failed; repeatable"),
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows")] = 50,
    cursor: Annotated[str | None, typer.Option(help="next page, as printed")] = None,
) -> None:
    """What a configuration exported or is exporting, newest first."""
    page = run_with_context(
        lambda ctx: configuration_exports_page(ctx, name, status=status, limit=limit, cursor=cursor)
    )
    table = Table("order", "external id", "connection", "target", "status", "tries", "error")
    for item in page.items:
        table.add_row(
            str(item.order_id),
            item.order_external_id,
            item.connection,
            item.target or "",
            item.status,
            str(item.attempts),
            (item.last_error or "")[:60],
        )
    console.print(table)
    if page.next_cursor:
        console.print(f"next page: --cursor {page.next_cursor}")


@app.command("retry")
def retry(name: str, order_id: int) -> None:
    """Send a failed export of this configuration again, with fresh attempts."""
    message = run_with_context(lambda ctx: runs.retry_export(ctx, name, order_id, actor=ACTOR))
    console.print(f"order {order_id}: {message}")
