"""``orderbridge returns list|show|decide`` and ``orderbridge export returns``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.domain.returns import ReturnDecisionKind
from orderbridge.services.errors import InvalidInput
from orderbridge.services.queries.returns import list_returns, return_detail
from orderbridge.services.return_decisions import (
    DecisionLine,
    ReturnDecisionRequest,
    record_return_decision,
)
from orderbridge.services.return_exports import export_returns

returns_app = typer.Typer(help="Returns as orderbridge holds them, and the OMS's decisions.")


@returns_app.command("list")
def list_command(
    connection: Annotated[str | None, typer.Option(help="Only this connection")] = None,
    status: Annotated[list[str] | None, typer.Option(help="Return status, repeatable")] = None,
    export_status: Annotated[
        list[str] | None, typer.Option(help="Export status, repeatable")
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", "-q", help="Return or order id, or SKU")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows per page")] = 50,
    cursor: Annotated[str | None, typer.Option(help="From a previous page's cursor")] = None,
) -> None:
    """List returns, newest request first."""
    page = run_with_context(
        lambda ctx: list_returns(
            ctx,
            connection=connection,
            status=status,
            export_status=export_status,
            search=search,
            limit=limit,
            cursor=cursor,
        )
    )
    table = Table(
        "id", "connection", "return", "order", "requested", "units", "status", "import", "export"
    )
    for item in page.items:
        table.add_row(
            str(item.id),
            item.connection,
            item.external_id,
            item.order_external_id,
            str(item.requested_at)[:19],
            str(item.quantity),
            item.status,
            item.import_status,
            item.export_status,
        )
    console.print(table)
    if page.next_cursor:
        console.print(f"next page: --cursor {page.next_cursor}")


@returns_app.command("show")
def show(return_id: int) -> None:
    """One return: lines, decisions and history."""
    detail = run_with_context(lambda ctx: return_detail(ctx, return_id))
    console.print(
        f"[bold]Return {detail['external_id']}[/bold] of order {detail['order_external_id']} "
        f"({detail['connection']}): {detail['status']}, marketplace says "
        f"{detail['marketplace_status']}; import {detail['import_status']}, "
        f"export {detail['export_status']}"
    )
    if detail["reason"]:
        console.print(f"reason: {detail['reason']}")
    for blocker in detail["import_blockers"]:
        console.print(f"[red]blocked:[/red] {blocker['reason']}")
    lines = Table("line", "order line", "sku", "units", "reason", "refunded")
    for line in detail["lines"]:
        lines.add_row(
            line["external_line_id"],
            line["order_line_id"] or "",
            line["sku"],
            str(line["quantity"]),
            line["reason"] or "",
            line["refund_amount"] or "",
        )
    console.print(lines)
    if detail["decisions"]:
        decisions = Table("id", "decision", "total", "status", "source", "error")
        for decision in detail["decisions"]:
            decisions.add_row(
                str(decision["id"]),
                decision["decision"],
                decision["total"],
                decision["status"],
                decision["source"],
                decision["last_error"] or "",
            )
        console.print(decisions)
    history = Table("at", "event", "by")
    for event in detail["events"]:
        history.add_row(str(event["at"])[:19], event["kind"], event["actor"])
    console.print(history)


@returns_app.command("decide")
def decide(
    return_id: int,
    decision: Annotated[ReturnDecisionKind, typer.Argument(help="accept, reject or refund")],
    line: Annotated[
        list[str] | None,
        typer.Option(
            "--line",
            help="LINE[:QUANTITY[:AMOUNT]], repeatable; default the whole return "
            "(a refund at the units' price)",
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why")] = None,
    note: Annotated[str | None, typer.Option(help="For the buyer")] = None,
    reference: Annotated[str | None, typer.Option(help="The OMS's id of this decision")] = None,
) -> None:
    """Record the OMS's decision on a return; it goes to the marketplace through the outbox."""
    request = ReturnDecisionRequest(
        decision=decision,
        lines=tuple(_line(text) for text in line or []),
        reason=reason,
        note=note,
        reference=reference,
    )
    recorded = run_with_context(
        lambda ctx: record_return_decision(ctx, return_id, request, actor="cli", source="cli")
    )
    state = "recorded" if recorded.changed else "already recorded"
    console.print(f"decision {recorded.id} {state}; it is sent to the marketplace next")


def _line(text: str) -> DecisionLine:
    parts = text.split(":")
    if len(parts) > 3 or not parts[0]:
        raise InvalidInput(f"--line {text!r}: write LINE[:QUANTITY[:AMOUNT]]", field="line")
    try:
        quantity = int(parts[1]) if len(parts) > 1 and parts[1] else None
        amount = Decimal(parts[2]) if len(parts) > 2 and parts[2] else None
    except (ValueError, InvalidOperation):
        raise InvalidInput(
            f"--line {text!r}: the quantity is a whole number and the amount a decimal",
            field="line",
        ) from None
    return DecisionLine(quantity=quantity, line_id=parts[0], amount=amount)


def export_command(return_ids: list[int]) -> None:
    """Export chosen returns; each answers scheduled, or why not."""
    decisions = run_with_context(lambda ctx: export_returns(ctx, return_ids, actor="cli"))
    table = Table("return", "result", "message")
    for item in decisions:
        table.add_row(
            str(item.order_id),
            "[green]scheduled[/green]" if item.scheduled else "[red]refused[/red]",
            item.message,
        )
    console.print(table)
    if not all(item.scheduled for item in decisions):
        raise typer.Exit(1)
