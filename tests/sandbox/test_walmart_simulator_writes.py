"""The Walmart simulator's write operations over real HTTP: acknowledge, shipping, cancel
and refund, with Walmart's line status transitions and refusals, and a lost answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_walmart_simulator import (
    KETTLE,
    NOW_MS,
    Walmart,
    lines_of,
    statuses,
    walmart,
)

__all__ = ["walmart"]  # the fixture, imported so pytest finds it here


def shipping_body(*lines: tuple[str, int], **tracking: Any) -> dict[str, Any]:
    info = {
        "shipDateTime": NOW_MS,
        "carrierName": {"carrier": "UPS"},
        "methodCode": "Standard",
        "trackingNumber": "1Z999AA10123456784",
        **tracking,
    }
    return {
        "orderShipment": {
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": number,
                        "sellerOrderId": "S-1",
                        "orderLineStatuses": {
                            "orderLineStatus": [
                                {
                                    "status": "Shipped",
                                    "statusQuantity": {
                                        "unitOfMeasurement": "EACH",
                                        "amount": str(quantity),
                                    },
                                    "trackingInfo": info,
                                }
                            ]
                        },
                    }
                    for number, quantity in lines
                ]
            }
        }
    }


def cancel_body(
    *lines: tuple[str, int], reason: str = "SELLER_CANCEL_OUT_OF_STOCK"
) -> dict[str, Any]:
    return {
        "orderCancellation": {
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": number,
                        "orderLineStatuses": {
                            "orderLineStatus": [
                                {
                                    "status": "Cancelled",
                                    "cancellationReason": reason,
                                    "statusQuantity": {
                                        "unitOfMeasurement": "EACH",
                                        "amount": str(quantity),
                                    },
                                }
                            ]
                        },
                    }
                    for number, quantity in lines
                ]
            }
        }
    }


def refund_body(
    purchase_order_id: str, *charges: tuple[str, float, float], line: str = "1", full: bool = False
) -> dict[str, Any]:
    return {
        "orderRefund": {
            "purchaseOrderId": purchase_order_id,
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": line,
                        "isFullRefund": full,
                        "refunds": {
                            "refund": [
                                {
                                    "refundComments": "sandbox test",
                                    "refundCharges": {
                                        "refundCharge": [
                                            {
                                                "refundReason": "DamagedItem",
                                                "charge": {
                                                    "chargeType": kind,
                                                    "chargeName": "Item Price",
                                                    "chargeAmount": {
                                                        "currency": "USD",
                                                        "amount": amount,
                                                    },
                                                    "tax": {
                                                        "taxName": "Tax1",
                                                        "taxAmount": {
                                                            "currency": "USD",
                                                            "amount": tax,
                                                        },
                                                    },
                                                },
                                            }
                                            for kind, amount, tax in charges
                                        ]
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
        }
    }


def test_acknowledging_moves_created_units_and_may_be_repeated(walmart: Walmart) -> None:
    purchase_order_id = walmart.place(KETTLE)
    walmart.clock.advance(60)
    first = walmart.post(f"/v3/orders/{purchase_order_id}/acknowledge")
    assert first.status_code == 200
    order = first.json()["order"]
    assert statuses(order) == [("Acknowledged", "2")]
    assert lines_of(order)[0]["statusDate"] == NOW_MS + 60_000
    again = walmart.post(f"/v3/orders/{purchase_order_id}/acknowledge")
    assert again.status_code == 200
    assert lines_of(again.json()["order"])[0]["statusDate"] == NOW_MS + 60_000
    cancelled = walmart.place({"status": "Cancelled"})
    assert walmart.post(f"/v3/orders/{cancelled}/acknowledge").status_code == 400


def test_shipping_needs_the_acknowledgement_then_ships_part_then_the_rest(walmart: Walmart) -> None:
    purchase_order_id = walmart.place(KETTLE)
    path = f"/v3/orders/{purchase_order_id}/shipping"
    refused = walmart.post(path, shipping_body(("1", 1)))
    assert refused.status_code == 400
    assert "acknowledge" in refused.json()["errors"]["error"][0]["description"]
    walmart.post(f"/v3/orders/{purchase_order_id}/acknowledge")
    part = walmart.post(path, shipping_body(("1", 1)))
    assert part.status_code == 200, part.text
    assert statuses(part.json()["order"]) == [("Acknowledged", "1"), ("Shipped", "1")]
    rest = walmart.post(path, shipping_body(("1", 1), trackingNumber="1Z999AA10123456785"))
    assert statuses(rest.json()["order"]) == [("Shipped", "1"), ("Shipped", "1")]
    too_many = walmart.post(path, shipping_body(("1", 1), trackingNumber="1Z3"))
    assert too_many.status_code == 400
    assert [s["trackingNumber"] for s in walmart.view(purchase_order_id)["shipments"]] == [
        "1Z999AA10123456784",
        "1Z999AA10123456785",
    ]


@pytest.mark.parametrize(
    ("tracking", "field"),
    [
        ({"carrierName": {"otherCarrier": "Spedition Müller"}}, "trackingURL"),
        ({"carrierName": {"carrier": "Pigeon Post"}}, "carrier"),
        ({"shipDateTime": NOW_MS // 1000}, "shipDateTime"),
        ({"shipDateTime": "2026-03-02T12:00:00Z"}, "shipDateTime"),
        ({"methodCode": "Express"}, "methodCode"),
        ({"trackingNumber": ""}, "trackingInfo.trackingNumber"),
    ],
    ids=[
        "other-without-url",
        "unknown-carrier",
        "seconds",
        "iso-date",
        "wrong-method",
        "no-number",
    ],
)
def test_a_shipment_walmart_refuses(walmart: Walmart, tracking: dict[str, Any], field: str) -> None:
    purchase_order_id = walmart.place({"status": "Acknowledged", "methodCode": "Standard"})
    answer = walmart.post(
        f"/v3/orders/{purchase_order_id}/shipping", shipping_body(("1", 1), **tracking)
    )
    assert answer.status_code == 400
    assert field in answer.json()["errors"]["error"][0]["field"]
    assert walmart.view(purchase_order_id)["shipments"] == []


def test_another_carrier_ships_with_its_tracking_url(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({"status": "Acknowledged", "methodCode": "Standard"})
    body = shipping_body(
        ("1", 1),
        carrierName={"otherCarrier": "Local Courier"},
        trackingURL="https://courier.example/track/77",
    )
    assert walmart.post(f"/v3/orders/{purchase_order_id}/shipping", body).status_code == 200
    (shipment,) = walmart.view(purchase_order_id)["shipments"]
    assert shipment["carrierName"] == {"otherCarrier": "Local Courier"}
    assert shipment["trackingURL"] == "https://courier.example/track/77"


def test_a_line_the_customer_asked_to_cancel_ships_only_with_the_override(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({"status": "Acknowledged", "methodCode": "Standard"})
    walmart.control("POST", f"orders/{purchase_order_id}/status", {"intentToCancel": True})
    body = shipping_body(("1", 1))
    path = f"/v3/orders/{purchase_order_id}/shipping"
    assert walmart.post(path, body).status_code == 400
    body["orderShipment"]["orderLines"]["orderLine"][0]["intentToCancelOverride"] = True
    assert walmart.post(path, body).status_code == 200


def test_cancelling_open_units_and_the_rules_on_reasons(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({"lines": [{"quantity": 2}, {"quantity": 1}]})
    path = f"/v3/orders/{purchase_order_id}/cancel"
    not_asked = walmart.post(
        path, cancel_body(("1", 1), reason="CUSTOMER_REQUESTED_SELLER_TO_CANCEL")
    )
    assert not_asked.status_code == 400
    assert (
        walmart.post(
            path, cancel_body(("1", 1), reason="SELLER_CANCEL_FRAUD_STOP_SHIPMENT")
        ).status_code
        == 400
    )
    done = walmart.post(path, cancel_body(("1", 2), ("2", 1)))
    assert done.status_code == 200
    order = done.json()["order"]
    assert statuses(order, 0) == [("Cancelled", "2")]
    assert lines_of(order)[0]["orderLineStatuses"]["orderLineStatus"][0]["cancellationReason"] == (
        "SELLER_CANCEL_OUT_OF_STOCK"
    )
    again = walmart.post(path, cancel_body(("2", 1)))
    assert again.status_code == 400  # a repeat is visible, not silently absorbed


def test_a_shipped_line_cannot_be_cancelled(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({"status": "Shipped"})
    answer = walmart.post(f"/v3/orders/{purchase_order_id}/cancel", cancel_body(("1", 1)))
    assert answer.status_code == 400
    assert "already shipped" in answer.json()["errors"]["error"][0]["description"]


def test_a_customer_request_to_cancel_allows_its_reason(walmart: Walmart) -> None:
    purchase_order_id = walmart.place()
    walmart.control("POST", f"orders/{purchase_order_id}/status", {"intentToCancel": True})
    answer = walmart.post(
        f"/v3/orders/{purchase_order_id}/cancel",
        cancel_body(("1", 1), reason="CUSTOMER_REQUESTED_SELLER_TO_CANCEL"),
    )
    assert answer.status_code == 200


def test_more_than_a_hundred_lines_cannot_be_cancelled_at_once(walmart: Walmart) -> None:
    purchase_order_id = walmart.place()
    answer = walmart.post(f"/v3/orders/{purchase_order_id}/cancel", cancel_body(*[("1", 1)] * 101))
    assert answer.status_code == 400


def test_refunds_on_shipped_lines_negative_and_within_the_charge(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": "Shipped"})
    path = f"/v3/orders/{purchase_order_id}/refund"
    assert (
        walmart.post(path, refund_body(purchase_order_id, ("PRODUCT", 10.0, 0))).status_code == 400
    )
    assert (
        walmart.post(path, refund_body(purchase_order_id, ("PRODUCT", -20.01, 0))).status_code
        == 400
    )
    assert walmart.post(path, refund_body("1", ("PRODUCT", -1.0, 0))).status_code == 400
    assert (
        walmart.post(
            path, refund_body(purchase_order_id, ("PRODUCT", -1.0, 0), full=True)
        ).status_code
        == 400
    )
    given = walmart.post(path, refund_body(purchase_order_id, ("PRODUCT", -10.0, -0.8)))
    assert given.status_code == 200, given.text
    refund = lines_of(given.json()["order"])[0]["refund"]
    assert refund["refundComments"] == "sandbox test"
    (charge,) = refund["refundCharges"]["refundCharge"]
    assert charge["charge"]["chargeAmount"] == {"currency": "USD", "amount": -10}
    over = walmart.post(path, refund_body(purchase_order_id, ("PRODUCT", -10.01, 0)))
    assert over.status_code == 400
    assert "more than was charged" in over.json()["errors"]["error"][0]["description"]
    unshipped = walmart.place()
    refused = walmart.post(
        f"/v3/orders/{unshipped}/refund", refund_body(unshipped, ("PRODUCT", -1.0, 0))
    )
    assert refused.status_code == 400
    assert "only shipped lines" in refused.json()["errors"]["error"][0]["description"]


def test_a_full_refund_gives_back_everything_the_line_was_charged(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({**KETTLE, "status": "Delivered"})
    body = refund_body(
        purchase_order_id, ("PRODUCT", -20.0, -1.6), ("SHIPPING", -5.0, -0.41), full=True
    )
    answer = walmart.post(f"/v3/orders/{purchase_order_id}/refund", body)
    assert answer.status_code == 200, answer.text


def test_a_lost_answer_is_a_500_for_a_write_that_was_applied(walmart: Walmart) -> None:
    purchase_order_id = walmart.place({"status": "Acknowledged", "methodCode": "Standard"})
    walmart.control("PUT", "faults", {"lose_write_responses": 1})
    lost = walmart.post(f"/v3/orders/{purchase_order_id}/shipping", shipping_body(("1", 1)))
    assert lost.status_code == 500
    view = walmart.view(purchase_order_id)
    assert len(view["shipments"]) == 1
    assert [w["operation"] for w in view["writes"]] == ["shippingUpdates"]
    assert walmart.control("GET", "stats")["lostWriteResponses"] == {"shippingUpdates": 1}
    walmart.control("PUT", "faults", {"fault_rate_503": 1.0})
    assert walmart.get("/v3/orders").status_code == 503
