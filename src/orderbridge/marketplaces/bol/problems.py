"""bol.com's error answers (``Problem`` with its ``violations``) in words for the error log.

Every refusal of the Retailer API is a ``Problem``: a title, a detail, the status, and
per field or parameter a violation naming what was wrong. The merchant needs all of it,
so the text keeps the detail and each violation, in bol's own words.
"""

from __future__ import annotations

import json
from typing import Any

import httpx


def problem_text(response: httpx.Response) -> str:
    """``title: detail (name: reason; …)``, or the status alone for a body that is no Problem."""
    try:
        body: Any = json.loads(response.text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    words = [
        str(body[key]).strip()
        for key in ("title", "detail")
        if isinstance(body.get(key), str) and body[key].strip()
    ]
    # bol often repeats the title as the detail; once is enough.
    if len(words) == 2 and words[0].rstrip(".") == words[1].rstrip("."):
        words.pop()
    text = ": ".join(words) or f"HTTP {response.status_code}"
    violations = [
        f"{item.get('name')}: {item.get('reason')}"
        for item in body.get("violations") or []
        if isinstance(item, dict) and item.get("reason")
    ]
    return f"{text} ({'; '.join(violations)})" if violations else text
