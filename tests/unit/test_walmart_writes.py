"""What the Walmart connector would send for shipments, cancellations and refunds, and
what it refuses before sending: pure, built from orders as Walmart shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import (
    CancellationUpdate,
    RefundLine,
    RefundUpdate,
    ShipmentUpdate,
    UpdateLine,
)
from orderbridge.marketplaces.walmart.cancellation import units_to_cancel
from orderbridge.marketplaces.walmart.capabilities import walmart_capabilities
from orderbridge.marketplaces.walmart.carriers import CARRIER_CODES, walmart_carrier_named
from orderbridge.marketplaces.walmart.line_states import line_states
from orderbridge.marketplaces.walmart.reasons import (
    CANCEL_REASONS,
    REFUND_REASONS,
    cancellation_reason,
)
from orderbridge.marketplaces.walmart.refunds import refund_present, refund_request, wire_amount
from orderbridge.marketplaces.walmart.shipping import (
    check_shipment,
    shipment_present,
    shipping_request,
)

SHIPPED_AT = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def walmart_order(*lines: dict[str, Any], method: str = "Value") -> dict[str, Any]:
    return {
        "purchaseOrderId": "1796277083022",
        "orderDate": 1_772_445_600_000,
        "shippingInfo": {"methodCode": method},
        "orderLines": {"orderLine": list(lines)},
    }


def walmart_line(
    number: str,
    statuses: list[tuple[str, int, str | None]],
    *,
    product: float = 20.0,
    product_tax: float = 1.6,
    shipping: float | None = None,
    shipping_tax: float = 0.0,
    refund: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    charges: list[dict[str, Any]] = [
        {
            "chargeType": "PRODUCT",
            "chargeName": "ItemPrice",
            "chargeAmount": {"currency": "USD", "amount": product},
            "tax": {"taxName": "Tax1", "taxAmount": {"currency": "USD", "amount": product_tax}},
        }
    ]
    if shipping is not None:
        charges.append(
            {
                "chargeType": "SHIPPING",
                "chargeName": "Shipping",
                "chargeAmount": {"currency": "USD", "amount": shipping},
                "tax": {
                    "taxName": "Tax2",
                    "taxAmount": {"currency": "USD", "amount": shipping_tax},
                },
            }
        )
    entries = []
    for status, quantity, number_sent in statuses:
        entry: dict[str, Any] = {
            "status": status,
            "statusQuantity": {"unitOfMeasurement": "EACH", "amount": str(quantity)},
        }
        if number_sent:
            entry["trackingInfo"] = {"trackingNumber": number_sent}
        entries.append(entry)
    payload = {
        "lineNumber": number,
        "item": {"productName": "Kettle", "sku": "KTL"},
        "charges": {"charge": charges},
        "orderLineQuantity": {
            "unitOfMeasurement": "EACH",
            "amount": str(sum(q for _, q, _ in statuses)),
        },
        "orderLineStatuses": {"orderLineStatus": entries},
        **extra,
    }
    if refund is not None:
        payload["refund"] = refund
    return payload


def shipment(*lines: tuple[str, int], **changes: Any) -> ShipmentUpdate:
    values: dict[str, Any] = {
        "reference": "41",
        "order_external_id": "1796277083022",
        "marketplace_id": None,
        "lines": tuple(UpdateLine(number, quantity) for number, quantity in lines),
        "shipped_at": SHIPPED_AT,
        "carrier_code": "UPS",
        "carrier_name": None,
        "tracking_number": "1Z999AA10123456784",
        "shipping_method": None,
        **changes,
    }
    return ShipmentUpdate(**values)


def refund(*lines: RefundLine, reason: RefundReason = RefundReason.DAMAGED) -> RefundUpdate:
    return RefundUpdate(
        reference="orderbridge-refund-7",
        order_external_id="1796277083022",
        marketplace_id=None,
        currency="USD",
        reason=reason,
        lines=lines,
    )


# -- shipments ---------------------------------------------------------------------------


def test_a_package_is_one_shipped_status_per_line_with_epoch_milliseconds() -> None:
    order = walmart_order(
        walmart_line("1", [("Acknowledged", 2, None)]),
        walmart_line("2", [("Acknowledged", 1, None)]),
    )
    update = shipment(("1", 1), ("2", 1), ("1", 1))
    body = shipping_request(update, order, line_states(order), check_shipment(update))

    lines = body["orderShipment"]["orderLines"]["orderLine"]
    assert [entry["lineNumber"] for entry in lines] == ["1", "2"]
    first = lines[0]["orderLineStatuses"]["orderLineStatus"]
    assert len(first) == 1
    assert first[0]["status"] == "Shipped"
    assert first[0]["statusQuantity"] == {"unitOfMeasurement": "EACH", "amount": "2"}
    assert first[0]["trackingInfo"] == {
        "shipDateTime": 1_772_465_400_000,
        "carrierName": {"carrier": "UPS"},
        # The order's own method code: Walmart refuses one that does not fit the line.
        "methodCode": "Value",
        "trackingNumber": "1Z999AA10123456784",
    }
    assert lines[0]["sellerOrderId"] == "1796277083022"
    assert "intentToCancelOverride" not in lines[0]


def test_a_walmart_method_code_named_by_the_oms_is_kept() -> None:
    order = walmart_order(walmart_line("1", [("Acknowledged", 1, None)]))
    update = shipment(("1", 1), shipping_method="express")
    body = shipping_request(update, order, line_states(order), check_shipment(update))
    status = body["orderShipment"]["orderLines"]["orderLine"][0]["orderLineStatuses"]
    assert status["orderLineStatus"][0]["trackingInfo"]["methodCode"] == "Express"


def test_a_line_the_customer_asked_to_cancel_is_shipped_with_the_override() -> None:
    order = walmart_order(walmart_line("1", [("Acknowledged", 1, None)], intentToCancel="true"))
    update = shipment(("1", 1))
    body = shipping_request(update, order, line_states(order), check_shipment(update))
    assert body["orderShipment"]["orderLines"]["orderLine"][0]["intentToCancelOverride"] is True


def test_more_units_than_are_open_are_refused_before_sending() -> None:
    order = walmart_order(walmart_line("1", [("Shipped", 1, "1Z1"), ("Acknowledged", 1, None)]))
    update = shipment(("1", 2))
    with pytest.raises(PermanentError, match="1 unit\\(s\\) left to ship at Walmart, not 2"):
        shipping_request(update, order, line_states(order), check_shipment(update))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tracking_number": None}, "requires a tracking number"),
        ({"carrier_code": None, "carrier_name": None}, "requires a carrier"),
        ({"carrier_code": "Pigeon Post"}, "not a carrier Walmart knows"),
        ({"shipped_at": datetime(2026, 3, 2, 15, 30)}, "has no time zone"),
    ],
)
def test_a_shipment_walmart_cannot_take_is_refused_without_a_call(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PermanentError, match=message):
        check_shipment(shipment(("1", 1), **changes))


def test_a_free_text_carrier_on_walmarts_list_goes_as_that_carrier() -> None:
    update = shipment(("1", 1), carrier_code="otherCarrier", carrier_name="LaserShip")
    assert check_shipment(update) == {"carrier": "LS"}
    assert walmart_carrier_named("fedex smart post") == "FEDEXSP"
    assert walmart_carrier_named("Estes") == "ESTES"


def test_a_carrier_walmart_does_not_list_is_refused_with_the_fix() -> None:
    update = shipment(("1", 1), carrier_code="otherCarrier", carrier_name="Spedition Müller")
    with pytest.raises(PermanentError) as refused:
        check_shipment(update)
    assert "Spedition Müller" in refused.value.message
    assert "tracking page" in refused.value.message
    assert "tracking_url" in refused.value.message


def test_a_carrier_walmart_does_not_list_goes_as_other_with_its_tracking_page() -> None:
    update = shipment(
        ("1", 1),
        carrier_code="otherCarrier",
        carrier_name="Spedition Müller",
        tracking_url="https://track.spedition-mueller.example/1Z999",
    )
    assert check_shipment(update) == {"otherCarrier": "Spedition Müller"}


def test_a_retry_finds_the_package_by_its_tracking_number() -> None:
    order = walmart_order(
        walmart_line("1", [("Shipped", 2, "1Z999AA10123456784")]),
        walmart_line("2", [("Acknowledged", 1, None)]),
    )
    states = line_states(order)
    assert shipment_present(states, shipment(("1", 2)))
    assert not shipment_present(states, shipment(("1", 2), ("2", 1)))
    assert not shipment_present(states, shipment(("1", 2), tracking_number="1ZOTHER"))


def test_every_orderbridge_carrier_code_is_a_walmart_carrier() -> None:
    capabilities = walmart_capabilities()
    for code in capabilities.carrier_codes.values():
        assert walmart_carrier_named(code) == code
    assert capabilities.carrier_codes is CARRIER_CODES
    assert capabilities.other_carrier_code == "otherCarrier"


# -- cancellations ----------------------------------------------------------------------


def cancellation(*lines: tuple[str, int]) -> CancellationUpdate:
    return CancellationUpdate(
        reference="orderbridge-cancel-3",
        order_external_id="1796277083022",
        marketplace_id=None,
        reason=CancelReason.OUT_OF_STOCK,
        whole_order=True,
        lines=tuple(UpdateLine(number, quantity) for number, quantity in lines),
    )


def test_only_what_is_still_open_at_walmart_is_cancelled() -> None:
    order = walmart_order(
        walmart_line("1", [("Acknowledged", 2, None)]),
        walmart_line("2", [("Cancelled", 1, None)]),
    )
    assert units_to_cancel(cancellation(("1", 2), ("2", 1)), line_states(order)) == {"1": 2}


def test_a_shipped_line_cannot_be_cancelled() -> None:
    order = walmart_order(walmart_line("1", [("Shipped", 1, "1Z1")]))
    with pytest.raises(PermanentError, match=r"is shipped .* refund it instead"):
        units_to_cancel(cancellation(("1", 1)), line_states(order))


def test_cancel_reasons_walmart_takes_and_those_it_does_not() -> None:
    assert cancellation_reason(CancelReason.OUT_OF_STOCK, "c") == "SELLER_CANCEL_OUT_OF_STOCK"
    assert (
        cancellation_reason(CancelReason.BUYER_REQUESTED, "c")
        == "CUSTOMER_REQUESTED_SELLER_TO_CANCEL"
    )
    with pytest.raises(PermanentError, match="Risk Prevention"):
        cancellation_reason(CancelReason.FRAUD_SUSPECTED, "c")
    refused = set(CancelReason) - set(CANCEL_REASONS)
    assert refused == {
        CancelReason.FRAUD_SUSPECTED,
        CancelReason.BUYER_EXCHANGE,
        CancelReason.GENERAL,
    }
    for reason in refused:
        with pytest.raises(PermanentError, match=reason.value):
            cancellation_reason(reason, "c")


def test_every_refund_reason_has_a_walmart_value() -> None:
    assert set(REFUND_REASONS) == set(RefundReason)
    assert REFUND_REASONS[RefundReason.CUSTOMER_RETURN] == "Customer returned item"


# -- refunds --------------------------------------------------------------------------------


def test_a_refund_goes_as_negative_amounts_with_its_reason_and_reference() -> None:
    order = walmart_order(walmart_line("1", [("Shipped", 2, "1Z1")], product=40.0, product_tax=3.2))
    body = refund_request(
        refund(RefundLine("1", 1, Decimal("20.00"), Decimal("0"), Decimal("1.60"))),
        line_states(order),
    )
    (line,) = body["orderRefund"]["orderLines"]["orderLine"]
    assert body["orderRefund"]["purchaseOrderId"] == "1796277083022"
    assert line["isFullRefund"] is False
    (given,) = line["refunds"]["refund"]
    assert given["refundComments"] == "orderbridge-refund-7"
    assert given["refundCharges"]["refundCharge"] == [
        {
            "refundReason": "DamagedItem",
            "charge": {
                "chargeType": "PRODUCT",
                "chargeName": "ItemPrice",
                "chargeAmount": {"currency": "USD", "amount": -20.0},
                "tax": {"taxName": "Tax1", "taxAmount": {"currency": "USD", "amount": -1.6}},
            },
        }
    ]


def test_tax_goes_against_the_product_first_then_shipping() -> None:
    order = walmart_order(
        walmart_line("1", [("Shipped", 1, "1Z1")], shipping=5.99, shipping_tax=0.48)
    )
    body = refund_request(
        refund(RefundLine("1", 1, Decimal("20.00"), Decimal("5.99"), Decimal("2.08"))),
        line_states(order),
    )
    (line,) = body["orderRefund"]["orderLines"]["orderLine"]
    charges = line["refunds"]["refund"][0]["refundCharges"]["refundCharge"]
    taxes = {c["charge"]["chargeType"]: c["charge"]["tax"]["taxAmount"]["amount"] for c in charges}
    assert taxes == {"PRODUCT": -1.6, "SHIPPING": -0.48}
    # Everything the line was charged, nothing before: Walmart's full refund.
    assert line["isFullRefund"] is True


def test_lines_of_one_request_are_all_partial_when_one_is() -> None:
    order = walmart_order(
        walmart_line("1", [("Shipped", 1, "1Z1")]), walmart_line("2", [("Shipped", 1, "1Z2")])
    )
    body = refund_request(
        refund(
            RefundLine("1", 1, Decimal("20.00"), Decimal("0"), Decimal("1.60")),
            RefundLine("2", 1, Decimal("5.00"), Decimal("0"), Decimal("0")),
        ),
        line_states(order),
    )
    flags = [line["isFullRefund"] for line in body["orderRefund"]["orderLines"]["orderLine"]]
    assert flags == [False, False]


def test_a_line_refunded_before_is_never_a_full_refund_again() -> None:
    earlier = {
        "refundComments": "orderbridge-refund-6",
        "refundCharges": {
            "refundCharge": [
                {
                    "refundReason": "DamagedItem",
                    "charge": {
                        "chargeType": "PRODUCT",
                        "chargeName": "ItemPrice",
                        "chargeAmount": {"currency": "USD", "amount": -1.0},
                    },
                }
            ]
        },
    }
    order = walmart_order(walmart_line("1", [("Shipped", 1, "1Z1")], refund=earlier))
    body = refund_request(
        refund(RefundLine("1", 1, Decimal("19.00"), Decimal("0"), Decimal("1.60"))),
        line_states(order),
    )
    assert body["orderRefund"]["orderLines"]["orderLine"][0]["isFullRefund"] is False


@pytest.mark.parametrize(
    ("comments", "present"),
    [("orderbridge-refund-7", True), ("orderbridge-refund-70", False), (None, False)],
)
def test_a_retry_finds_its_refund_by_the_exact_reference(
    comments: str | None, present: bool
) -> None:
    given = None
    if comments is not None:
        given = {"refundComments": comments, "refundCharges": {"refundCharge": []}}
    order = walmart_order(walmart_line("1", [("Shipped", 1, "1Z1")], refund=given))
    update = refund(RefundLine("1", 1, Decimal("1"), Decimal("0"), Decimal("0")))
    assert refund_present(order, update) is present


def test_a_refund_of_an_unshipped_line_is_refused_before_sending() -> None:
    order = walmart_order(walmart_line("1", [("Acknowledged", 1, None)]))
    with pytest.raises(PermanentError, match="shipped lines only"):
        refund_request(
            refund(RefundLine("1", 1, Decimal("1"), Decimal("0"), Decimal("0"))), line_states(order)
        )


def test_amounts_go_on_the_wire_exactly_or_not_at_all() -> None:
    assert wire_amount(Decimal("-19.99"), "r") == -19.99
    assert repr(wire_amount(Decimal("-0.00"), "r")) == "0.0"
    with pytest.raises(PermanentError, match="cannot be sent exactly"):
        wire_amount(Decimal("0.1000000000000000000001"), "r")
