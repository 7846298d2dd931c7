"""What the bol.com connector asks of bol for each update, decided before anything is sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderbridge.domain.fulfilment import CancelReason
from orderbridge.marketplaces.bol.cancelling import ItemState, plan
from orderbridge.marketplaces.bol.problems import problem_text
from orderbridge.marketplaces.bol.process_status import (
    cancellation_handle,
    cancellation_pairs,
    parse,
)
from orderbridge.marketplaces.bol.reasons import CANCEL_REASONS
from orderbridge.marketplaces.bol.shipping import shipment_request
from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.updates import CancellationUpdate, ShipmentUpdate, UpdateLine

SHIPMENT = ShipmentUpdate(
    reference="1042",
    order_external_id="A2K8290LP8",
    marketplace_id=None,
    lines=(UpdateLine("2012345678", 2), UpdateLine("2012345679", 1)),
    shipped_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    carrier_code="TNT",
    carrier_name="PostNL",
    tracking_number="3SBOL0987654321",
    shipping_method=None,
)


def shipment(**changes: Any) -> ShipmentUpdate:
    return replace(SHIPMENT, **changes)


def test_a_shipment_request_names_items_reference_and_transport() -> None:
    assert shipment_request(shipment()) == {
        "orderItems": [
            {"orderItemId": "2012345678", "quantity": 2},
            {"orderItemId": "2012345679", "quantity": 1},
        ],
        "shipmentReference": "1042",
        "transport": {"transporterCode": "TNT", "trackAndTrace": "3SBOL0987654321"},
    }


def test_without_carrier_or_tracking_the_transport_is_other_alone() -> None:
    body = shipment_request(shipment(carrier_code=None, tracking_number=None))
    assert body["transport"] == {"transporterCode": "OTHER"}


def test_a_shipment_bol_would_refuse_is_refused_here() -> None:
    with pytest.raises(PermanentError, match="at most 100"):
        shipment_request(shipment(lines=tuple(UpdateLine(str(n), 1) for n in range(101))))
    with pytest.raises(PermanentError, match="1 to 90 characters"):
        shipment_request(shipment(reference="x" * 91))


def cancellation(*lines: tuple[str, int], reason: CancelReason) -> CancellationUpdate:
    return CancellationUpdate(
        reference="orderbridge-cancel-7",
        order_external_id="A2K8290LP8",
        marketplace_id=None,
        reason=reason,
        whole_order=False,
        lines=tuple(UpdateLine(item, quantity) for item, quantity in lines),
    )


def test_the_plan_skips_cancelled_items_and_honours_a_customers_request() -> None:
    states = {
        "1": ItemState(quantity=2, shipped=0, cancelled=0, requested=False),
        "2": ItemState(quantity=1, shipped=0, cancelled=1, requested=True),
        "3": ItemState(quantity=3, shipped=1, cancelled=0, requested=True),
    }
    update = cancellation(("1", 2), ("2", 1), ("3", 2), reason=CancelReason.OUT_OF_STOCK)
    assert plan(update, states) == [("1", "OUT_OF_STOCK"), ("3", "REQUESTED_BY_CUSTOMER")]


@pytest.mark.parametrize(
    ("state", "quantity", "message"),
    [
        (ItemState(2, 0, 0, False), 1, "has 2 open, the cancellation names 1"),
        (ItemState(1, 1, 0, False), 1, "shipped: it cannot be cancelled"),
    ],
)
def test_the_plan_refuses_what_bol_would_do_differently(
    state: ItemState, quantity: int, message: str
) -> None:
    with pytest.raises(PermanentError, match=message):
        plan(cancellation(("1", quantity), reason=CancelReason.GENERAL), {"1": state})
    with pytest.raises(PermanentError, match="has no order item 9"):
        plan(cancellation(("9", 1), reason=CancelReason.GENERAL), {"1": state})


def test_every_cancel_reason_has_a_bol_code() -> None:
    assert set(CANCEL_REASONS) == set(CancelReason)
    assert CANCEL_REASONS[CancelReason.PRICING_ERROR] == "INCORRECT_PRICE"
    assert CANCEL_REASONS[CancelReason.FRAUD_SUSPECTED] == "OTHER"


def test_a_cancellation_handle_keeps_each_items_status() -> None:
    pairs = [("1000000001", "2012345678"), ("1000000002", "2012345679")]
    handle = cancellation_handle(pairs)
    assert cancellation_pairs(handle) == pairs
    with pytest.raises(PermanentError):
        cancellation_pairs("1000000001")


def test_a_process_status_without_an_id_is_an_unanswered_write() -> None:
    with pytest.raises(TransientError, match="no processStatusId"):
        parse({"status": "PENDING"}, operation="create-shipment")
    state = parse(
        {"processStatusId": 7, "status": "FAILURE", "errorMessage": "No."},
        operation="create-shipment",
    )
    assert (state.process_status_id, state.error_message, state.finished) == ("7", "No.", True)


def test_problem_text_keeps_bols_detail_and_violations() -> None:
    problem = {
        "type": "https://api.bol.com/problems",
        "title": "Error validating request. Consult the bol.com API documentation.",
        "status": 400,
        "detail": "Bad request",
        "violations": [{"name": "orderItems[0].quantity", "reason": "must be at least 1"}],
    }
    text = problem_text(httpx.Response(400, json=problem))
    assert text == (
        "Error validating request. Consult the bol.com API documentation.: Bad request "
        "(orderItems[0].quantity: must be at least 1)"
    )
    assert problem_text(httpx.Response(502, text="<html>")) == "HTTP 502"
