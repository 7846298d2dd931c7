"""HMAC-SHA256 signatures of webhook bodies, for the sender and for receivers.

The signed text is ``f"{timestamp}.{body}"``: binding the timestamp into the MAC lets a
receiver refuse old requests (replays) without trusting an unsigned header.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Orderbridge-Signature"
TIMESTAMP_HEADER = "X-Orderbridge-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """A request whose signature or timestamp a receiver must refuse; the message says why."""


def sign(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """``sha256=<hex>`` of ``{timestamp}.{body}`` under ``secret``."""
    payload = str(timestamp).encode("ascii") + b"." + _as_bytes(body)
    digest = hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def signed_headers(
    secret: str, body: bytes | str, idempotency_key: str, *, now: int | None = None
) -> dict[str, str]:
    """The three headers a delivery carries: signature, timestamp and idempotency key."""
    timestamp = int(time.time()) if now is None else now
    return {
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
        IDEMPOTENCY_HEADER: idempotency_key,
    }


def verify(
    secret: str,
    timestamp: int | str | None,
    body: bytes | str,
    signature: str | None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: int | None = None,
) -> None:
    """Accept a request silently, or raise :class:`SignatureError` naming what is wrong.

    The timestamp is checked first and in both directions, so a captured request cannot
    be replayed after ``tolerance`` seconds, nor pre-dated to live longer.
    """
    if timestamp is None or str(timestamp).strip() == "":
        raise SignatureError(f"missing {TIMESTAMP_HEADER} header")
    if signature is None or signature.strip() == "":
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    text = str(timestamp).strip()
    if not text.isascii() or not text.isdigit():
        raise SignatureError(f"{TIMESTAMP_HEADER} {text!r} is not unix seconds")
    current = int(time.time()) if now is None else now
    skew = current - int(text)
    if abs(skew) > tolerance:
        direction = "old" if skew > 0 else "in the future"
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is {abs(skew)} s {direction}; the tolerance is {tolerance} s"
        )
    expected = sign(secret, text, body)
    # compare_digest on bytes: constant time, and no TypeError on a non-ASCII header value.
    if not hmac.compare_digest(expected.encode("utf-8"), signature.strip().encode("utf-8")):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body and timestamp")


def _as_bytes(body: bytes | str) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8")
