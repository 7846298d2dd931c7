"""Webhook signatures: what the sender produces and what a receiver accepts or refuses."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from orderbridge.oms.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    sign,
    signed_headers,
    verify,
)

SECRET = "whsec-test"
BODY = b'{"external_order_id":"303-1","schema":"orderbridge.order/v1"}'
NOW = 1_750_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, NOW, BODY) == f"sha256={expected}"


def test_text_and_bytes_bodies_sign_alike() -> None:
    assert sign(SECRET, NOW, BODY.decode()) == sign(SECRET, str(NOW), BODY)


def test_signed_headers_carry_signature_timestamp_and_key() -> None:
    headers = signed_headers(SECRET, BODY, "order-17-target-2", now=NOW)

    assert headers == {
        SIGNATURE_HEADER: sign(SECRET, NOW, BODY),
        TIMESTAMP_HEADER: str(NOW),
        IDEMPOTENCY_HEADER: "order-17-target-2",
    }
    assert SIGNATURE_HEADER == "X-Orderbridge-Signature"
    assert TIMESTAMP_HEADER == "X-Orderbridge-Timestamp"
    assert IDEMPOTENCY_HEADER == "Idempotency-Key"


def test_signed_headers_default_to_the_current_time() -> None:
    headers = signed_headers(SECRET, BODY, "k")

    verify(SECRET, headers[TIMESTAMP_HEADER], BODY, headers[SIGNATURE_HEADER])


def test_a_fresh_authentic_request_verifies() -> None:
    verify(SECRET, str(NOW), BODY, sign(SECRET, NOW, BODY), 300, now=NOW + 299)


@pytest.mark.parametrize(
    ("secret", "body", "reason"),
    [
        ("another-secret", BODY, "does not match"),
        (SECRET, BODY + b" ", "does not match"),
    ],
)
def test_wrong_secret_or_altered_body_is_refused(secret: str, body: bytes, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify(secret, NOW, body, sign(SECRET, NOW, BODY), now=NOW)


def test_an_old_request_is_refused_as_a_replay() -> None:
    signature = sign(SECRET, NOW, BODY)

    with pytest.raises(SignatureError, match="301 s old; the tolerance is 300 s"):
        verify(SECRET, NOW, BODY, signature, 300, now=NOW + 301)


def test_a_request_from_the_future_is_refused() -> None:
    signature = sign(SECRET, NOW, BODY)

    with pytest.raises(SignatureError, match="in the future"):
        verify(SECRET, NOW, BODY, signature, 60, now=NOW - 61)


def test_a_resigned_old_body_with_a_new_timestamp_does_not_verify() -> None:
    # The attacker can change the timestamp header but cannot recompute the MAC.
    old_signature = sign(SECRET, NOW - 3600, BODY)

    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, NOW, BODY, old_signature, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        (None, "sha256=00", "missing X-Orderbridge-Timestamp"),
        ("", "sha256=00", "missing X-Orderbridge-Timestamp"),
        (str(NOW), None, "missing X-Orderbridge-Signature"),
        ("yesterday", "sha256=00", "not unix seconds"),
        ("-5", "sha256=00", "not unix seconds"),
        (str(NOW), "sha256=äöü", "does not match"),
        (str(NOW), "sha256=" + "0" * 64, "does not match"),
    ],
)
def test_malformed_headers_are_refused_with_a_reason(
    timestamp: str | None, signature: str | None, reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify(SECRET, timestamp, BODY, signature, now=NOW)


def test_signature_error_is_a_value_error() -> None:
    assert issubclass(SignatureError, ValueError)
