"""Checks shared by the list queries: known values, a known connection, times in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from orderbridge.services.errors import InvalidInput
from orderbridge.store.tables import connections


def known_values(values: list[str] | None, allowed: Iterable[str], field: str) -> list[str] | None:
    """The filter values, or InvalidInput naming the first one nobody could ever match."""
    if not values:
        return None
    choices = [str(value) for value in allowed]
    for value in values:
        if value not in choices:
            raise InvalidInput(f"{field} {value!r} is not one of {', '.join(choices)}", field=field)
    return list(dict.fromkeys(values))


async def connection_id(conn: AsyncConnection, name: str, *, field: str = "connection") -> int:
    found = (
        await conn.execute(select(connections.c.id).where(connections.c.name == name))
    ).scalar()
    if found is None:
        raise InvalidInput(f"no connection named {name!r}", field=field)
    return int(found)


def as_utc(moment: datetime | None) -> datetime | None:
    # A time without an offset from a user means UTC, the only zone orderbridge speaks.
    if moment is None:
        return None
    if moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
