"""confirmShipment on the Amazon simulator over real HTTP: validation, effects on the order as
the Orders API shows it, package replacement, throttling and lost responses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import FIXED_NOW, RunningAmazon, StartAmazon, iso

US = "ATVPDKIKX0DER"
ORDER_ID = "113-0000001-0000001"
MUG, TEA = "10000000000001", "10000000000002"


def new_order(amazon: RunningAmazon, order_id: str = ORDER_ID, **fulfillment: str) -> str:
    """A merchant-fulfilled US order: 2 mugs and 1 tea, UNSHIPPED unless told otherwise."""
    partial = {
        "orderId": order_id,
        "salesChannel": {"marketplaceId": US},
        "fulfillment": {"fulfilledBy": "MERCHANT", "fulfillmentStatus": "UNSHIPPED", **fulfillment},
        "orderItems": [
            {"orderItemId": MUG, "quantityOrdered": 2, "product": {"sellerSku": "MUG-CER-SAGE"}},
            {"orderItemId": TEA, "quantityOrdered": 1, "product": {"sellerSku": "MUG-CER-SAGE"}},
        ],
    }
    created = amazon.control("POST", "orders", {"order": partial})
    assert created.status_code == 201, created.text
    return order_id


def package(reference: Any = "1", items: Any = None, **overrides: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "packageReferenceId": reference,
        "carrierCode": "UPS",
        "shippingMethod": "UPS Ground",
        "trackingNumber": "1Z999AA10123456784",
        "shipDate": "2026-03-02T10:00:00Z",
        "orderItems": items if items is not None else [{"orderItemId": MUG, "quantity": 2}],
    }
    detail.update(overrides)
    return {"marketplaceId": US, "packageDetail": detail}


def confirm(
    amazon: RunningAmazon, token: str, body: Any, order_id: str = ORDER_ID
) -> httpx.Response:
    return amazon.client.post(
        f"/orders/v0/orders/{order_id}/shipmentConfirmation",
        json=body,
        headers={"x-amz-access-token": token},
    )


def order_view(amazon: RunningAmazon, token: str, order_id: str = ORDER_ID) -> dict[str, Any]:
    response = amazon.get_order(token, order_id, includedData="PACKAGES,FULFILLMENT")
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()["order"]
    return order


def fulfilled(order: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {
        item["orderItemId"]: (
            item["fulfillment"]["quantityFulfilled"],
            item["fulfillment"]["quantityUnfulfilled"],
        )
        for item in order["orderItems"]
    }


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["code"] == "InvalidInput"
    assert field in errors[0]["message"]
    assert isinstance(errors[0]["details"], str)
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"


# --- effects -------------------------------------------------------------------------------------


def test_a_confirmed_package_shows_in_get_order_and_ships_the_order(
    amazon: RunningAmazon, token: str
) -> None:
    new_order(amazon)
    amazon.clock.advance(600)
    response = confirm(
        amazon,
        token,
        package(items=[{"orderItemId": MUG, "quantity": 2}, {"orderItemId": TEA, "quantity": 1}]),
    )
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["x-amzn-RequestId"]
    order = order_view(amazon, token)
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert order["lastUpdatedTime"] == iso(FIXED_NOW + timedelta(seconds=600))
    assert fulfilled(order) == {MUG: (2, 0), TEA: (1, 0)}
    [shown] = order["packages"]
    assert shown["packageReferenceId"] == "1"
    assert shown["carrier"] == "UPS"
    assert shown["trackingNumber"] == "1Z999AA10123456784"
    assert shown["shippingService"] == "UPS Ground"
    assert shown["shipTime"] == "2026-03-02T10:00:00Z"
    assert shown["packageStatus"]["status"] == "SHIPPED"
    assert shown["packageItems"] == [
        {"orderItemId": MUG, "quantity": 2},
        {"orderItemId": TEA, "quantity": 1},
    ]


def test_search_by_last_updated_finds_the_shipped_order(amazon: RunningAmazon, token: str) -> None:
    new_order(amazon)
    amazon.clock.advance(1800)
    shipped_at = FIXED_NOW + timedelta(seconds=1800)
    assert confirm(amazon, token, package()).status_code == 204
    amazon.clock.advance(300)  # searchOrders only sees changes older than two minutes
    found = amazon.search_all(
        token, lastUpdatedAfter=iso(shipped_at), fulfillmentStatuses="PARTIALLY_SHIPPED"
    )
    assert [o["orderId"] for o in found] == [ORDER_ID]
    assert found[0]["lastUpdatedTime"] == iso(shipped_at)


def test_packages_add_up_to_partial_then_full_shipment(amazon: RunningAmazon, token: str) -> None:
    new_order(amazon)
    assert (
        confirm(amazon, token, package("1", [{"orderItemId": MUG, "quantity": 1}])).status_code
        == 204
    )
    order = order_view(amazon, token)
    assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    assert fulfilled(order) == {MUG: (1, 1), TEA: (0, 1)}
    second = package(
        "2",
        [{"orderItemId": MUG, "quantity": 1}, {"orderItemId": TEA, "quantity": 1}],
        carrierCode="Other",
        carrierName="Speedy Parcels",
        trackingNumber="SP-1",
    )
    del second["packageDetail"]["shippingMethod"]
    assert confirm(amazon, token, second).status_code == 204
    order = order_view(amazon, token)
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert fulfilled(order) == {MUG: (2, 0), TEA: (1, 0)}
    assert [(p["packageReferenceId"], p["carrier"]) for p in order["packages"]] == [
        ("1", "UPS"),
        ("2", "Speedy Parcels"),
    ]
    assert "shippingService" not in order["packages"][1]
    control = amazon.control("GET", f"orders/{ORDER_ID}").json()
    assert control["packages"][1]["carrierCode"] == "Other"
    assert control["packages"][1]["carrierName"] == "Speedy Parcels"


def test_resending_a_package_reference_replaces_that_package(
    amazon: RunningAmazon, token: str
) -> None:
    new_order(amazon)
    everything = [{"orderItemId": MUG, "quantity": 2}, {"orderItemId": TEA, "quantity": 1}]
    assert confirm(amazon, token, package("7", everything)).status_code == 204
    before = order_view(amazon, token)
    # the identical request again (a retry) is harmless
    assert confirm(amazon, token, package("7", everything)).status_code == 204
    assert order_view(amazon, token)["packages"] == before["packages"]
    assert fulfilled(order_view(amazon, token)) == {MUG: (2, 0), TEA: (1, 0)}
    # an edit of the shipped package: new tracking number, one mug less
    edited = package(
        "7",
        [{"orderItemId": MUG, "quantity": 1}, {"orderItemId": TEA, "quantity": 1}],
        trackingNumber="1ZNEW",
    )
    assert confirm(amazon, token, edited).status_code == 204
    order = order_view(amazon, token)
    assert [p["trackingNumber"] for p in order["packages"]] == ["1ZNEW"]
    assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    assert fulfilled(order) == {MUG: (1, 1), TEA: (1, 0)}


def test_a_new_package_for_a_shipped_order_is_refused(amazon: RunningAmazon, token: str) -> None:
    new_order(amazon)
    everything = [{"orderItemId": MUG, "quantity": 2}, {"orderItemId": TEA, "quantity": 1}]
    assert confirm(amazon, token, package("1", everything)).status_code == 204
    refused(confirm(amazon, token, package("2", [{"orderItemId": MUG, "quantity": 1}])), "orderId")
    assert len(order_view(amazon, token)["packages"]) == 1


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"packageReferenceId": 1}, "invalid type [packageDetail.packageReferenceId]"),
        ({"packageReferenceId": "0"}, "packageDetail.packageReferenceId"),
        ({"packageReferenceId": "PKG-1"}, "packageDetail.packageReferenceId"),
        ({"carrierCode": "Acme Freight"}, "packageDetail.carrierCode"),
        ({"carrierCode": "ups"}, "packageDetail.carrierCode"),
        ({"carrierCode": None}, "packageDetail.carrierCode"),
        ({"carrierCode": "Other"}, "packageDetail.carrierName"),
        ({"carrierCode": "Other", "carrierName": " "}, "packageDetail.carrierName"),
        ({"trackingNumber": None}, "packageDetail.trackingNumber"),
        ({"trackingNumber": ""}, "packageDetail.trackingNumber"),
        ({"shipDate": "02/21/2022"}, "packageDetail.shipDate"),
        ({"shipDate": "2026-03-02"}, "packageDetail.shipDate"),
        ({"orderItems": []}, "packageDetail.orderItems"),
        ({"orderItems": {"orderItemId": MUG, "quantity": 1}}, "packageDetail.orderItems"),
        ({"orderItems": [{"orderItemId": MUG, "quantity": 0}]}, "orderItems[0].quantity"),
        ({"orderItems": [{"orderItemId": MUG, "quantity": "1"}]}, "orderItems[0].quantity"),
        ({"orderItems": [{"orderItemId": MUG}]}, "orderItems[0].quantity"),
        ({"orderItems": [{"orderItemId": "99999999999999", "quantity": 1}]}, "orderItemId"),
        ({"orderItems": [{"orderItemId": MUG, "quantity": 3}]}, "orderItems[0].quantity"),
        ({"trackingNumbr": "x"}, "packageDetail.trackingNumbr"),
    ],
)
def test_invalid_shipments_are_refused_naming_the_field(
    amazon: RunningAmazon, token: str, change: dict[str, Any], field: str
) -> None:
    new_order(amazon)
    body = package()
    for key, value in change.items():
        if value is None:
            del body["packageDetail"][key]
        else:
            body["packageDetail"][key] = value
    refused(confirm(amazon, token, body), field)
    order = order_view(amazon, token)
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    assert "packages" not in order


def test_amazons_sandbox_example_with_a_us_date_is_refused(
    amazon: RunningAmazon, token: str
) -> None:
    # the 400 case of ordersV0.json's x-amzn-api-sandbox, adapted to an order that exists
    new_order(amazon)
    body = package(
        "1",
        [{"orderItemId": MUG, "quantity": 1, "transparencyCodes": ["09876543211234567890"]}],
        carrierCode="FedEx",
        carrierName="FedEx",
        shippingMethod="FedEx Ground",
        trackingNumber="112345678",
        shipDate="02/21/2022",
        shipFromSupplySourceId="057d3fcc-b750-419f-bbcd-4d340c60c430",
    )
    refused(confirm(amazon, token, body), "packageDetail.shipDate")
    body["packageDetail"]["shipDate"] = "2022-02-11T01:00:00.000Z"
    assert confirm(amazon, token, body).status_code == 204


def test_order_level_rules(amazon: RunningAmazon, token: str) -> None:
    new_order(amazon)
    wrong_market = package()
    wrong_market["marketplaceId"] = "A1PA6795UKMFR9"
    refused(confirm(amazon, token, wrong_market), "marketplaceId")
    refused(confirm(amazon, token, {"packageDetail": package()["packageDetail"]}), "marketplaceId")
    refused(confirm(amazon, token, [package()]), "body")
    refused(confirm(amazon, token, package(), order_id="not-an-order"), "orderId")

    unknown = confirm(amazon, token, package(), order_id="113-9999999-9999999")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "NotFound"

    for status, order_id in (
        ("PENDING", "113-0000002-0000002"),
        ("CANCELLED", "113-0000003-0000003"),
    ):
        new_order(amazon, order_id, fulfillmentStatus=status)
        refused(confirm(amazon, token, package(), order_id=order_id), "orderId")
    new_order(amazon, "113-0000004-0000004", fulfilledBy="AMAZON")
    refused(confirm(amazon, token, package(), order_id="113-0000004-0000004"), "orderId")


def test_units_in_all_packages_never_exceed_the_units_ordered(
    amazon: RunningAmazon, token: str
) -> None:
    new_order(amazon)
    assert (
        confirm(amazon, token, package("1", [{"orderItemId": MUG, "quantity": 1}])).status_code
        == 204
    )
    refused(
        confirm(amazon, token, package("2", [{"orderItemId": MUG, "quantity": 2}])),
        "orderItems[0].quantity",
    )
    duplicate = package(
        "2", [{"orderItemId": TEA, "quantity": 1}, {"orderItemId": TEA, "quantity": 1}]
    )
    refused(confirm(amazon, token, duplicate), "orderItems[1].orderItemId")
    # replacing package 1 may use its own units again
    assert (
        confirm(amazon, token, package("1", [{"orderItemId": MUG, "quantity": 2}])).status_code
        == 204
    )
    assert fulfilled(order_view(amazon, token))[MUG] == (2, 0)


def test_without_a_valid_token_nothing_ships(amazon: RunningAmazon) -> None:
    new_order(amazon)
    response = confirm(amazon, "Atza|bogus", package())
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"
    assert amazon.simulator.store.get(ORDER_ID).status == "UNSHIPPED"  # type: ignore[union-attr]


# --- throttling and lost responses ---------------------------------------------------------------


def test_confirm_shipment_is_throttled_at_2_per_second_burst_10(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=1.0)
    token = amazon.token()
    new_order(amazon)
    codes = [
        confirm(amazon, token, package("1", [{"orderItemId": MUG, "quantity": 1}])).status_code
        for _ in range(11)
    ]
    assert codes == [204] * 10 + [429]
    throttled = confirm(amazon, token, package())
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
    amazon.clock.advance(0.5)  # 2 tokens per second
    ok = confirm(amazon, token, package("1", [{"orderItemId": MUG, "quantity": 1}]))
    assert ok.status_code == 204
    assert ok.headers["x-amzn-RateLimit-Limit"] == "2"
    assert amazon.control("GET", "stats").json()["calls"]["confirmShipment"] == {
        "204": 11,
        "429": 2,
    }


def test_speed_factor_scales_the_confirm_shipment_rate(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=10.0)
    token = amazon.token()
    new_order(amazon)
    body = package("1", [{"orderItemId": MUG, "quantity": 1}])
    assert [confirm(amazon, token, body).status_code for _ in range(11)][-1] == 429
    amazon.clock.advance(0.1)  # 2/s x 10 = 20 tokens per second -> two tokens
    response = confirm(amazon, token, body)
    assert response.status_code == 204
    assert response.headers["x-amzn-RateLimit-Limit"] == "20"


def test_a_lost_response_still_ships_and_the_retry_is_harmless(
    amazon: RunningAmazon, token: str
) -> None:
    new_order(amazon)
    answer = amazon.client.put("/_sandbox/faults", json={"lose_write_responses": 1})
    assert answer.status_code == 200
    assert answer.json()["lose_write_responses"] == 1
    invalid = confirm(amazon, token, package(trackingNumber=""))
    assert invalid.status_code == 400  # a refused call keeps its answer and the budget
    lost = confirm(amazon, token, package())
    assert lost.status_code == 500
    assert lost.json()["errors"][0]["code"] == "InternalFailure"
    order = order_view(amazon, token)
    assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    assert "lose_write_responses" not in amazon.control("GET", "faults").json()
    retry = confirm(amazon, token, package())
    assert retry.status_code == 204
    order = order_view(amazon, token)
    assert len(order["packages"]) == 1
    assert fulfilled(order)[MUG] == (2, 0)
    stats = amazon.control("GET", "stats").json()
    assert stats["calls"]["confirmShipment"] == {"204": 1, "400": 1, "500": 1}
    assert stats["lostWriteResponses"] == {"confirmShipment": 1}
