"""``orderbridge users add|list|update|remove``: who may sign in to the web admin."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from orderbridge.cli.common import console, run_with_context
from orderbridge.services import users as service

app = typer.Typer(help="Web admin users (roles: admin, operator, viewer).")
ACTOR = "cli"


def _password(from_env: bool, confirm: bool = True) -> str:
    if from_env:
        password = os.environ.get("ORDERBRIDGE_USER_PASSWORD", "")
        if not password:
            raise typer.BadParameter("--password-from-env needs ORDERBRIDGE_USER_PASSWORD set")
        return password
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return entered


@app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, operator or viewer")] = "operator",
    password_from_env: Annotated[
        bool,
        typer.Option(help="Take the password from ORDERBRIDGE_USER_PASSWORD instead of asking"),
    ] = False,
) -> None:
    """Add a user; the password is asked for (twice) and stored only as an argon2 hash."""
    password = _password(password_from_env)
    user_id = run_with_context(
        lambda ctx: service.create_user(ctx, username, password, role, actor=ACTOR)
    )
    console.print(f"user [bold]{username}[/bold] added as {role} (id {user_id})")


@app.command("list")
def list_users() -> None:
    """Users with their role and last sign-in (never a password)."""
    rows = run_with_context(service.list_users)
    table = Table("username", "role", "created", "last sign-in", "status")
    for row in rows:
        table.add_row(
            row.username,
            row.role,
            str(row.created_at)[:19],
            str(row.last_sign_in_at or "never")[:19],
            "disabled" if row.disabled else "active",
        )
    console.print(table)


@app.command("update")
def update(
    username: str,
    role: Annotated[str | None, typer.Option(help="admin, operator or viewer")] = None,
    new_password: Annotated[
        bool, typer.Option("--password", help="Set a new password (asked for)")
    ] = False,
    password_from_env: Annotated[
        bool, typer.Option(help="The new password from ORDERBRIDGE_USER_PASSWORD")
    ] = False,
    disable: Annotated[
        bool | None, typer.Option("--disable/--enable", help="Stop or allow signing in")
    ] = None,
) -> None:
    """Change a role or a password, or disable an account (its sessions end)."""
    password = _password(password_from_env) if new_password or password_from_env else None
    run_with_context(
        lambda ctx: service.update_user(
            ctx, username, role=role, password=password, disabled=disable, actor=ACTOR
        )
    )
    console.print(f"user [bold]{username}[/bold] updated")


@app.command("remove")
def remove(username: str) -> None:
    """Remove a user; their sessions end."""
    run_with_context(lambda ctx: service.remove_user(ctx, username, actor=ACTOR))
    console.print(f"user [bold]{username}[/bold] removed")
