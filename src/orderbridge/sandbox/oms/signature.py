"""Checking a delivery's HMAC signature and timestamp, as the merchant's OMS would.

Written independently of orderbridge's sender on purpose: the sandbox reads only the
published contract (HMAC-SHA256 of ``{timestamp}.{body}``, ``sha256=<hex>``), so a
sender that drifts from the contract fails here like it would at a real OMS.
"""

from __future__ import annotations

import hashlib
import hmac


class Rejected(Exception):
    """A delivery the OMS refuses; ``code`` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_signature(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: float,
    tolerance_seconds: int,
) -> None:
    """Return when the delivery is authentic and fresh, else raise :class:`Rejected`."""
    if not timestamp_header:
        raise Rejected("missing_timestamp", "X-Orderbridge-Timestamp header is missing")
    if not signature_header:
        raise Rejected("missing_signature", "X-Orderbridge-Signature header is missing")
    if not timestamp_header.isascii() or not timestamp_header.isdigit():
        raise Rejected(
            "invalid_timestamp",
            f"X-Orderbridge-Timestamp {timestamp_header!r} is not unix seconds",
        )
    age = now - int(timestamp_header)
    if abs(age) > tolerance_seconds:
        raise Rejected(
            "stale_timestamp",
            f"X-Orderbridge-Timestamp is {abs(age):.0f} s away from the OMS clock "
            f"(tolerance {tolerance_seconds} s); a replay or a wrong clock",
        )
    mac = hmac.new(secret.encode(), timestamp_header.encode() + b"." + body, hashlib.sha256)
    expected = "sha256=" + mac.hexdigest()
    if not hmac.compare_digest(expected.encode(), signature_header.encode()):
        raise Rejected(
            "invalid_signature",
            "X-Orderbridge-Signature does not match the body: wrong secret or altered body",
        )
