"""What the eBay connector sends and how it reads eBay's answers back: pure, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from orderbridge.domain.carriers import Carrier
from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.marketplaces.ebay.cancellations import cancel_request, cancelled, open_request
from orderbridge.marketplaces.ebay.carriers import CARRIER_CODES
from orderbridge.marketplaces.ebay.order_queries import (
    format_timestamp,
    modified_between,
    offset_of,
    orders_query,
)
from orderbridge.marketplaces.ebay.reasons import CANCEL_REASONS, REFUND_REASONS
from orderbridge.marketplaces.ebay.refunds import matching_refunds, refund_request, refund_status
from orderbridge.marketplaces.ebay.settings import EbaySettings
from orderbridge.marketplaces.ebay.shipping import fulfillment_present, fulfillment_request
from orderbridge.marketplaces.errors import ConfigurationError, PermanentError
from orderbridge.marketplaces.updates import (
    CancellationUpdate,
    RefundLine,
    RefundUpdate,
    ShipmentUpdate,
    UpdateLine,
)

SHIPPED = datetime(2026, 3, 4, 15, 30, 12, 345678, tzinfo=UTC)


def shipment(**changes: Any) -> ShipmentUpdate:
    values: dict[str, Any] = {
        "reference": "42",
        "order_external_id": "04-11223-44556",
        "marketplace_id": "EBAY_US",
        "lines": (UpdateLine("10011122233344", 1), UpdateLine("10011122233355", 1)),
        "shipped_at": SHIPPED,
        "carrier_code": "UPS",
        "carrier_name": None,
        "tracking_number": "1Z 999 AA1 0123456784",
        "shipping_method": None,
    }
    values.update(changes)
    return ShipmentUpdate(**values)


def test_a_package_goes_with_lines_date_carrier_and_clean_tracking() -> None:
    assert fulfillment_request(shipment()) == {
        "lineItems": [
            {"lineItemId": "10011122233344", "quantity": 1},
            {"lineItemId": "10011122233355", "quantity": 1},
        ],
        "shippedDate": "2026-03-04T15:30:12.345Z",
        "shippingCarrierCode": "UPS",
        "trackingNumber": "1Z999AA10123456784",
    }


def test_a_package_without_tracking_names_no_carrier() -> None:
    body = fulfillment_request(shipment(tracking_number=None))
    assert "trackingNumber" not in body and "shippingCarrierCode" not in body


def test_two_update_lines_of_one_line_item_add_up() -> None:
    update = shipment(lines=(UpdateLine("10011122233344", 1), UpdateLine("10011122233344", 2)))
    assert fulfillment_request(update)["lineItems"] == [
        {"lineItemId": "10011122233344", "quantity": 3}
    ]


def test_an_unknown_carrier_goes_as_other_and_odd_tracking_is_refused() -> None:
    body = fulfillment_request(shipment(carrier_code=None, carrier_name="Speedy Parcels"))
    assert body["shippingCarrierCode"] == "Other"
    with pytest.raises(PermanentError, match="letters and digits"):
        fulfillment_request(shipment(tracking_number="AB/123#4"))
    with pytest.raises(PermanentError, match="time zone"):
        fulfillment_request(shipment(shipped_at=datetime(2026, 3, 4, 15, 30)))


def test_the_ship_date_is_sent_in_utc() -> None:
    berlin = SHIPPED.astimezone(timezone(timedelta(hours=1)))
    assert fulfillment_request(shipment(shipped_at=berlin))["shippedDate"] == (
        "2026-03-04T15:30:12.345Z"
    )


def test_a_retry_recognises_its_package_by_tracking_and_lines() -> None:
    body = fulfillment_request(shipment())
    held = {
        "fulfillmentId": "1Z999AA10123456784",
        "shipmentTrackingNumber": "1Z999AA10123456784",
        "lineItems": [
            {"lineItemId": "10011122233355", "quantity": 1},
            {"lineItemId": "10011122233344", "quantity": 1},
        ],
    }
    assert fulfillment_present([held], body) == "1Z999AA10123456784"
    other_lines = {**held, "lineItems": [{"lineItemId": "10011122233344", "quantity": 1}]}
    assert fulfillment_present([other_lines], body) is None


def test_a_retry_without_tracking_matches_by_ship_date() -> None:
    body = fulfillment_request(shipment(tracking_number=None))
    same = {
        "fulfillmentId": "999",
        "shippedDate": "2026-03-04T15:30:12.000Z",
        "lineItems": body["lineItems"],
    }
    later = {**same, "fulfillmentId": "1000", "shippedDate": "2026-03-05T09:00:00.000Z"}
    assert fulfillment_present([later, same], body) == "999"
    assert fulfillment_present([later], body) is None


def order_with_lines(*, collected_tax: bool) -> dict[str, Any]:
    line: dict[str, Any] = {"lineItemId": "10011122233344", "refunds": []}
    if collected_tax:
        line["ebayCollectAndRemitTaxes"] = [{"amount": {"value": "5.21", "currency": "USD"}}]
    return {"orderId": "04-11223-44556", "lineItems": [line]}


def refund(**changes: Any) -> RefundUpdate:
    values: dict[str, Any] = {
        "reference": "orderbridge-refund-7",
        "order_external_id": "04-11223-44556",
        "marketplace_id": "EBAY_US",
        "currency": "USD",
        "reason": RefundReason.DAMAGED,
        "lines": (
            RefundLine(
                "10011122233344",
                1,
                item=Decimal("39.95"),
                shipping=Decimal("6.10"),
                tax=Decimal("2.605"),
            ),
        ),
    }
    values.update(changes)
    return RefundUpdate(**values)


def test_a_refund_gives_back_item_shipping_and_tax_in_cents() -> None:
    body = refund_request(refund(), order_with_lines(collected_tax=False))
    assert body == {
        "reasonForRefund": "ITEM_NOT_AS_DESCRIBED",
        "comment": "orderbridge orderbridge-refund-7",
        "refundItems": [
            {"lineItemId": "10011122233344", "refundAmount": {"value": "48.66", "currency": "USD"}}
        ],
    }


def test_tax_ebay_collected_is_left_for_ebay_to_refund() -> None:
    body = refund_request(refund(), order_with_lines(collected_tax=True))
    assert body["refundItems"][0]["refundAmount"]["value"] == "46.05"


def test_a_refund_of_a_line_ebay_does_not_know_is_refused() -> None:
    line = RefundLine("999", 1, item=Decimal(1), shipping=Decimal(0), tax=Decimal(0))
    with pytest.raises(PermanentError, match="no line 999"):
        refund_request(refund(lines=(line,)), order_with_lines(collected_tax=False))


def refunded_order(status: str, dated: bool) -> dict[str, Any]:
    line_refund: dict[str, Any] = {
        "refundId": "5012345678901",
        "amount": {"value": "48.66", "currency": "USD"},
    }
    if dated:
        line_refund["refundDate"] = "2026-03-05T10:00:00.000Z"
    return {
        "lineItems": [{"lineItemId": "10011122233344", "refunds": [line_refund]}],
        "paymentSummary": {
            "refunds": [
                {
                    "refundId": "5012345678901",
                    "refundStatus": status,
                    "amount": {"value": "48.66", "currency": "USD"},
                }
            ]
        },
    }


def test_refund_status_comes_from_the_payment_summary() -> None:
    assert refund_status(refunded_order("PENDING", False), "5012345678901") == "PENDING"
    assert refund_status(refunded_order("REFUNDED", True), "5012345678901") == "REFUNDED"
    assert refund_status(refunded_order("FAILED", False), "5012345678901") == "FAILED"
    assert refund_status(refunded_order("REFUNDED", True), "5099999999999") is None
    line_only = refunded_order("PENDING", True)
    del line_only["paymentSummary"]
    assert refund_status(line_only, "5012345678901") == "REFUNDED"


def test_a_retried_refund_finds_only_new_refunds_with_its_amounts() -> None:
    order = refunded_order("REFUNDED", True)
    body = refund_request(refund(), order_with_lines(collected_tax=False))
    assert matching_refunds(order, body, None) == ["5012345678901"]
    assert matching_refunds(order, body, frozenset()) == ["5012345678901"]
    assert matching_refunds(order, body, frozenset({"5012345678901"})) == []
    smaller = refund_request(
        refund(lines=(RefundLine("10011122233344", 1, Decimal(5), Decimal(0), Decimal(0)),)),
        order_with_lines(collected_tax=False),
    )
    assert matching_refunds(order, smaller, None) == []


def cancellation(**changes: Any) -> CancellationUpdate:
    values: dict[str, Any] = {
        "reference": "orderbridge-cancel-3",
        "order_external_id": "04-11223-44556",
        "marketplace_id": "EBAY_US",
        "reason": CancelReason.OUT_OF_STOCK,
        "whole_order": True,
        "lines": (UpdateLine("10011122233344", 2),),
    }
    values.update(changes)
    return CancellationUpdate(**values)


def test_a_cancellation_tells_whether_and_when_the_buyer_paid() -> None:
    paid = {
        "paymentSummary": {
            "payments": [{"paymentStatus": "PAID", "paymentDate": "2026-03-02T10:16:00.000Z"}]
        }
    }
    assert cancel_request(cancellation(), paid) == {
        "legacyOrderId": "04-11223-44556",
        "cancelReason": "OUT_OF_STOCK_OR_CANNOT_FULFILL",
        "buyerPaid": True,
        "buyerPaidDate": {"value": "2026-03-02T10:16:00.000Z"},
    }
    unpaid = cancel_request(cancellation(reason=CancelReason.BUYER_REQUESTED), {})
    assert unpaid == {
        "legacyOrderId": "04-11223-44556",
        "cancelReason": "BUYER_ASKED_CANCEL",
        "buyerPaid": False,
    }


def test_open_cancel_requests_are_found_by_who_made_them() -> None:
    order = {
        "cancelStatus": {
            "cancelState": "IN_PROGRESS",
            "cancelRequests": [
                {
                    "cancelRequestId": "5200000001",
                    "cancelInitiator": "BUYER",
                    "cancelRequestState": "REQUESTED",
                },
                {
                    "cancelRequestId": "5200000002",
                    "cancelInitiator": "Seller",
                    "cancelRequestState": "COMPLETED",
                },
            ],
        }
    }
    assert open_request(order, "BUYER") == "5200000001"
    assert open_request(order, "SELLER") is None
    assert not cancelled(order)
    assert cancelled({"cancelStatus": {"cancelState": "CANCELED"}})


def test_the_window_filter_is_bracketed_and_percent_encoded() -> None:
    lower = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    upper = datetime(2026, 3, 2, 0, 0, 0, 999999, tzinfo=UTC)
    expression = modified_between(lower, upper)
    assert expression == "lastmodifieddate:[2026-03-01T00:00:00.000Z..2026-03-02T00:00:00.999Z]"
    query = orders_query(expression, offset=400)
    assert query == (
        "filter=lastmodifieddate:%5B2026-03-01T00:00:00.000Z..2026-03-02T00:00:00.999Z%5D"
        "&limit=200&offset=400&fieldGroups=TAX_BREAKDOWN"
    )
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2026, 3, 1))


def test_the_offset_of_a_next_link() -> None:
    link = "https://api.ebay.com/sell/fulfillment/v1/order?filter=x&limit=200&offset=200"
    assert offset_of(link) == 200
    assert offset_of("https://api.ebay.com/sell/fulfillment/v1/order?limit=200") is None
    assert offset_of("https://api.ebay.com/x?offset=-3") is None


def test_every_reason_has_an_ebay_code_a_seller_may_use() -> None:
    seller_reasons = {
        "ADDRESS_ISSUES",
        "BUYER_ASKED_CANCEL",
        "ORDER_UNPAID",
        "OUT_OF_STOCK_OR_CANNOT_FULFILL",
    }
    assert set(CANCEL_REASONS) == set(CancelReason)
    assert set(CANCEL_REASONS.values()) <= seller_reasons
    assert set(REFUND_REASONS) == set(RefundReason)
    assert set(REFUND_REASONS.values()) <= {
        "BUYER_CANCEL",
        "SELLER_CANCEL",
        "ITEM_NOT_RECEIVED",
        "BUYER_RETURN",
        "ITEM_NOT_AS_DESCRIBED",
        "OTHER_ADJUSTMENT",
        "SHIPPING_DISCOUNT",
    }


def test_carrier_codes_cover_known_carriers_only() -> None:
    assert set(CARRIER_CODES) <= {carrier.value for carrier in Carrier}
    assert CARRIER_CODES[Carrier.DHL_PAKET] == "DHL"


CREDENTIALS = {"client_id": "app-id", "client_secret": "cert-id", "refresh_token": "v^1.1#r"}


def test_settings_defaults_and_derived_urls() -> None:
    settings = EbaySettings.parse(CREDENTIALS, {})
    assert settings.base_url == "https://api.ebay.com"
    assert settings.token_url == "https://api.ebay.com/identity/v1/oauth2/token"
    assert settings.postorder_base_url == "https://api.ebay.com"
    assert (settings.marketplace_id, settings.currency) == ("EBAY_US", "USD")
    sandbox = EbaySettings.parse(
        CREDENTIALS, {"base_url": "http://127.0.0.1:9/", "marketplace_id": "ebay_de"}
    )
    assert sandbox.token_url == "http://127.0.0.1:9/identity/v1/oauth2/token"
    assert (sandbox.marketplace_id, sandbox.currency) == ("EBAY_DE", "EUR")
    assert "cert-id" not in repr(sandbox)


@pytest.mark.parametrize(
    ("credentials", "options", "named"),
    [
        ({**CREDENTIALS, "refresh_token": " "}, {}, "refresh_token"),
        ({"client_id": "x", "client_secret": "y"}, {}, "refresh_token"),
        (CREDENTIALS, {"marketplace_id": "EBAY_XX"}, "marketplace_id"),
        (CREDENTIALS, {"base_url": "ftp://api.ebay.com"}, "base_url"),
        (CREDENTIALS, {"scopes": "sell.fulfillment"}, "scopes"),
        (CREDENTIALS, {"rate_limit_scale": 0}, "rate_limit_scale"),
        (CREDENTIALS, {"timeout_seconds": "soon"}, "timeout_seconds"),
    ],
)
def test_settings_errors_name_the_setting(
    credentials: dict[str, str], options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        EbaySettings.parse(credentials, options)
