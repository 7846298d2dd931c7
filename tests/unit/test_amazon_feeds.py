"""Amazon cancellations and refunds through the Feeds API, call by call.

The real connector runs against an in-memory stand-in of the Feeds API and its document
storage (httpx.MockTransport), so each request can be read; the same flows run over
sockets against the simulator in tests/integration/test_amazon_fulfilment.py.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import httpx
import pytest

from orderbridge.domain.fulfilment import CancelReason, RefundReason
from orderbridge.marketplaces.amazon import AmazonConnector, AmazonSettings
from orderbridge.marketplaces.amazon.feed_results import FeedRejected
from orderbridge.marketplaces.errors import (
    ConfigurationError,
    PermanentError,
    RateLimitedError,
    TransientError,
)
from orderbridge.marketplaces.http import RetryPolicy
from orderbridge.marketplaces.updates import (
    Applied,
    CancellationUpdate,
    RefundLine,
    RefundUpdate,
    ShipmentUpdate,
    Submitted,
    UpdateLine,
)

ORDER = "114-1234567-7654321"
SIGNATURE = "X-Amz-Signature=0123456789abcdef"
CLEAN_REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope><Message><MessageID>1</MessageID><ProcessingReport>
<StatusCode>Complete</StatusCode><ProcessingSummary><MessagesProcessed>1</MessagesProcessed>
<MessagesSuccessful>1</MessagesSuccessful><MessagesWithError>0</MessagesWithError>
<MessagesWithWarning>0</MessagesWithWarning></ProcessingSummary>
</ProcessingReport></Message></AmazonEnvelope>"""
SHIPPED_REPORT = CLEAN_REPORT.replace(
    b"<MessagesWithError>0",
    b"<MessagesWithError>1",
).replace(
    b"</ProcessingSummary>",
    b"</ProcessingSummary><Result><MessageID>1</MessageID><ResultCode>Error</ResultCode>"
    b"<ResultMessageCode>18029</ResultMessageCode><ResultDescription>Item 11111 has shipped "
    b"and cannot be cancelled</ResultDescription></Result>",
)


@dataclass
class FakeFeeds:
    """The Feeds API and its storage in memory; ``statuses`` is what getFeed answers, in turn."""

    statuses: list[str] = field(default_factory=lambda: ["DONE"])
    report: bytes = CLEAN_REPORT
    compressed: bool = False
    order: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, httpx.Response] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/auth/o2/token":
            return httpx.Response(200, json={"access_token": "Atza|token-123456"})
        self.requests.append(request)
        name = f"{request.method} {path}"
        if name in self.answers:
            return self.answers[name]
        if name == "POST /feeds/2021-06-30/documents":
            return httpx.Response(
                201,
                json={
                    "feedDocumentId": "doc-1",
                    "url": f"https://storage.example/upload/doc-1?{SIGNATURE}",
                },
            )
        if name == "PUT /upload/doc-1":
            self.uploads["doc-1"] = request.content
            return httpx.Response(200)
        if name == "POST /feeds/2021-06-30/feeds":
            return httpx.Response(202, json={"feedId": "50001"})
        if name == "GET /feeds/2021-06-30/feeds/50001":
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            feed: dict[str, Any] = {
                "feedId": "50001",
                "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
                "createdTime": "2026-03-04T10:00:00Z",
                "processingStatus": status,
            }
            if status in ("DONE", "FATAL"):
                feed["resultFeedDocumentId"] = "result-1"
            return httpx.Response(200, json=feed)
        if name == "GET /feeds/2021-06-30/documents/result-1":
            document = {"feedDocumentId": "result-1", "url": "https://storage.example/dl/result-1"}
            if self.compressed:
                document["compressionAlgorithm"] = "GZIP"
            return httpx.Response(200, json=document)
        if name == "GET /dl/result-1":
            return httpx.Response(
                200, content=gzip.compress(self.report) if self.compressed else self.report
            )
        if name == f"GET /orders/2026-01-01/orders/{ORDER}":
            return httpx.Response(200, json={"order": self.order})
        return httpx.Response(404, json={"errors": [{"code": "NotFound", "message": name}]})

    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.host}{r.url.path}" for r in self.requests]


def settings(**options: Any) -> AmazonSettings:
    return AmazonSettings.parse(
        {"client_id": "id", "client_secret": "secret-123456", "refresh_token": "Atzr|refresh"},
        {
            "marketplace_ids": ["A1PA6795UKMFR9"],
            "base_url": "https://sp.example",
            "token_url": "https://sp.example/auth/o2/token",
            "seller_id": "A2SELLER",
            **options,
        },
    )


@pytest.fixture
def fake() -> FakeFeeds:
    return FakeFeeds()


@pytest.fixture
async def connector(fake: FakeFeeds) -> AsyncIterator[AmazonConnector]:
    built = AmazonConnector(
        settings(),
        transport=httpx.MockTransport(fake),
        retry=RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0),
    )
    yield built
    await built.aclose()


def cancellation(*, whole: bool = False) -> CancellationUpdate:
    return CancellationUpdate(
        reference="orderbridge-cancel-9",
        order_external_id=ORDER,
        marketplace_id=None,
        reason=CancelReason.BUYER_REQUESTED,
        whole_order=whole,
        lines=(UpdateLine("11111", 1),),
    )


def refund() -> RefundUpdate:
    return RefundUpdate(
        reference="orderbridge-refund-4",
        order_external_id=ORDER,
        marketplace_id="A1PA6795UKMFR9",
        currency="EUR",
        reason=RefundReason.DAMAGED,
        lines=(RefundLine("11111", 1, Decimal("12.50"), Decimal("0"), Decimal("2.38")),),
    )


FEED_CALLS = [
    "POST sp.example/feeds/2021-06-30/documents",
    "PUT storage.example/upload/doc-1",
    "POST sp.example/feeds/2021-06-30/feeds",
]


async def test_cancellation_goes_through_document_upload_and_feed(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    outcome = await connector.push_update(cancellation(), retry=False)

    assert outcome == Submitted(handle="50001", check_after=timedelta(seconds=30))
    assert fake.calls() == FEED_CALLS
    create_document, upload, create_feed = fake.requests
    assert json.loads(create_document.content) == {"contentType": "text/xml; charset=UTF-8"}
    assert create_document.headers["x-amz-access-token"] == "Atza|token-123456"
    assert upload.headers["content-type"] == "text/xml; charset=UTF-8"
    assert "x-amz-access-token" not in upload.headers
    document = SafeElementTree.fromstring(fake.uploads["doc-1"])
    assert document.findtext("Header/MerchantIdentifier") == "A2SELLER"
    assert document.findtext("Message/OrderAcknowledgement/AmazonOrderID") == ORDER
    assert document.findtext("Message/OrderAcknowledgement/Item/CancelReason") == "BuyerCanceled"
    assert json.loads(create_feed.content) == {
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": ["A1PA6795UKMFR9"],
        "inputFeedDocumentId": "doc-1",
    }


async def test_refund_goes_as_a_payment_adjustment_feed(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    outcome = await connector.push_update(refund(), retry=True)
    assert isinstance(outcome, Submitted)
    # A retried refund does not read the order: Amazon refuses a repeated adjustment id.
    assert fake.calls() == FEED_CALLS
    assert json.loads(fake.requests[2].content)["feedType"] == "POST_PAYMENT_ADJUSTMENT_DATA"
    document = SafeElementTree.fromstring(fake.uploads["doc-1"])
    item = document.find("Message/OrderAdjustment/AdjustedItem")
    assert item is not None
    assert item.findtext("MerchantAdjustmentItemID") == "orderbridge-refund-4-1"


async def test_a_still_running_feed_is_asked_about_again_soon(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.statuses = ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    first = await connector.check_update(cancellation(), "50001")
    second = await connector.check_update(cancellation(), "50001")
    third = await connector.check_update(cancellation(), "50001")
    assert first == second == Submitted(handle="50001", check_after=timedelta(seconds=15))
    assert third == Applied()
    assert fake.calls()[-3:] == [
        "GET sp.example/feeds/2021-06-30/feeds/50001",
        "GET sp.example/feeds/2021-06-30/documents/result-1",
        "GET storage.example/dl/result-1",
    ]
    assert "x-amz-access-token" not in fake.requests[-1].headers


async def test_a_compressed_report_is_unpacked(fake: FakeFeeds, connector: AmazonConnector) -> None:
    fake.compressed = True
    assert await connector.check_update(refund(), "50001") == Applied()


async def test_a_refused_cancel_reports_amazons_words(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.report = SHIPPED_REPORT
    with pytest.raises(FeedRejected) as caught:
        await connector.check_update(cancellation(), "50001")
    assert caught.value.message == "Item 11111 has shipped and cannot be cancelled"
    assert caught.value.attributes()["result_code"] == "18029"
    assert caught.value.attributes()["feed_id"] == "50001"


@pytest.mark.parametrize("status", ["FATAL", "CANCELLED"])
async def test_a_feed_that_did_not_finish_is_a_refusal_naming_it(
    fake: FakeFeeds, connector: AmazonConnector, status: str
) -> None:
    fake.statuses = [status]
    fake.report = SHIPPED_REPORT
    with pytest.raises(FeedRejected) as caught:
        await connector.check_update(cancellation(), "50001")
    assert "50001" in caught.value.message
    assert status in caught.value.message
    if status == "FATAL":  # a FATAL feed's report, when there is one, says why
        assert "has shipped" in caught.value.message


async def test_cancellations_and_refunds_need_the_seller_id(fake: FakeFeeds) -> None:
    connector = AmazonConnector(
        AmazonSettings.parse(
            {"client_id": "id", "client_secret": "secret-123456", "refresh_token": "r"},
            {"marketplace_ids": ["A1PA6795UKMFR9"], "base_url": "https://sp.example"},
        ),
        transport=httpx.MockTransport(fake),
    )
    try:
        for update in (cancellation(), refund()):
            with pytest.raises(ConfigurationError) as caught:
                await connector.push_update(update, retry=False)
            assert "set the seller_id option (Seller Central → Account Info → Merchant Token)" in (
                caught.value.message
            )
    finally:
        await connector.aclose()
    assert fake.requests == []


async def test_retried_cancel_stops_when_amazon_shows_the_lines_cancelled(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.order = {
        "orderId": ORDER,
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
        "orderItems": [
            {
                "orderItemId": "11111",
                "cancellation": {"cancellationExecution": {"cancelledBy": "MERCHANT"}},
            },
            {"orderItemId": "22222"},
        ],
    }
    outcome = await connector.push_update(cancellation(), retry=True)
    assert isinstance(outcome, Applied) and outcome.already
    [read] = fake.requests
    assert set(read.url.params["includedData"].split(",")) == {"CANCELLATION", "FULFILLMENT"}


async def test_retried_cancel_is_sent_when_a_line_is_still_open(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.order = {
        "orderId": ORDER,
        "fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
        "orderItems": [{"orderItemId": "11111"}],
    }
    assert isinstance(await connector.push_update(cancellation(), retry=True), Submitted)
    assert fake.calls()[0] == f"GET sp.example/orders/2026-01-01/orders/{ORDER}"
    assert fake.calls()[1:] == FEED_CALLS


async def test_retried_whole_order_cancel_stops_at_a_cancelled_order(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.order = {"orderId": ORDER, "fulfillment": {"fulfillmentStatus": "CANCELLED"}}
    outcome = await connector.push_update(cancellation(whole=True), retry=True)
    assert isinstance(outcome, Applied) and outcome.already


async def test_a_lost_create_feed_answer_is_not_repeated(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.answers["POST /feeds/2021-06-30/feeds"] = httpx.Response(500)
    with pytest.raises(TransientError):
        await connector.push_update(cancellation(), retry=False)
    assert fake.calls() == FEED_CALLS


async def test_a_spent_feed_budget_defers_before_any_call(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    for _ in range(15):
        await connector.limiter.acquire("createFeed")
    with pytest.raises(RateLimitedError) as caught:
        await connector.push_update(refund(), retry=False)
    assert caught.value.retry_after == pytest.approx(1 / 0.0083, rel=0.05)
    assert fake.requests == []


async def test_a_spent_report_budget_asks_again_later(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    for _ in range(10):
        await connector.limiter.acquire("getFeedDocument")
    outcome = await connector.check_update(refund(), "50001")
    assert isinstance(outcome, Submitted)
    assert outcome.check_after.total_seconds() == pytest.approx(1 / 0.0222, rel=0.05)
    assert fake.calls() == ["GET sp.example/feeds/2021-06-30/feeds/50001"]


async def test_upload_signature_stays_out_of_errors(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.answers["PUT /upload/doc-1"] = httpx.Response(400, text=f"bad request {SIGNATURE}")
    with pytest.raises(PermanentError) as caught:
        await connector.push_update(cancellation(), retry=False)
    shown = json.dumps(caught.value.attributes()) + caught.value.message
    assert "0123456789abcdef" not in shown
    assert "storage.example/upload/doc-1" in shown


async def test_an_expired_document_url_is_worth_another_try(
    fake: FakeFeeds, connector: AmazonConnector
) -> None:
    fake.answers["PUT /upload/doc-1"] = httpx.Response(403, text="Request has expired")
    with pytest.raises(TransientError, match="expired"):
        await connector.push_update(cancellation(), retry=False)


async def test_a_shipment_has_no_feed_to_check(connector: AmazonConnector) -> None:
    shipment = ShipmentUpdate(
        reference="1",
        order_external_id=ORDER,
        marketplace_id=None,
        lines=(UpdateLine("11111", 1),),
        shipped_at=datetime(2026, 3, 4, tzinfo=UTC),
        carrier_code="UPS",
        carrier_name=None,
        tracking_number="1Z",
        shipping_method=None,
    )
    with pytest.raises(PermanentError, match="never as a feed"):
        await connector.check_update(shipment, "50001")


def test_seller_id_must_be_text_when_given() -> None:
    with pytest.raises(ConfigurationError, match="seller_id"):
        settings(seller_id=" ")
    assert settings(seller_id=" A2SELLER ").seller_id == "A2SELLER"
