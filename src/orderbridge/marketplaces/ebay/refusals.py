"""eBay's error answers: reading ``{errors: [{errorId, domain, category, message, …}]}``.

The Fulfillment API answers every failure in that shape. The Post-Order API is documented
with the same fields; we also read an ``error`` list, the older name some of its answers
use. A refusal keeps eBay's error ids, so a flow can tell "already refunded" (34917) from
"exceeds the remaining amount" (34924) without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from orderbridge.marketplaces.errors import PermanentError


@dataclass(frozen=True, slots=True)
class EbayError:
    error_id: int | None
    category: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.error_id}: {self.message}" if self.error_id is not None else self.message


def errors_of(response: httpx.Response) -> list[EbayError]:
    """Every error eBay listed in the answer; empty when the body has none."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    entries = body.get("errors")
    if not isinstance(entries, list):
        entries = body.get("error")
    found: list[EbayError] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            found.append(_one(entry))
    return found


def _one(entry: dict[str, Any]) -> EbayError:
    raw_id = entry.get("errorId")
    error_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
    if error_id is None and isinstance(raw_id, str) and raw_id.isdigit():
        error_id = int(raw_id)
    words = [
        str(entry[key]).strip()
        for key in ("message", "longMessage")
        if isinstance(entry.get(key), str) and entry[key].strip()
    ]
    # longMessage often repeats message; say it once.
    if len(words) == 2 and words[1].startswith(words[0].rstrip(".")):
        words = words[1:]
    category = entry.get("category")
    return EbayError(
        error_id=error_id,
        category=category if isinstance(category, str) else None,
        message=" — ".join(words) or "no message",
    )


def describe(errors: list[EbayError], status: int) -> str:
    return "; ".join(str(error) for error in errors) or f"HTTP {status}"


class EbayRefusal(PermanentError):
    """eBay refused the call (a 4xx); ``error_ids`` are the ids it listed."""

    def __init__(self, message: str, *, error_ids: frozenset[int], **details: Any) -> None:
        super().__init__(message, **details)
        self.error_ids = error_ids
