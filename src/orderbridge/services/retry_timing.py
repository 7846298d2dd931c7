"""When a failed delivery (to the OMS or a marketplace) is tried again."""

from __future__ import annotations

import random
from datetime import timedelta

from orderbridge.services.context import ServiceContext


def backoff_delay(ctx: ServiceContext, attempts: int) -> timedelta:
    """Exponential from the configured base, capped, with jitter so retries spread out."""
    base = ctx.settings.retry_base_seconds * 2 ** max(attempts - 1, 0)
    capped = min(base, ctx.settings.retry_max_seconds)
    return timedelta(seconds=capped * (0.5 + random.random() / 2))
