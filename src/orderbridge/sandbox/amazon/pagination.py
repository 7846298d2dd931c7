"""searchOrders pagination tokens: opaque, tamper-evident, and bound to the query.

A token carries the fingerprint of the parameters that must repeat unchanged, the upper time
bound frozen at the first page (so orders arriving meanwhile cannot shift pages), the cursor
(time, orderId) of the last order returned and its issue time (tokens expire after 24 hours,
as the model says). It is HMAC-signed and encoded with the *standard* base64 alphabet, and
always contains `+`, `/` and `=`: clients that forget to URL-encode it fail at once, as they
would against Amazon ("We could not decode your NextToken").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from orderbridge.sandbox.amazon.errors import invalid_input

TOKEN_TTL_SECONDS = 24 * 3600
_MAC_BYTES = 16


@dataclass(frozen=True)
class PageState:
    fingerprint: str
    upper: float
    cursor: tuple[int, str]
    issued: float


class PaginationCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, state: PageState) -> str:
        token = ""
        # a nonce varies the bytes until the token shows all three characters that need
        # URL-encoding; about two tries on average
        for nonce in range(1000):
            payload = json.dumps(
                [state.fingerprint, state.upper, list(state.cursor), state.issued, nonce],
                separators=(",", ":"),
            ).encode()
            token = base64.b64encode(self._mac(payload) + payload).decode("ascii")
            if "+" in token and "/" in token and token.endswith("="):
                break
        return token

    def decode(self, token: str, now: float) -> PageState:
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_input(
                "We could not decode your paginationToken.",
                "Pass nextToken back unchanged and URL-encode it: it may contain + / and =.",
            ) from None
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, self._mac(payload)):
            raise invalid_input(
                "Invalid paginationToken.", "The token was altered or not issued here."
            )
        try:
            fingerprint, upper, cursor, issued, _nonce = json.loads(payload)
            state = PageState(
                str(fingerprint), float(upper), (int(cursor[0]), str(cursor[1])), float(issued)
            )
        except (ValueError, TypeError, IndexError):
            raise invalid_input("Invalid paginationToken.") from None
        if now - state.issued > TOKEN_TTL_SECONDS:
            raise invalid_input(
                "The paginationToken has expired.", "Tokens are valid for 24 hours."
            )
        return state
