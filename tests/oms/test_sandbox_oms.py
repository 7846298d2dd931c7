"""The sandbox OMS on its own: it must refuse what a careful OMS refuses."""

from __future__ import annotations

import time

import httpx
import pytest

from orderbridge.oms.signing import signed_headers
from orderbridge.sandbox.oms import create_app
from tests.oms.conftest import RunningOms

BODY = b'{"schema":"orderbridge.order/v1","external_order_id":"1"}'


async def post(
    http: httpx.AsyncClient,
    oms: RunningOms,
    headers: dict[str, str],
    body: bytes = BODY,
) -> httpx.Response:
    return await http.post(
        oms.webhook_url, content=body, headers={"Content-Type": "application/json", **headers}
    )


async def test_a_stale_timestamp_is_refused_as_a_replay(
    oms: RunningOms, http: httpx.AsyncClient
) -> None:
    headers = signed_headers(oms.secret, BODY, "k1", now=int(time.time()) - 600)

    response = await post(http, oms, headers)

    assert response.status_code == 401
    assert response.json()["error"] == "stale_timestamp"
    assert "tolerance 300 s" in response.json()["detail"]


@pytest.mark.parametrize(
    ("drop", "error"),
    [
        ("X-Orderbridge-Signature", "missing_signature"),
        ("X-Orderbridge-Timestamp", "missing_timestamp"),
    ],
)
async def test_a_missing_header_is_named(
    oms: RunningOms, http: httpx.AsyncClient, drop: str, error: str
) -> None:
    headers = signed_headers(oms.secret, BODY, "k1")
    del headers[drop]

    response = await post(http, oms, headers)

    assert response.status_code == 401
    assert response.json()["error"] == error
    assert drop in response.json()["detail"]


async def test_an_altered_body_is_refused(oms: RunningOms, http: httpx.AsyncClient) -> None:
    headers = signed_headers(oms.secret, BODY, "k1")

    response = await post(http, oms, headers, BODY.replace(b'"1"', b'"2"'))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"


async def test_a_delivery_without_idempotency_key_is_refused(
    oms: RunningOms, http: httpx.AsyncClient
) -> None:
    headers = signed_headers(oms.secret, BODY, "k1")
    del headers["Idempotency-Key"]

    response = await post(http, oms, headers)

    assert response.status_code == 400
    assert response.json()["error"] == "missing_idempotency_key"


async def test_a_non_json_content_type_is_refused(oms: RunningOms, http: httpx.AsyncClient) -> None:
    headers = {**signed_headers(oms.secret, BODY, "k1"), "Content-Type": "text/plain"}

    response = await http.post(oms.webhook_url, content=BODY, headers=headers)

    assert response.status_code == 415


async def test_replay_answers_duplicate_and_stats_count_everything(
    oms: RunningOms, http: httpx.AsyncClient
) -> None:
    headers = signed_headers(oms.secret, BODY, "k1")

    first = await post(http, oms, headers)
    second = await post(http, oms, headers)
    await post(http, oms, {**headers, "X-Orderbridge-Signature": "sha256=bad"})

    assert first.json()["duplicate"] is False
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    stats = (await http.get(f"{oms.base_url}/_sandbox/stats")).json()
    assert stats["received"] == 1
    assert stats["duplicates"] == 1
    assert stats["rejected"] == 1
    assert stats["deliveries"] == 3
    listing = (await http.get(f"{oms.base_url}/orders")).json()
    assert listing["count"] == 1
    assert listing["attempts"] == {"k1": 3}


async def test_unknown_order_is_404(oms: RunningOms, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{oms.base_url}/orders/nope")

    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


async def test_faults_are_served_in_order_then_normal_service_resumes(
    oms: RunningOms, http: httpx.AsyncClient
) -> None:
    await http.post(f"{oms.base_url}/_sandbox/faults", json={"count": 2, "status": 503})
    await http.post(f"{oms.base_url}/_sandbox/faults", json={"count": 1, "status": 422})
    headers = signed_headers(oms.secret, BODY, "k1")

    statuses = [(await post(http, oms, headers)).status_code for _ in range(4)]

    assert statuses == [503, 503, 422, 200]
    stats = (await http.get(f"{oms.base_url}/_sandbox/stats")).json()
    assert stats["faults_served"] == 3
    assert stats["faults_pending"] == []


@pytest.mark.parametrize(
    "fault",
    [{"count": 1}, {"count": 0, "status": 500}, {"status": 200}, {"delay_seconds": -1}],
)
async def test_meaningless_faults_are_refused(
    oms: RunningOms, http: httpx.AsyncClient, fault: dict[str, int]
) -> None:
    response = await http.post(f"{oms.base_url}/_sandbox/faults", json=fault)

    assert response.status_code == 422


async def test_reset_empties_everything(oms: RunningOms, http: httpx.AsyncClient) -> None:
    await post(http, oms, signed_headers(oms.secret, BODY, "k1"))
    await http.post(f"{oms.base_url}/_sandbox/faults", json={"count": 5, "status": 500})

    await http.post(f"{oms.base_url}/_sandbox/reset")

    assert (await http.get(f"{oms.base_url}/orders")).json() == {
        "count": 0,
        "orders": [],
        "attempts": {},
    }
    stats = (await http.get(f"{oms.base_url}/_sandbox/stats")).json()
    assert stats["faults_pending"] == []
    assert stats["received"] == 0


def test_the_app_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        create_app("")


async def test_a_starting_fault_can_be_configured() -> None:
    transport = httpx.ASGITransport(app=create_app("s", fail_next=1, fail_status=502))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox-oms") as client:
        headers = {**signed_headers("s", BODY, "k"), "Content-Type": "application/json"}
        statuses = [
            (await client.post("/webhooks/orders", content=BODY, headers=headers)).status_code
            for _ in range(2)
        ]

    assert statuses == [502, 200]


async def test_overlapping_deliveries_of_one_order_are_counted() -> None:
    import asyncio

    import httpx

    from orderbridge.oms.document import encode_document
    from orderbridge.oms.signing import signed_headers
    from orderbridge.sandbox.oms import create_app
    from tests.support.servers import serving

    body = encode_document({"schema": "orderbridge.order/v1"})
    with serving(create_app("s3cret", latency_seconds=0.3)) as url:
        async with httpx.AsyncClient() as client:

            async def send(key: str) -> int:
                headers = {
                    **signed_headers("s3cret", body, key),
                    "content-type": "application/json",
                }
                response = await client.post(
                    f"{url}/webhooks/orders", content=body, headers=headers
                )
                return response.status_code

            assert await asyncio.gather(send("a"), send("b")) == [200, 200]
            assert (await client.get(f"{url}/_sandbox/stats")).json()["overlapping"] == 0
            assert await asyncio.gather(send("c"), send("c")) == [200, 200]
            stats = (await client.get(f"{url}/_sandbox/stats")).json()
    assert stats["overlapping"] == 1
    assert stats["received"] == 3 and stats["duplicates"] == 1
