"""Reading Walmart's answers: JSON objects, and its error lists as words a user can act on.

Walmart's errors arrive as ``{"errors": {"error": [...]}}`` (the JSON rendering of its XML
``errors`` element), and in some APIs as ``{"errors": [...]}`` or ``{"error": [...]}``;
each entry carries ``code``, ``field``, ``description`` and ``info``. All three shapes are
read the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.http import excerpt


def json_object(
    response: httpx.Response, operation: str, redact: Callable[[str], str]
) -> dict[str, Any]:
    """The JSON object of a successful answer, or a classified error."""
    try:
        body = response.json()
    except ValueError:
        # A cut or garbled body is a transport accident more often than a contract change.
        raise TransientError(
            f"walmart {operation}: the answer is not JSON",
            operation=operation,
            http_status=response.status_code,
            response_excerpt=excerpt(response.text, redact),
        ) from None
    if not isinstance(body, dict):
        raise PermanentError(
            f"walmart {operation}: the answer is not a JSON object",
            operation=operation,
            http_status=response.status_code,
            response_excerpt=excerpt(response.text, redact),
        )
    return body


def errors_of(response: httpx.Response) -> list[Mapping[str, Any]]:
    """The error entries of an answer, whichever of Walmart's shapes it uses."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, Mapping):
        return []
    found = body.get("errors", body.get("error"))
    if isinstance(found, Mapping):
        found = found.get("error")
    if isinstance(found, Mapping):
        found = [found]
    if not isinstance(found, list):
        return []
    return [entry for entry in found if isinstance(entry, Mapping)]


def error_codes(response: httpx.Response) -> list[str]:
    return [str(entry["code"]) for entry in errors_of(response) if entry.get("code")]


def error_text(response: httpx.Response) -> str:
    """Walmart's errors as "CODE: description (field)", or the status alone."""
    parts: list[str] = []
    for entry in errors_of(response):
        words = [
            str(entry[key]).strip()
            for key in ("description", "info")
            if isinstance(entry.get(key), str) and entry[key].strip()
        ]
        text = words[0] if words else ""
        code = entry.get("code")
        if isinstance(code, str) and code.strip():
            text = f"{code.strip()}: {text}" if text else code.strip()
        field = entry.get("field")
        if isinstance(field, str) and field.strip() and text:
            text += f" (field {field.strip()})"
        if text:
            parts.append(text)
    return "; ".join(parts) or f"HTTP {response.status_code}"
