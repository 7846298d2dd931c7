"""Amazon shipment confirmation: the request orderbridge builds and how it treats answers.

The HTTP cases run the real connector against an in-memory stand-in (httpx.MockTransport)
so the exact request can be read; the same flows run over sockets against the simulator
in tests/integration/test_amazon_fulfilment.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from orderbridge.marketplaces.amazon import AmazonConnector, AmazonSettings
from orderbridge.marketplaces.amazon.shipping import confirm_shipment_request, package_present
from orderbridge.marketplaces.errors import ErrorClass, PermanentError, TransientError
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.updates import Applied, ShipmentUpdate, UpdateLine

ORDER = "902-1106328-1059050"
SHIPPED_AT = datetime(2026, 3, 4, 15, 30, 0, tzinfo=UTC)


def shipment(**changes: Any) -> ShipmentUpdate:
    values: dict[str, Any] = {
        "reference": "42",
        "order_external_id": ORDER,
        "marketplace_id": "A1PA6795UKMFR9",
        "lines": (UpdateLine("79039765272157", 2), UpdateLine("79039765272158", 1)),
        "shipped_at": SHIPPED_AT,
        "carrier_code": "DHL",
        "carrier_name": None,
        "tracking_number": "1Z999AA10123456784",
        "shipping_method": "Paket",
    }
    values.update(changes)
    return ShipmentUpdate(**values)


def test_request_follows_the_confirm_shipment_model() -> None:
    assert confirm_shipment_request(shipment(), "A1PA6795UKMFR9") == {
        "marketplaceId": "A1PA6795UKMFR9",
        "packageDetail": {
            "packageReferenceId": "42",
            "carrierCode": "DHL",
            "shippingMethod": "Paket",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": "2026-03-04T15:30:00Z",
            "orderItems": [
                {"orderItemId": "79039765272157", "quantity": 2},
                {"orderItemId": "79039765272158", "quantity": 1},
            ],
        },
    }


def test_other_carrier_goes_with_its_name() -> None:
    body = confirm_shipment_request(
        shipment(carrier_code="Other", carrier_name="Spedition Müller"), "M"
    )
    assert body["packageDetail"]["carrierCode"] == "Other"
    assert body["packageDetail"]["carrierName"] == "Spedition Müller"


def test_a_name_without_a_code_is_sent_as_other() -> None:
    body = confirm_shipment_request(shipment(carrier_code=None, carrier_name="Kurier 24"), "M")
    assert body["packageDetail"]["carrierCode"] == "Other"
    assert body["packageDetail"]["carrierName"] == "Kurier 24"


def test_a_listed_carrier_sends_no_name() -> None:
    body = confirm_shipment_request(shipment(carrier_name="DHL Paket"), "M")
    assert "carrierName" not in body["packageDetail"]


def test_ship_date_is_sent_in_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    body = confirm_shipment_request(
        shipment(shipped_at=datetime(2026, 6, 1, 1, 15, tzinfo=berlin)), "M"
    )
    assert body["packageDetail"]["shipDate"] == "2026-05-31T23:15:00Z"


def test_two_lines_of_one_item_become_one_entry() -> None:
    lines = (UpdateLine("111", 1), UpdateLine("111", 2))
    body = confirm_shipment_request(shipment(lines=lines), "M")
    assert body["packageDetail"]["orderItems"] == [{"orderItemId": "111", "quantity": 3}]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tracking_number": None}, "Amazon requires a tracking number"),
        ({"tracking_number": ""}, "Amazon requires a tracking number"),
        ({"reference": "pkg-1"}, "positive number"),
        ({"reference": "0"}, "positive number"),
        ({"carrier_code": None, "carrier_name": None}, "requires a carrier"),
        ({"carrier_code": "Other", "carrier_name": None}, "needs the carrier's name"),
        ({"shipped_at": datetime(2026, 3, 4, 15, 30)}, "no time zone"),
        ({"lines": ()}, "has no line"),
    ],
)
def test_what_amazon_would_refuse_is_refused_here(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PermanentError, match=message) as caught:
        confirm_shipment_request(shipment(**changes), "M")
    assert caught.value.error_class is ErrorClass.PERMANENT


def order_with_packages(*packages: dict[str, Any]) -> dict[str, Any]:
    return {"orderId": ORDER, "packages": list(packages)}


def package(reference: str, *items: tuple[str, int]) -> dict[str, Any]:
    return {
        "packageReferenceId": reference,
        "packageItems": [{"orderItemId": item, "quantity": qty} for item, qty in items],
    }


def test_package_is_found_by_reference_and_items() -> None:
    update = shipment()
    there = package("42", ("79039765272158", 1), ("79039765272157", 2))
    assert package_present(order_with_packages(package("41", ("x", 1)), there), update)


@pytest.mark.parametrize(
    "packages",
    [
        [],
        [package("43", ("79039765272157", 2), ("79039765272158", 1))],
        [package("42", ("79039765272157", 1), ("79039765272158", 1))],
        [package("42", ("79039765272157", 2))],
    ],
)
def test_package_is_missing_when_reference_or_items_differ(packages: list[dict[str, Any]]) -> None:
    assert not package_present(order_with_packages(*packages), shipment())


# -- over HTTP, against an in-memory stand-in ---------------------------------------------


Handler = Callable[[httpx.Request], httpx.Response]


class FakeAmazon:
    """Answers the token call and hands every SP-API request to the test's handler."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            return httpx.Response(
                200, json={"access_token": "Atza|token-123456", "expires_in": 3600}
            )
        self.requests.append(request)
        return self.handler(request)

    def connector(self) -> AmazonConnector:
        settings = AmazonSettings.parse(
            {"client_id": "id", "client_secret": "secret-123456", "refresh_token": "Atzr|refresh"},
            {
                "marketplace_ids": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                "base_url": "https://sp.example",
                "token_url": "https://sp.example/auth/o2/token",
            },
        )
        return AmazonConnector(
            settings,
            transport=httpx.MockTransport(self),
            retry=RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0),
        )


async def push(fake: FakeAmazon, update: ShipmentUpdate, *, retry: bool = False) -> Any:
    connector = fake.connector()
    try:
        return await connector.push_update(update, retry=retry)
    finally:
        await connector.aclose()


async def test_confirmation_is_posted_as_json_with_the_token() -> None:
    fake = FakeAmazon(lambda request: httpx.Response(204))
    assert await push(fake, shipment()) == Applied()
    [request] = fake.requests
    assert request.method == "POST"
    assert request.url.path == f"/orders/v0/orders/{ORDER}/shipmentConfirmation"
    assert request.headers["x-amz-access-token"] == "Atza|token-123456"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == confirm_shipment_request(shipment(), "A1PA6795UKMFR9")


async def test_without_marketplace_the_connections_first_is_used() -> None:
    fake = FakeAmazon(lambda request: httpx.Response(204))
    await push(fake, shipment(marketplace_id=None))
    assert json.loads(fake.requests[0].content)["marketplaceId"] == "ATVPDKIKX0DER"


async def test_refusal_carries_amazons_message_and_answer() -> None:
    errors = {"errors": [{"code": "InvalidInput", "message": "Invalid shipDate", "details": ""}]}
    fake = FakeAmazon(lambda request: httpx.Response(400, json=errors))
    with pytest.raises(PermanentError) as caught:
        await push(fake, shipment())
    error = caught.value
    assert error.message == "Amazon refused confirmShipment: InvalidInput: Invalid shipDate"
    assert error.http_status == 400
    assert error.response_excerpt is not None and "Invalid shipDate" in error.response_excerpt
    assert len(fake.requests) == 1


async def test_a_lost_answer_is_not_repeated_blindly() -> None:
    fake = FakeAmazon(lambda request: httpx.Response(500, json={"errors": []}))
    with pytest.raises(TransientError):
        await push(fake, shipment())
    assert [r.url.path for r in fake.requests] == [
        f"/orders/v0/orders/{ORDER}/shipmentConfirmation"
    ]


async def test_retry_finds_the_package_and_sends_nothing() -> None:
    there = package("42", ("79039765272157", 2), ("79039765272158", 1))

    def amazon(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        return httpx.Response(200, json={"order": order_with_packages(there)})

    fake = FakeAmazon(amazon)
    outcome = await push(fake, shipment(), retry=True)
    assert outcome.already is True
    [read] = fake.requests
    assert read.url.path == f"/orders/2026-01-01/orders/{ORDER}"
    assert set(read.url.params["includedData"].split(",")) == {"PACKAGES", "FULFILLMENT"}


async def test_retry_sends_when_the_package_is_not_there() -> None:
    def amazon(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"order": order_with_packages()})
        return httpx.Response(204)

    fake = FakeAmazon(amazon)
    assert await push(fake, shipment(), retry=True) == Applied()
    assert [r.method for r in fake.requests] == ["GET", "POST"]


async def test_missing_tracking_is_refused_before_any_call() -> None:
    fake = FakeAmazon(lambda request: httpx.Response(204))
    with pytest.raises(PermanentError, match="Amazon requires a tracking number"):
        await push(fake, shipment(tracking_number=None), retry=True)
    assert fake.requests == []
