"""The webhook target against the real sandbox OMS, over real sockets."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from orderbridge.oms.base import ExportError
from orderbridge.oms.document import encode_document
from orderbridge.oms.webhook import WebhookTarget
from tests.oms.conftest import RunningOms

KEY = "export-42-target-1"


async def orders(http: httpx.AsyncClient, oms: RunningOms) -> dict[str, Any]:
    response = await http.get(f"{oms.base_url}/orders")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def stats(http: httpx.AsyncClient, oms: RunningOms) -> dict[str, Any]:
    response = await http.get(f"{oms.base_url}/_sandbox/stats")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def inject(http: httpx.AsyncClient, oms: RunningOms, **fault: Any) -> None:
    response = await http.post(f"{oms.base_url}/_sandbox/faults", json=fault)
    response.raise_for_status()


async def test_an_order_is_delivered_once_and_listed(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    target = WebhookTarget(oms.webhook_url, oms.secret, client=http)

    receipt = await target.deliver(document, KEY)

    assert receipt.detail == "HTTP 200"
    listing = await orders(http, oms)
    assert listing["count"] == 1
    received = listing["orders"][0]
    assert received["idempotency_key"] == KEY
    assert received["attempts"] == 1
    assert received["document"] == document
    # The OMS got exactly the canonical bytes that were signed.
    assert received["body_sha256"] == hashlib.sha256(encode_document(document)).hexdigest()
    assert received["user_agent"].startswith("orderbridge/")
    single = await http.get(f"{oms.base_url}/orders/{KEY}")
    assert single.json()["document"]["external_order_id"] == "303-1234567-7654321"


async def test_a_target_without_an_injected_client_owns_and_closes_its_own(
    oms: RunningOms, document: dict[str, Any]
) -> None:
    target = WebhookTarget(oms.webhook_url, oms.secret, timeout_seconds=5)
    try:
        assert (await target.deliver(document, KEY)).detail == "HTTP 200"
    finally:
        await target.aclose()


async def test_a_replay_with_the_same_key_is_stored_once(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    target = WebhookTarget(oms.webhook_url, oms.secret, client=http)

    first = await target.deliver(document, KEY)
    second = await target.deliver(document, KEY)

    assert first.detail == second.detail == "HTTP 200"
    listing = await orders(http, oms)
    assert listing["count"] == 1
    assert listing["attempts"] == {KEY: 2}
    counters = await stats(http, oms)
    assert (counters["received"], counters["duplicates"]) == (1, 1)


async def test_a_wrong_secret_is_refused_with_401_and_not_retried(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    target = WebhookTarget(oms.webhook_url, "not-the-shared-secret", client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    error = caught.value
    assert error.retryable is False
    assert error.http_status == 401
    assert f"OMS webhook {oms.webhook_url} answered 401" in error.message
    assert "invalid_signature" in (error.response_excerpt or "")
    assert "not-the-shared-secret" not in error.message
    assert (await orders(http, oms))["count"] == 0
    assert (await stats(http, oms))["rejected"] == 1


async def test_an_injected_500_is_retryable_and_the_retry_delivers(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    await inject(http, oms, count=1, status=500)
    target = WebhookTarget(oms.webhook_url, oms.secret, client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    assert caught.value.retryable is True
    assert caught.value.http_status == 500
    assert "answered 500" in caught.value.message
    assert (await target.deliver(document, KEY)).detail == "HTTP 200"
    listing = await orders(http, oms)
    assert listing["count"] == 1
    assert listing["orders"][0]["attempts"] == 2


@pytest.mark.parametrize("status", [408, 429, 502, 503])
async def test_other_transient_statuses_are_retryable(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any], status: int
) -> None:
    await inject(http, oms, count=1, status=status)
    target = WebhookTarget(oms.webhook_url, oms.secret, client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    assert (caught.value.retryable, caught.value.http_status) == (True, status)


async def test_an_injected_422_is_final_and_shows_the_oms_answer(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    answer = '{"error": "unknown SKU", "sku": "SKU-1"}'
    await inject(http, oms, count=1, status=422, body=answer)
    target = WebhookTarget(oms.webhook_url, oms.secret, client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    error = caught.value
    assert error.retryable is False
    assert error.http_status == 422
    assert error.response_excerpt == answer
    assert error.message == f"OMS webhook {oms.webhook_url} answered 422: {answer}"
    assert error.attributes()["http_status"] == 422


async def test_a_long_answer_is_cut_to_1000_characters(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    await inject(http, oms, count=1, status=400, body="é" * 5000)
    target = WebhookTarget(oms.webhook_url, oms.secret, client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    assert caught.value.response_excerpt == "é" * 1000
    assert len(caught.value.message) < 400


async def test_a_timeout_is_retryable_and_the_late_order_is_not_stored_twice(
    oms: RunningOms, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    await inject(http, oms, count=1, delay_seconds=1.0)
    target = WebhookTarget(oms.webhook_url, oms.secret, timeout_seconds=0.2, client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    assert caught.value.retryable is True
    assert caught.value.http_status is None
    assert "did not answer within 0.2 s" in caught.value.message
    # The slow OMS still stores the order after its delay; the retry must not duplicate it.
    for _ in range(100):
        if (await orders(http, oms))["count"] == 1:
            break
        await asyncio.sleep(0.05)
    assert (await target.deliver(document, KEY)).detail == "HTTP 200"
    assert (await orders(http, oms))["count"] == 1
    assert (await stats(http, oms))["duplicates"] == 1


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port bound but not listening: connecting is refused, and nobody else can take it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


async def test_connection_refused_is_retryable(
    refused_port: int, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    url = f"http://127.0.0.1:{refused_port}/webhooks/orders"
    target = WebhookTarget(url, "secret", client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    assert caught.value.retryable is True
    assert caught.value.message.startswith(f"could not reach OMS webhook {url}: ConnectError")


async def test_the_secret_and_url_credentials_stay_out_of_repr_and_messages(
    refused_port: int, http: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    url = f"http://127.0.0.1:{refused_port}/hook?token=url-token"
    target = WebhookTarget(url, "super-secret-value", client=http)

    with pytest.raises(ExportError) as caught:
        await target.deliver(document, KEY)

    for text in (repr(target), caught.value.message):
        assert "super-secret-value" not in text
        assert "url-token" not in text


async def test_a_redirect_is_not_followed_and_asks_for_the_right_url(
    oms: RunningOms, document: dict[str, Any]
) -> None:
    following = httpx.AsyncClient(follow_redirects=True)
    try:
        await inject(following, oms, count=1, status=307)
        target = WebhookTarget(oms.webhook_url, oms.secret, client=following)

        with pytest.raises(ExportError) as caught:
            await target.deliver(document, KEY)
    finally:
        await following.aclose()

    assert (caught.value.retryable, caught.value.http_status) == (False, 307)
    assert caught.value.message.endswith("answered 307: change the target's url")
