"""The Amazon SP-API simulator over real HTTP: LWA tokens, searchOrders and getOrder."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from tests.sandbox.conftest import (
    ALL_DATA,
    FIXED_NOW,
    LONG_AGO,
    SEARCH_PATH,
    RunningAmazon,
    iso,
)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- LWA token exchange and access tokens ----------------------------------------------------


def test_token_exchange_issues_a_bearer_token(amazon: RunningAmazon) -> None:
    s = amazon.settings
    response = amazon.client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": s.refresh_token,
            "client_id": s.client_id,
            "client_secret": s.client_secret,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] == s.refresh_token
    assert body["access_token"].startswith("Atza|")
    assert body["access_token"] != amazon.token()  # random each time


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"refresh_token": "Atzr|wrong"}, 400, "invalid_grant"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "amzn1.application-oa2-client.other"}, 401, "invalid_client"),
        ({"refresh_token": ""}, 400, "invalid_request"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_exchange_rejects_bad_credentials(
    shared_amazon: RunningAmazon, change: dict[str, str], status: int, error: str
) -> None:
    amazon = shared_amazon
    s = amazon.settings
    form = {
        "grant_type": "refresh_token",
        "refresh_token": s.refresh_token,
        "client_id": s.client_id,
        "client_secret": s.client_secret,
    } | change
    response = amazon.client.post("/auth/o2/token", data=form)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


@pytest.mark.parametrize("header", [None, "Atza|never-issued"])
def test_calls_without_a_valid_token_get_403(
    shared_amazon: RunningAmazon, header: str | None
) -> None:
    amazon = shared_amazon
    headers = {"x-amz-access-token": header} if header else {}
    response = amazon.client.get(SEARCH_PATH, params={"createdAfter": LONG_AGO}, headers=headers)
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["code"] == "Unauthorized"
    assert error["message"] == "Access to requested resource is denied."
    assert "x-amzn-RateLimit-Limit" not in response.headers
    assert response.headers["x-amzn-RequestId"]
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_access_token_expires_after_an_hour(amazon: RunningAmazon, token: str) -> None:
    assert amazon.search(token, createdAfter=LONG_AGO).status_code == 200
    amazon.clock.advance(3600)
    response = amazon.search(token, createdAfter=LONG_AGO)
    assert response.status_code == 403
    assert "expired" in response.json()["errors"][0]["details"]


def test_sigv4_authorization_header_is_accepted_and_ignored(
    amazon: RunningAmazon, token: str
) -> None:
    headers = {
        "x-amz-access-token": token,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260302/us-east-1/execute-api/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=deadbeef",
    }
    response = amazon.client.get(SEARCH_PATH, params={"createdAfter": LONG_AGO}, headers=headers)
    assert response.status_code == 200


# --- searchOrders ----------------------------------------------------------------------------


def test_search_filters_match_the_stored_orders(amazon: RunningAmazon, token: str) -> None:
    store = list(amazon.simulator.store)
    de = "A1PA6795UKMFR9"
    found = amazon.search_all(
        token,
        createdAfter=LONG_AGO,
        marketplaceIds=de,
        fulfillmentStatuses="UNSHIPPED,SHIPPED",
        fulfilledBy="MERCHANT",
        includedData="FULFILLMENT",
    )
    expected = {
        o.order_id
        for o in store
        if o.marketplace_id == de
        and o.status in {"UNSHIPPED", "SHIPPED"}
        and o.fulfilled_by == "MERCHANT"
    }
    assert {o["orderId"] for o in found} == expected
    assert expected
    for order in found:
        assert order["salesChannel"]["marketplaceId"] == de
        assert order["fulfillment"]["fulfillmentStatus"] in {"UNSHIPPED", "SHIPPED"}
        assert order["orderItems"][0]["product"]["price"]["unitPrice"]["currencyCode"] == "EUR"


def test_repeated_array_parameters_work_like_comma_separated(
    amazon: RunningAmazon, token: str
) -> None:
    url = (
        f"{SEARCH_PATH}?createdAfter={LONG_AGO}"
        "&marketplaceIds=ATVPDKIKX0DER&marketplaceIds=A1F83G8C2ARO7P"
    )
    repeated = amazon.client.get(url, headers={"x-amz-access-token": token}).json()
    csv = amazon.search(token, createdAfter=LONG_AGO, marketplaceIds="ATVPDKIKX0DER,A1F83G8C2ARO7P")
    assert repeated["orders"] == csv.json()["orders"]


def test_last_updated_after_is_inclusive_and_results_are_ordered(
    amazon: RunningAmazon, token: str
) -> None:
    orders = amazon.search_all(token, lastUpdatedAfter=LONG_AGO)
    times = [(o["lastUpdatedTime"], o["orderId"]) for o in orders]
    assert times == sorted(times)
    pivot = orders[len(orders) // 2]
    at = amazon.search_all(token, lastUpdatedAfter=pivot["lastUpdatedTime"])
    assert pivot["orderId"] in {o["orderId"] for o in at}
    later = iso(parse(pivot["lastUpdatedTime"]) + timedelta(seconds=1))
    assert pivot["orderId"] not in {
        o["orderId"] for o in amazon.search_all(token, lastUpdatedAfter=later)
    }
    assert all(o["lastUpdatedTime"] >= pivot["lastUpdatedTime"] for o in at)


def test_response_echoes_the_effective_upper_bound(amazon: RunningAmazon, token: str) -> None:
    body = amazon.search(token, lastUpdatedAfter=LONG_AGO).json()
    assert body["lastUpdatedBefore"] == iso(FIXED_NOW - timedelta(minutes=2))
    assert "createdBefore" not in body
    body = amazon.search(token, createdAfter=LONG_AGO, createdBefore="2026-02-01T00:00:00Z").json()
    assert body["createdBefore"] == "2026-02-01T00:00:00Z"
    assert all(o["createdTime"] <= "2026-02-01T00:00:00Z" for o in body["orders"])


def test_pagination_returns_every_order_exactly_once(amazon: RunningAmazon, token: str) -> None:
    assert amazon.control("POST", "reset", {"orders_per_marketplace": 0}).json() == {"orders": 0}
    created = amazon.control("POST", "orders", {"count": 250}).json()["orderIds"]
    amazon.clock.advance(180)  # new orders become visible two minutes after their update
    pages = 0
    seen: list[str] = []
    next_token = None
    while True:
        params = {"createdAfter": LONG_AGO, "maxResultsPerPage": 40}
        if next_token:
            params["paginationToken"] = next_token
        body = amazon.search(token, **params).json()
        pages += 1
        seen.extend(o["orderId"] for o in body["orders"])
        if "pagination" not in body:
            break
        next_token = body["pagination"]["nextToken"]
        assert {"+", "/", "="} <= set(next_token)  # clients must URL-encode it
    assert pages == 7
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == set(created)


def test_unencoded_pagination_token_is_rejected(amazon: RunningAmazon, token: str) -> None:
    first = amazon.search(token, createdAfter=LONG_AGO, maxResultsPerPage=5).json()
    next_token = first["pagination"]["nextToken"]
    raw_url = (
        f"{SEARCH_PATH}?createdAfter={LONG_AGO}&maxResultsPerPage=5&paginationToken={next_token}"
    )
    response = amazon.client.get(raw_url, headers={"x-amz-access-token": token})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    encoded = raw_url.replace(next_token, quote(next_token, safe=""))
    assert amazon.client.get(encoded, headers={"x-amz-access-token": token}).status_code == 200


def test_pagination_token_must_come_with_unchanged_parameters(
    amazon: RunningAmazon, token: str
) -> None:
    base = {"createdAfter": LONG_AGO, "marketplaceIds": "ATVPDKIKX0DER", "maxResultsPerPage": 5}
    next_token = amazon.search(token, **base).json()["pagination"]["nextToken"]
    for changed in (
        {"marketplaceIds": "A1PA6795UKMFR9"},
        {"createdAfter": "2020-01-02T00:00:00Z"},
        {"fulfillmentStatuses": "UNSHIPPED"},
        {"createdBefore": "2026-02-01T00:00:00Z"},
    ):
        response = amazon.search(token, **(base | changed), paginationToken=next_token)
        assert response.status_code == 400, changed
        assert response.json()["errors"][0]["code"] == "InvalidInput"
    allowed = amazon.search(
        token, **(base | {"maxResultsPerPage": 7}), includedData="BUYER", paginationToken=next_token
    )
    assert allowed.status_code == 200
    assert len(allowed.json()["orders"]) == 7
    assert all("buyer" in o for o in allowed.json()["orders"])


def test_tampered_or_expired_pagination_token_is_rejected(
    amazon: RunningAmazon, token: str
) -> None:
    base = {"createdAfter": LONG_AGO, "maxResultsPerPage": 5}
    next_token = amazon.search(token, **base).json()["pagination"]["nextToken"]
    tampered = ("A" if next_token[0] != "A" else "B") + next_token[1:]
    assert amazon.search(token, **base, paginationToken=tampered).status_code == 400
    amazon.clock.advance(24 * 3600 + 1)
    token = amazon.token()
    response = amazon.search(token, **base, paginationToken=next_token)
    assert response.status_code == 400
    assert "expired" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"createdAfter": LONG_AGO, "lastUpdatedAfter": LONG_AGO},
        {"createdAfter": LONG_AGO, "lastUpdatedBefore": "2026-01-01T00:00:00Z"},
        {"lastUpdatedAfter": LONG_AGO, "createdBefore": "2026-01-01T00:00:00Z"},
        {"createdBefore": "2026-01-01T00:00:00Z"},
        {"createdAfter": "yesterday"},
        {"createdAfter": "2026-01-01"},
        {"createdAfter": LONG_AGO, "maxResultsPerPage": 0},
        {"createdAfter": LONG_AGO, "maxResultsPerPage": 101},
        {"createdAfter": LONG_AGO, "maxResultsPerPage": "ten"},
        {"createdAfter": LONG_AGO, "fulfillmentStatuses": "Unshipped"},
        {"createdAfter": LONG_AGO, "fulfilledBy": "AFN"},
        {"createdAfter": LONG_AGO, "includedData": "EVERYTHING"},
        {"createdAfter": LONG_AGO, "marketplaceIds": "A1VC38T7YXB528"},
        {"CreatedAfter": LONG_AGO},
        {"createdAfter": LONG_AGO, "MarketplaceIds": "ATVPDKIKX0DER"},
    ],
)
def test_invalid_search_parameters_give_400(
    shared_amazon: RunningAmazon, params: dict[str, Any]
) -> None:
    response = shared_amazon.search(shared_amazon.token(), **params)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"


def test_before_bound_must_be_two_minutes_old_and_not_before_after(
    amazon: RunningAmazon, token: str
) -> None:
    recent = iso(FIXED_NOW - timedelta(seconds=60))
    assert amazon.search(token, createdAfter=LONG_AGO, createdBefore=recent).status_code == 400
    assert (
        amazon.search(token, lastUpdatedAfter=LONG_AGO, lastUpdatedBefore=recent).status_code == 400
    )
    old_enough = iso(FIXED_NOW - timedelta(seconds=120))
    assert amazon.search(token, createdAfter=LONG_AGO, createdBefore=old_enough).status_code == 200
    reversed_ = amazon.search(
        token, createdAfter="2026-02-01T00:00:00Z", createdBefore="2026-01-01T00:00:00Z"
    )
    assert reversed_.status_code == 400


# --- getOrder and includedData -----------------------------------------------------------------


def test_get_order_and_unknown_ids(amazon: RunningAmazon, token: str) -> None:
    order_id = amazon.pick("UNSHIPPED")
    response = amazon.get_order(token, order_id)
    assert response.status_code == 200
    assert response.json()["order"]["orderId"] == order_id
    missing = amazon.get_order(token, "999-9999999-9999999")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NotFound"
    assert amazon.get_order(token, "not-an-order-id").status_code == 400


def test_included_data_controls_the_optional_blocks(amazon: RunningAmazon, token: str) -> None:
    order_id = amazon.pick("SHIPPED")
    bare = amazon.get_order(token, order_id).json()["order"]
    optional = {"buyer", "recipient", "proceeds", "fulfillment", "packages", "payment"}
    assert not optional & set(bare)
    assert set(bare) >= {"orderId", "createdTime", "lastUpdatedTime", "salesChannel", "orderItems"}
    assert not {"proceeds", "fulfillment", "tax"} & set(bare["orderItems"][0])
    assert bare["orderItems"][0]["product"]["price"]["unitPrice"]["amount"]

    some = amazon.get_order(token, order_id, includedData="BUYER,PACKAGES").json()["order"]
    assert {"buyer", "packages"} <= set(some)
    assert not {"recipient", "proceeds", "fulfillment"} & set(some)

    full = amazon.get_order(token, order_id, includedData=ALL_DATA).json()["order"]
    assert optional <= set(full)
    assert full["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert full["fulfillment"]["shipByWindow"]["latestDateTime"].endswith("Z")
    item = full["orderItems"][0]
    assert {"proceeds", "fulfillment", "tax"} <= set(item)
    assert item["fulfillment"]["quantityUnfulfilled"] == 0
    shipped = sum(p["quantity"] for pkg in full["packages"] for p in pkg["packageItems"])
    assert shipped == sum(i["quantityOrdered"] for i in full["orderItems"])
    totals = [i["proceeds"]["proceedsTotal"]["amount"] for i in full["orderItems"]]
    grand = full["proceeds"]["grandTotal"]["amount"]
    assert sum(float(t) for t in totals) == pytest.approx(float(grand))


def test_pending_orders_hide_prices_and_address(amazon: RunningAmazon, token: str) -> None:
    order_id = amazon.pick("PENDING")
    order = amazon.get_order(token, order_id, includedData=ALL_DATA).json()["order"]
    assert "recipient" not in order and "proceeds" not in order
    assert "price" not in order["orderItems"][0]["product"]
    assert order["fulfillment"]["fulfillmentStatus"] == "PENDING"


def test_non_ascii_credentials_are_refused_not_a_server_error(
    shared_amazon: RunningAmazon,
) -> None:
    response = shared_amazon.client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "Atzr|wrong…",
            "client_id": "ünknown",
            "client_secret": "x",
        },
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_client", "invalid_grant")
