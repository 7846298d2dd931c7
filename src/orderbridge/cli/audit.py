"""``orderbridge audit``: the audit log as a table — when, who, action, what, changes."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services.queries.audit_log import list_audit_entries


def audit(
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind: status_source, connection, export_target, …"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Only this subject (by name)")] = None,
    before: Annotated[
        int | None, typer.Option(help="Entries older than this id (the next page)")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows")] = 50,
) -> None:
    """Who changed which configuration, and when; newest first."""
    page = run_with_context(
        lambda ctx: list_audit_entries(
            ctx, subject_kind=kind, subject_name=name, before_id=before, limit=limit
        )
    )
    table = Table("id", "when (UTC)", "who", "action", "what", "changes")
    for entry in page.items:
        table.add_row(
            str(entry.id),
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.action,
            f"{entry.subject_kind} {entry.subject_name}",
            changes_text(entry.changes),
        )
    console.print(table)
    if page.next_before_id is not None:
        console.print(f"older entries: orderbridge audit --before {page.next_before_id}")


def changes_text(changes: dict[str, Any]) -> str:
    """One line per field: ``field: old → new`` for a change, ``field = value`` otherwise."""
    lines = []
    for field, value in changes.items():
        if isinstance(value, dict) and set(value) == {"old", "new"}:
            lines.append(f"{field}: {_value(value['old'])} → {_value(value['new'])}")
        else:
            lines.append(f"{field} = {_value(value)}")
    return "\n".join(lines)


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)
