"""An error log entry as the detail page shows it: its fix, every attribute as a labelled
row, and the part of them that describes the call (request, HTTP status, answer, payload).

Attributes are free-form (each failing service records what it knows), so unknown keys
are shown too, under their own name; nested values are shown as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from orderbridge.services.queries import ErrorEntry

# The operations whose calls go to the OMS; every other call goes to a marketplace.
OMS_OPERATIONS = frozenset({"export", "export_return", "notify"})

# In the order the Request/Response tab tells the story of a call.
CALL_KEYS = (
    "operation",
    "request",
    "http_status",
    "retry_after",
    "response_excerpt",
    "payload_excerpt",
)

_LABELS = {
    "fix": "How to fix it",
    "operation": "API operation",
    "request": "Request",
    "http_status": "HTTP status",
    "retry_after": "Wait asked for (seconds)",
    "response_excerpt": "Answer (excerpt)",
    "payload_excerpt": "Payload as received (excerpt)",
    "error_class": "Error class",
    "retryable": "Retried automatically",
    "attempt": "Attempt",
    "next_attempt_at": "Next attempt",
    "reason": "Reason",
    "return_id": "Return",
    "configuration": "Export configuration",
    "target": "Export target",
    "source": "Status source",
    "origin": "Origin",
    "field": "Field",
    "latest_ship_at": "Latest ship date",
    "purchased_at": "Purchased",
}

# Values longer than this, or on several lines, are shown as a block of text.
_INLINE_CHARS = 100


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    text: str
    block: bool  # shown preformatted: an excerpt, a JSON value, a long text


def label_of(key: str, operation: str) -> str:
    if key == "response_excerpt":
        return (
            "Answer of the OMS (excerpt)"
            if operation in OMS_OPERATIONS
            else ("Answer of the marketplace (excerpt)")
        )
    return _LABELS.get(key, key.replace("_", " ").capitalize())


def _text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if key == "http_status" and isinstance(value, int):
        try:
            return f"{value} {HTTPStatus(value).phrase}"
        except ValueError:
            return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if key.endswith("_excerpt") and isinstance(value, str):
        # An answer that is whole JSON reads better indented; a cut-off one stays as it is.
        try:
            return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
        except ValueError:
            return value
    return str(value)


def _row(key: str, value: Any, operation: str) -> Row:
    text = _text(key, value)
    block = isinstance(value, dict | list) or "\n" in text or len(text) > _INLINE_CHARS
    if key.endswith("_excerpt"):
        block = True
    return Row(key, label_of(key, operation), text, block)


def fix_of(entry: ErrorEntry) -> str | None:
    fix = entry.attributes.get("fix")
    return str(fix) if fix else None


def attribute_rows(entry: ErrorEntry) -> list[Row]:
    """Every attribute but the fix (shown first, on its own), in the order recorded."""
    return [
        _row(key, value, entry.operation) for key, value in entry.attributes.items() if key != "fix"
    ]


def call_rows(entry: ErrorEntry) -> list[Row]:
    """What the entry holds of the call that failed; empty when nothing was recorded."""
    return [
        _row(key, entry.attributes[key], entry.operation)
        for key in CALL_KEYS
        if entry.attributes.get(key) not in (None, "")
    ]
