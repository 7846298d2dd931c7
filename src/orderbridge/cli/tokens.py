"""``orderbridge tokens create|list|revoke``: API bearer tokens (stored hashed)."""

from __future__ import annotations

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services import tokens as service

app = typer.Typer(help="API tokens.")


@app.command("create")
def create(name: str) -> None:
    """Create a token; it is shown once and stored only as a hash."""
    token = run_with_context(lambda ctx: service.create_token(ctx, name))
    console.print(token, soft_wrap=True)


@app.command("list")
def list_tokens() -> None:
    """Tokens by name and prefix (never the token itself)."""
    rows = run_with_context(service.list_tokens)
    table = Table("id", "name", "prefix", "created", "last used", "revoked")
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            row.prefix,
            str(row.created_at)[:19],
            str(row.last_used_at or "")[:19],
            str(row.revoked_at or "")[:19],
        )
    console.print(table)


@app.command("revoke")
def revoke(token_id: int) -> None:
    """Revoke a token by id."""
    run_with_context(lambda ctx: service.revoke_token(ctx, token_id))
    console.print(f"token {token_id} revoked")
