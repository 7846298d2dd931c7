"""Whether the database answers, for the health check of load balancers and monitors."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from orderbridge.observability import log
from orderbridge.services.context import ServiceContext

# A probe that hangs on an unreachable server is worse than one that says "down".
TIMEOUT_SECONDS = 5.0


async def database_ok(ctx: ServiceContext) -> bool:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), ctx.db.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not healthy"; the reason goes to the log
        log.warning("health_check_failed", error=f"{type(exc).__name__}: {exc}")
        return False
    return True
