"""What every command shares: building the context, running coroutines, printing errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from orderbridge.bootstrap import build_context
from orderbridge.observability import configure_logging
from orderbridge.secrets_box import SecretKeyMissing
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import ServiceError

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


def run_with_context(work: Callable[[ServiceContext], Awaitable[T]]) -> T:
    """Build the context, run ``work``, close the database; service errors become exit 1."""

    async def runner() -> T:
        ctx = build_context()
        configure_logging(ctx.settings.log_level, json=ctx.settings.log_json)
        try:
            return await work(ctx)
        finally:
            await ctx.aclose()

    try:
        return asyncio.run(runner())
    except ServiceError as exc:
        # Messages often begin with the field already ("secret: …"); name it once.
        named = not exc.field or exc.message.startswith(f"{exc.field}:")
        where = "" if named else f" ({exc.field})"
        errors.print(f"[red]error{where}:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    except SecretKeyMissing as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
