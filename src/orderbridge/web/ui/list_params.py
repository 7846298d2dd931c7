"""What the list pages (orders, returns, scheduled exports) read from and write into their
URLs: date fields as UTC days, the filters as a query string for pager links, and the page
a form goes back to after its POST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode


def day(text: str | None, *, end: bool = False) -> datetime | None:
    """A date field's day as the start of that UTC day; for "to", the start of the next, so
    the whole day counts. A value that is not a date filters nothing."""
    if not text:
        return None
    try:
        start = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return start + timedelta(days=1) if end else start


def query_string(filters: dict[str, Any]) -> str:
    """The filters that are set, repeatable ones once per value."""
    pairs: list[tuple[str, str]] = []
    for key, value in filters.items():
        for item in value if isinstance(value, list) else [value]:
            if item:
                pairs.append((key, item))
    return urlencode(pairs)


def with_params(path: str, **params: str | None) -> str:
    """``path`` with a notice or a problem added to whatever query it has."""
    extra = urlencode({key: value for key, value in params.items() if value})
    if not extra:
        return path
    return f"{path}{'&' if '?' in path else '?'}{extra}"


def back_path(value: object, home: str) -> str:
    """Where a list form goes back to: its own list with the user's filters, never
    anywhere else (a forged ``back`` must not send people off the page or the site)."""
    text = value if isinstance(value, str) else ""
    if text == home or text.startswith(f"{home}?"):
        return text
    return home
