"""Keyset pages: the page type, the limit check and the opaque cursor.

A cursor is the sort key of the last row a client has seen, so the next page starts
right after it however many rows arrive meanwhile (an offset would skip or repeat
rows whenever new orders come in between two requests).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from orderbridge.services.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# A real cursor is about 60 characters; anything far longer is not one of ours.
MAX_CURSOR_CHARS = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}", field="limit")
    return limit


def encode_cursor(moment: datetime, row_id: int) -> str:
    raw = json.dumps([moment.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (moment, id) a cursor stands for; anything we did not hand out is refused."""
    invalid = InvalidInput(
        "cursor is not valid; pass the next_cursor of a previous page unchanged", field="cursor"
    )
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment_text, row_id = json.loads(raw)
        moment = datetime.fromisoformat(moment_text)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise invalid from exc
    if moment.utcoffset() is None or isinstance(row_id, bool) or not isinstance(row_id, int):
        raise invalid
    return moment, row_id


def after(
    moment_column: ColumnElement[datetime],
    id_column: ColumnElement[int],
    key: tuple[datetime, int],
    *,
    descending: bool,
) -> ColumnElement[bool]:
    """Rows strictly past ``key`` in (moment, id) order.

    The redundant bound on the moment alone lets the database seek in the (moment, id)
    index instead of filtering every row through the OR.
    """
    moment, row_id = key
    if descending:
        return and_(
            moment_column <= moment,
            or_(moment_column < moment, id_column < row_id),
        )
    return and_(
        moment_column >= moment,
        or_(moment_column > moment, id_column > row_id),
    )


def page_of(rows: list[T], limit: int, key_of: Callable[[T], tuple[datetime, int]]) -> Page[T]:
    """Cut the ``limit + 1`` rows a query fetched into a page and its cursor."""
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    kept = rows[:limit]
    return Page(items=kept, next_cursor=encode_cursor(*key_of(kept[-1])))
