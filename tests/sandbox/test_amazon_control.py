"""The Amazon simulator's service behaviour and sandbox controls over real HTTP: throttling,
fault injection, latency, and the /_sandbox/ control API."""

from __future__ import annotations

import time
from datetime import timedelta

from tests.sandbox.conftest import ALL_DATA, FIXED_NOW, LONG_AGO, RunningAmazon, StartAmazon, iso

# --- throttling and faults ---------------------------------------------------------------------


def test_search_orders_is_throttled_after_the_burst(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=1.0)
    token = amazon.token()
    for _ in range(20):
        ok = amazon.search(token, createdAfter=LONG_AGO, maxResultsPerPage=1)
        assert ok.status_code == 200
        assert ok.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    throttled = amazon.search(token, createdAfter=LONG_AGO)
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    assert "x-amzn-RateLimit-Limit" not in throttled.headers
    assert throttled.headers["x-amzn-RequestId"]
    # getOrder has its own bucket
    assert amazon.get_order(token, amazon.pick("UNSHIPPED")).status_code == 200
    amazon.clock.advance(1 / 0.0056 + 0.5)  # one token refilled
    assert amazon.search(token, createdAfter=LONG_AGO).status_code == 200
    assert amazon.search(token, createdAfter=LONG_AGO).status_code == 429
    stats = amazon.control("GET", "stats").json()["calls"]["searchOrders"]
    assert stats == {"200": 21, "429": 2}


def test_speed_factor_scales_the_rate(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=100.0)
    token = amazon.token()
    order_id = amazon.pick("UNSHIPPED")
    codes = [amazon.get_order(token, order_id).status_code for _ in range(31)]
    assert codes == [200] * 30 + [429]
    assert amazon.get_order(token, "999-9999999-9999999").status_code == 429
    amazon.clock.advance(0.1)  # 0.5/s x 100 = 50 tokens/s -> 5 tokens
    response = amazon.get_order(token, order_id)
    assert response.status_code == 200
    assert response.headers["x-amzn-RateLimit-Limit"] == "50"
    assert amazon.search(token, createdAfter=LONG_AGO).headers["x-amzn-RateLimit-Limit"] == "0.56"


def test_speed_factor_zero_disables_throttling(amazon: RunningAmazon, token: str) -> None:
    codes = {
        amazon.search(token, createdAfter=LONG_AGO, maxResultsPerPage=1).status_code
        for _ in range(60)
    }
    assert codes == {200}


def test_fault_injection_answers_500_and_503(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(fault_rate_500=1.0)
    token = amazon.token()
    response = amazon.search(token, createdAfter=LONG_AGO)
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "InternalFailure"
    assert response.headers["x-amzn-ErrorType"] == "InternalFailureException"
    assert "x-amzn-RateLimit-Limit" not in response.headers
    assert amazon.client.post("/auth/o2/token").status_code == 400  # LWA is never faulted
    config = amazon.control("POST", "faults", {"fault_rate_500": 0, "fault_rate_503": 1}).json()
    assert config == {"fault_rate_500": 0, "fault_rate_503": 1, "latency_ms": 0.0}
    response = amazon.get_order(token, amazon.pick("UNSHIPPED"))
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "ServiceUnavailable"
    assert amazon.control("POST", "faults", {"fault_rate_503": 2}).status_code == 400


def test_faults_are_seeded_and_latency_is_added(start_amazon: StartAmazon) -> None:
    runs = []
    for _ in range(2):
        amazon = start_amazon(seed=3, fault_rate_500=0.2, fault_rate_503=0.2)
        token = amazon.token()
        runs.append([amazon.search(token, createdAfter=LONG_AGO).status_code for _ in range(30)])
    assert runs[0] == runs[1]
    assert {200, 500, 503} <= set(runs[0])
    amazon.control("POST", "faults", {"fault_rate_500": 0, "fault_rate_503": 0, "latency_ms": 150})
    started = time.monotonic()
    assert amazon.search(token, createdAfter=LONG_AGO).status_code == 200
    assert time.monotonic() - started >= 0.15


# --- control API ---------------------------------------------------------------------------------


def test_control_api_creates_generated_and_partial_orders(
    amazon: RunningAmazon, token: str
) -> None:
    ids = amazon.control("POST", "orders", {"count": 3, "marketplaceId": "A1F83G8C2ARO7P"}).json()
    assert len(ids["orderIds"]) == 3
    for order_id in ids["orderIds"]:
        order = amazon.get_order(token, order_id).json()["order"]
        assert order["salesChannel"]["marketplaceId"] == "A1F83G8C2ARO7P"
        assert order["createdTime"] == iso(FIXED_NOW)
    partial = {
        "orderId": "302-1234567-7654321",
        "salesChannel": {"marketplaceId": "A1PA6795UKMFR9"},
        "orderAliases": [{"aliasId": "SHOP-42", "aliasType": "SELLER_ORDER_ID"}],
        "buyer": {"buyerName": "Zoë Weiß"},
        "recipient": {"deliveryAddress": {"city": "Dresden", "postalCode": "01067"}},
        "fulfillment": {"fulfillmentStatus": "PARTIALLY_SHIPPED"},
        "orderItems": [
            {
                "quantityOrdered": 3,
                "product": {
                    "sellerSku": "MUG-CER-SAGE",
                    "price": {"unitPrice": {"amount": "12.50", "currencyCode": "EUR"}},
                },
            }
        ],
    }
    created = amazon.control("POST", "orders", {"order": partial})
    assert created.status_code == 201, created.text
    assert created.json() == {"orderIds": ["302-1234567-7654321"]}
    order = amazon.get_order(token, "302-1234567-7654321", includedData=ALL_DATA).json()["order"]
    assert order["buyer"]["buyerName"] == "Zoë Weiß"
    assert order["orderAliases"] == [{"aliasId": "SHOP-42", "aliasType": "SELLER_ORDER_ID"}]
    assert order["recipient"]["deliveryAddress"]["city"] == "Dresden"
    assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    item = order["orderItems"][0]
    assert item["product"]["price"]["unitPrice"] == {"amount": "12.50", "currencyCode": "EUR"}
    assert 0 < item["fulfillment"]["quantityFulfilled"] < 3
    shown = amazon.control("GET", "orders/302-1234567-7654321").json()["order"]
    assert shown == order  # the debugging view renders every block, without auth
    again = amazon.control("POST", "orders", {"order": partial})
    assert again.status_code == 400  # duplicate id
    unsupported = amazon.control("POST", "orders", {"order": {"orderStatus": "Unshipped"}})
    assert unsupported.status_code == 400
    assert "orderStatus" in unsupported.json()["errors"][0]["message"]


def test_status_change_shows_in_search_with_newer_last_updated_time(
    amazon: RunningAmazon, token: str
) -> None:
    order_id = amazon.pick("UNSHIPPED")
    before = amazon.get_order(token, order_id).json()["order"]["lastUpdatedTime"]
    amazon.clock.advance(600)
    changed = amazon.control("POST", f"orders/{order_id}/status", {"fulfillmentStatus": "SHIPPED"})
    assert changed.status_code == 200
    assert changed.json()["lastUpdatedTime"] == iso(FIXED_NOW + timedelta(seconds=600))
    since = iso(FIXED_NOW + timedelta(seconds=300))
    # the update is not visible until it is two minutes old
    assert amazon.search_all(token, lastUpdatedAfter=since) == []
    amazon.clock.advance(121)
    found = amazon.search_all(token, lastUpdatedAfter=since, includedData="FULFILLMENT,PACKAGES")
    assert [o["orderId"] for o in found] == [order_id]
    assert found[0]["lastUpdatedTime"] > before
    assert found[0]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert found[0]["packages"][0]["trackingNumber"]
    conflict = amazon.control(
        "POST", f"orders/{order_id}/status", {"fulfillmentStatus": "UNSHIPPED"}
    )
    assert conflict.status_code == 409
    missing = amazon.control(
        "POST", "orders/111-0000000-0000000/status", {"fulfillmentStatus": "SHIPPED"}
    )
    assert missing.status_code == 404


def test_cancellation_is_recorded(amazon: RunningAmazon, token: str) -> None:
    order_id = amazon.pick("UNSHIPPED")
    body = {
        "fulfillmentStatus": "CANCELLED",
        "cancelledBy": "BUYER",
        "cancelReason": "Changed mind",
    }
    assert amazon.control("POST", f"orders/{order_id}/status", body).status_code == 200
    order = amazon.get_order(token, order_id, includedData="CANCELLATION").json()["order"]
    cancellation = order["orderItems"][0]["cancellation"]
    assert cancellation["cancellationExecution"] == {
        "cancelledBy": "BUYER",
        "cancelReason": "Changed mind",
    }


def test_stats_reset_and_clock(amazon: RunningAmazon, token: str) -> None:
    amazon.search(token, createdAfter=LONG_AGO)
    amazon.get_order(token, "999-9999999-9999999")
    stats = amazon.control("GET", "stats").json()
    assert stats["orders"] == 100
    assert stats["calls"] == {
        "getOrder": {"404": 1},
        "lwaToken": {"200": 1},
        "searchOrders": {"200": 1},
    }
    amazon.control("POST", "orders", {"count": 5})
    assert amazon.control("POST", "reset").json() == {"orders": 100}
    assert amazon.control("GET", "stats").json() == {"orders": 100, "calls": {}}
    assert amazon.search(token, createdAfter=LONG_AGO).status_code == 200  # token survives reset
    moved = amazon.control("POST", "clock", {"now": "2026-03-05T08:00:00Z"}).json()
    assert moved == {"now": "2026-03-05T08:00:00Z", "frozen": True}
    assert (
        amazon.control("POST", "clock", {"advance_seconds": 60}).json()["now"]
        == "2026-03-05T08:01:00Z"
    )
    assert amazon.control("POST", "clock", {}).status_code == 400


def test_unknown_paths_answer_in_the_error_shape(amazon: RunningAmazon) -> None:
    response = amazon.client.get("/orders/v0/orders")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"


def test_without_throttling_no_rate_is_advertised(start_amazon: StartAmazon) -> None:
    # A client obeys x-amzn-RateLimit-Limit; a simulator that does not throttle must not
    # announce the official rate, or a well-behaved client slows to it for nothing.
    amazon = start_amazon(speed_factor=0)
    response = amazon.search(amazon.token(), createdAfter=LONG_AGO)
    assert response.status_code == 200
    assert "x-amzn-RateLimit-Limit" not in response.headers


def test_rate_is_advertised_on_200_400_and_404_when_throttling(
    start_amazon: StartAmazon,
) -> None:
    amazon = start_amazon(speed_factor=1.0)
    token = amazon.token()
    bad = amazon.search(token)  # neither createdAfter nor lastUpdatedAfter
    assert bad.status_code == 400
    assert bad.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    missing = amazon.get_order(token, "999-9999999-9999999")
    assert missing.status_code == 404
    assert missing.headers["x-amzn-RateLimit-Limit"] == "0.5"


def test_payload_override_serves_malformed_data_until_removed(amazon: RunningAmazon) -> None:
    token = amazon.token()
    order_id = amazon.pick("UNSHIPPED")
    patch = {"fulfillment": {"fulfillmentStatus": "LOST"}, "salesChannel": None}
    assert amazon.control("PUT", f"orders/{order_id}/override", patch).status_code == 200
    served = amazon.get_order(token, order_id, includedData="FULFILLMENT").json()["order"]
    assert served["fulfillment"]["fulfillmentStatus"] == "LOST"
    assert "salesChannel" not in served  # null removes a field
    removed = amazon.control("DELETE", f"orders/{order_id}/override")
    assert removed.json() == {"orderId": order_id, "removed": True}
    served = amazon.get_order(token, order_id, includedData="FULFILLMENT").json()["order"]
    assert served["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    missing = amazon.control("PUT", "orders/999-9999999-9999999/override", patch)
    assert missing.status_code == 404
