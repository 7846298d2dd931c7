"""The Feeds API on the Amazon simulator over real HTTP: documents and their URLs, feed
processing in simulated time, order acknowledgement (cancellation) and payment adjustment
(refund) feeds, processing reports, getFeeds, throttling and lost createFeed responses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree

from tests.sandbox.conftest import FIXED_NOW, RunningAmazon, StartAmazon, iso

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
ORDER_ID = "113-0000001-0000001"
MUG, TEA = "10000000000001", "10000000000002"
XML = "text/xml; charset=UTF-8"
ACK = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
ADJUST = "POST_PAYMENT_ADJUSTMENT_DATA"


def new_order(amazon: RunningAmazon, order_id: str = ORDER_ID, marketplace: str = US) -> str:
    """A merchant-fulfilled UNSHIPPED order: 2 mugs at 12.50 and 1 tea at 4.00, no shipping."""
    currency = "USD" if marketplace == US else "EUR"
    partial = {
        "orderId": order_id,
        "salesChannel": {"marketplaceId": marketplace},
        "fulfillment": {"fulfilledBy": "MERCHANT", "fulfillmentStatus": "UNSHIPPED"},
        "orderItems": [
            {
                "orderItemId": item_id,
                "quantityOrdered": quantity,
                "product": {
                    "sellerSku": sku,
                    "price": {"unitPrice": {"amount": price, "currencyCode": currency}},
                },
            }
            for item_id, quantity, sku, price in (
                (MUG, 2, "MUG-1", "12.50"),
                (TEA, 1, "TEA-1", "4.00"),
            )
        ],
    }
    created = amazon.control("POST", "orders", {"order": partial})
    assert created.status_code == 201, created.text
    return order_id


def envelope(message_type: str, *payloads: str) -> str:
    messages = "".join(
        f"<Message><MessageID>{n}</MessageID>{payload}</Message>"
        for n, payload in enumerate(payloads, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        "<Header><DocumentVersion>1.01</DocumentVersion>"
        "<MerchantIdentifier>M_SANDBOX</MerchantIdentifier></Header>"
        f"<MessageType>{message_type}</MessageType>{messages}</AmazonEnvelope>"
    )


def cancel(order_id: str = ORDER_ID, *items: tuple[str, str | None]) -> str:
    lines = "".join(
        f"<Item><AmazonOrderItemCode>{item}</AmazonOrderItemCode>"
        + (f"<CancelReason>{reason}</CancelReason>" if reason else "")
        + "</Item>"
        for item, reason in items
    )
    return (
        f"<OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<StatusCode>Failure</StatusCode>{lines}</OrderAcknowledgement>"
    )


def refund(
    adjustment_id: str,
    item: str = MUG,
    components: tuple[tuple[str, str], ...] = (("Principal", "12.50"),),
    order_id: str = ORDER_ID,
    currency: str = "USD",
) -> str:
    amounts = "".join(
        f'<Component><Type>{kind}</Type><Amount currency="{currency}">{amount}</Amount></Component>'
        for kind, amount in components
    )
    return (
        f"<OrderAdjustment><AmazonOrderID>{order_id}</AmazonOrderID><AdjustedItem>"
        f"<AmazonOrderItemCode>{item}</AmazonOrderItemCode>"
        f"<MerchantAdjustmentItemID>{adjustment_id}</MerchantAdjustmentItemID>"
        "<AdjustmentReason>CustomerReturn</AdjustmentReason>"
        f"<ItemPriceAdjustments>{amounts}</ItemPriceAdjustments></AdjustedItem></OrderAdjustment>"
    )


@dataclass
class Feeds:
    amazon: RunningAmazon
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-amz-access-token": self.token}

    def create_document(self, content_type: str = XML) -> dict[str, Any]:
        response = self.amazon.client.post(
            "/feeds/2021-06-30/documents", json={"contentType": content_type}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        document: dict[str, Any] = response.json()
        return document

    def upload(self, document: dict[str, Any], content: str | bytes) -> httpx.Response:
        # the pre-signed URL stand-in: no access token, only the agreed content type
        body = content.encode() if isinstance(content, str) else content
        return httpx.put(document["url"], content=body, headers={"Content-Type": XML})

    def create_feed(
        self, document_id: str, feed_type: str = ACK, marketplaces: tuple[str, ...] = (US,)
    ) -> httpx.Response:
        return self.amazon.client.post(
            "/feeds/2021-06-30/feeds",
            json={
                "feedType": feed_type,
                "marketplaceIds": list(marketplaces),
                "inputFeedDocumentId": document_id,
            },
            headers=self.headers,
        )

    def submit(self, content: str, feed_type: str = ACK, **kwargs: Any) -> str:
        document = self.create_document()
        assert self.upload(document, content).status_code == 200
        response = self.create_feed(document["feedDocumentId"], feed_type, **kwargs)
        assert response.status_code == 202, response.text
        feed_id: str = response.json()["feedId"]
        return feed_id

    def get(self, feed_id: str) -> dict[str, Any]:
        response = self.amazon.client.get(
            f"/feeds/2021-06-30/feeds/{feed_id}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        feed: dict[str, Any] = response.json()
        return feed

    def report(self, feed_id: str) -> Any:
        """The processing report of a DONE feed, parsed."""
        feed = self.get(feed_id)
        assert feed["processingStatus"] == "DONE", feed
        response = self.amazon.client.get(
            f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        download = httpx.get(response.json()["url"])
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/xml")
        return ElementTree.fromstring(download.content)

    def results(self, feed_id: str) -> dict[int, tuple[int, str]]:
        """MessageID -> (ResultMessageCode, AmazonOrderID) of every failed message."""
        report = self.report(feed_id).find("Message/ProcessingReport")
        return {
            int(r.findtext("MessageID")): (
                int(r.findtext("ResultMessageCode")),
                r.findtext("AdditionalInfo/AmazonOrderID"),
            )
            for r in report.findall("Result")
        }

    def order(self, *included: str, order_id: str = ORDER_ID) -> dict[str, Any]:
        params = {"includedData": ",".join(included)} if included else {}
        response = self.amazon.get_order(self.token, order_id, **params)
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()["order"]
        return order

    def ship(self, reference: str, *items: tuple[str, int], order_id: str = ORDER_ID) -> None:
        response = self.amazon.client.post(
            f"/orders/v0/orders/{order_id}/shipmentConfirmation",
            json={
                "marketplaceId": US,
                "packageDetail": {
                    "packageReferenceId": reference,
                    "carrierCode": "USPS",
                    "trackingNumber": f"9400{reference}",
                    "shipDate": "2026-03-02T11:00:00Z",
                    "orderItems": [{"orderItemId": i, "quantity": q} for i, q in items],
                },
            },
            headers=self.headers,
        )
        assert response.status_code == 204, response.text


@pytest.fixture
def feeds(amazon: RunningAmazon, token: str) -> Feeds:
    return Feeds(amazon, token)


def _items(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["orderItemId"]: item for item in order["orderItems"]}


# --- documents and processing --------------------------------------------------------------------


def test_a_feed_moves_from_in_queue_to_done_in_simulated_time(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=1.0)
    feeds = Feeds(amazon, amazon.token())
    new_order(amazon)
    feed_id = feeds.submit(envelope("OrderAcknowledgement", cancel()))
    feed = feeds.get(feed_id)
    assert feed["processingStatus"] == "IN_QUEUE"
    assert feed["feedType"] == ACK
    assert feed["marketplaceIds"] == [US]
    assert feed["createdTime"] == iso(FIXED_NOW)
    assert "resultFeedDocumentId" not in feed
    amazon.clock.advance(1.5)
    assert feeds.get(feed_id)["processingStatus"] == "IN_PROGRESS"
    assert feeds.order("FULFILLMENT")["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    amazon.clock.advance(0.5)  # the default: 2 s at speed 1
    feed = feeds.get(feed_id)
    assert feed["processingStatus"] == "DONE"
    assert feed["processingEndTime"] == iso(FIXED_NOW + timedelta(seconds=2))
    assert feeds.results(feed_id) == {}
    order = feeds.order("FULFILLMENT")
    assert order["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    assert order["lastUpdatedTime"] == iso(FIXED_NOW + timedelta(seconds=2))


def test_processing_time_is_configurable_and_divided_by_the_speed_factor(
    start_amazon: StartAmazon,
) -> None:
    amazon = start_amazon(speed_factor=4.0, feed_processing_seconds=60)
    feeds = Feeds(amazon, amazon.token())
    new_order(amazon)
    feed_id = feeds.submit(envelope("OrderAcknowledgement", cancel()))
    amazon.clock.advance(14)
    assert feeds.get(feed_id)["processingStatus"] == "IN_PROGRESS"
    amazon.clock.advance(1)
    assert feeds.get(feed_id)["processingStatus"] == "DONE"


def test_upload_url_needs_the_content_type_and_expires_after_five_minutes(
    feeds: Feeds, amazon: RunningAmazon
) -> None:
    document = feeds.create_document()
    assert document["url"] == (f"{amazon.base_url}/_sandbox/uploads/{document['feedDocumentId']}")
    wrong_type = httpx.put(document["url"], content=b"<x/>", headers={"Content-Type": "text/csv"})
    assert wrong_type.status_code == 403
    assert b"SignatureDoesNotMatch" in wrong_type.content
    amazon.clock.advance(299)
    assert feeds.upload(document, "<x/>").status_code == 200
    amazon.clock.advance(2)
    expired = feeds.upload(document, "<x/>")
    assert expired.status_code == 403
    assert b"Request has expired" in expired.content
    unknown = httpx.put(f"{amazon.base_url}/_sandbox/uploads/nope", content=b"<x/>")
    assert unknown.status_code == 403


def test_create_feed_refusals(feeds: Feeds, amazon: RunningAmazon) -> None:
    never_uploaded = feeds.create_document()
    response = feeds.create_feed(never_uploaded["feedDocumentId"])
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert "inputFeedDocumentId" in response.json()["errors"][0]["message"]
    document = feeds.create_document()
    feeds.upload(document, envelope("OrderAcknowledgement", cancel()))
    for feed_type, marketplaces, document_id, field in (
        ("POST_PRODUCT_DATA", (US,), document["feedDocumentId"], "feedType"),
        (ACK, ("A2EUQ1WTGCTBG2",), document["feedDocumentId"], "marketplaceIds"),
        (ACK, (), document["feedDocumentId"], "marketplaceIds"),
        (ACK, (US,), "amzn1.tortuga.4.sandbox.unknown", "inputFeedDocumentId"),
    ):
        response = feeds.create_feed(document_id, feed_type, marketplaces)
        assert response.status_code == 400, (feed_type, marketplaces)
        assert field in response.json()["errors"][0]["message"]
    missing = amazon.client.post("/feeds/2021-06-30/documents", json={}, headers=feeds.headers)
    assert missing.status_code == 400
    assert "contentType" in missing.json()["errors"][0]["message"]
    assert feeds.create_feed(document["feedDocumentId"]).status_code == 202


def test_unknown_feeds_and_documents_are_404(feeds: Feeds, amazon: RunningAmazon) -> None:
    feed = amazon.client.get("/feeds/2021-06-30/feeds/123", headers=feeds.headers)
    assert feed.status_code == 404
    assert feed.json()["errors"][0]["code"] == "NotFound"
    document = amazon.client.get("/feeds/2021-06-30/documents/nope", headers=feeds.headers)
    assert document.status_code == 404
    assert amazon.client.get("/feeds/2021-06-30/feeds/123").status_code == 403  # no token


@pytest.mark.parametrize(
    "content",
    [
        "<AmazonEnvelope><Header>",  # not well-formed
        "this is not xml",
        envelope("OrderAdjustment", refund("r1")),  # the wrong message type for this feed
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><AmazonEnvelope>&lol2;</AmazonEnvelope>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        "<AmazonEnvelope>&ext;</AmazonEnvelope>",
    ],
)
def test_an_unusable_document_makes_the_feed_fatal(feeds: Feeds, content: str) -> None:
    new_order(feeds.amazon)
    feed_id = feeds.submit(content)
    feed = feeds.get(feed_id)
    assert feed["processingStatus"] == "FATAL"
    assert "resultFeedDocumentId" not in feed
    assert feeds.order("FULFILLMENT")["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    [listed] = feeds.amazon.control("GET", "feeds").json()["feeds"]
    assert listed["processingStatus"] == "FATAL"
    assert listed["fatalReason"]


# --- order acknowledgement: cancellations --------------------------------------------------------


def test_cancelling_items_one_by_one_ends_in_a_cancelled_order(
    feeds: Feeds, amazon: RunningAmazon
) -> None:
    new_order(amazon)
    amazon.clock.advance(60)
    feed_id = feeds.submit(envelope("OrderAcknowledgement", cancel(ORDER_ID, (TEA, "NoInventory"))))
    assert feeds.results(feed_id) == {}
    order = feeds.order("CANCELLATION", "FULFILLMENT")
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    items = _items(order)
    assert items[TEA]["cancellation"] == {
        "cancellationExecution": {"cancelledBy": "MERCHANT", "cancelReason": "NoInventory"}
    }
    assert items[TEA]["fulfillment"] == {"quantityFulfilled": 0, "quantityUnfulfilled": 0}
    assert "cancellation" not in items[MUG]
    assert items[MUG]["fulfillment"]["quantityUnfulfilled"] == 2
    assert order["lastUpdatedTime"] == iso(FIXED_NOW + timedelta(seconds=60))

    amazon.clock.advance(60)
    feeds.submit(envelope("OrderAcknowledgement", cancel(ORDER_ID, (MUG, "BuyerCanceled"))))
    order = feeds.order("FULFILLMENT")
    assert order["lastUpdatedTime"] == iso(FIXED_NOW + timedelta(seconds=120))
    assert order["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    cancelled = amazon.control("GET", f"orders/{ORDER_ID}").json()["cancellations"]
    assert cancelled == [
        {
            "orderItemId": MUG,
            "quantityCancelled": 2,
            "cancelledBy": "MERCHANT",
            "cancelReason": "BuyerCanceled",
        },
        {
            "orderItemId": TEA,
            "quantityCancelled": 1,
            "cancelledBy": "MERCHANT",
            "cancelReason": "NoInventory",
        },
    ]
    # searchOrders by lastUpdated sees the cancellation once it is two minutes old
    amazon.clock.advance(180)
    found = amazon.search_all(
        feeds.token,
        lastUpdatedAfter=iso(FIXED_NOW + timedelta(seconds=100)),
        fulfillmentStatuses="CANCELLED",
    )
    assert [o["orderId"] for o in found] == [ORDER_ID]


def test_repeated_and_impossible_cancellations_get_their_result_codes(
    feeds: Feeds, amazon: RunningAmazon
) -> None:
    new_order(amazon)
    new_order(amazon, "302-0000009-0000009", DE)
    feeds.ship("1", (MUG, 2))
    feed_id = feeds.submit(
        envelope(
            "OrderAcknowledgement",
            cancel(ORDER_ID, (TEA, "NoInventory")),  # 1: applied
            cancel(ORDER_ID, (TEA, "NoInventory")),  # 2: already cancelled
            cancel(ORDER_ID, (MUG, "NoInventory")),  # 3: shipped
            cancel(ORDER_ID),  # 4: whole order, but something shipped
            cancel("113-9999999-9999999"),  # 5: unknown order
            cancel(ORDER_ID, ("99999999999999", None)),  # 6: unknown item
            cancel(ORDER_ID, (TEA, "Bored")),  # 7: not a CancelReason
            cancel("302-0000009-0000009"),  # 8: a DE order in a US-only feed
            "<OrderAcknowledgement><AmazonOrderId>x</AmazonOrderId></OrderAcknowledgement>",
        )
    )
    assert feeds.results(feed_id) == {
        2: (18028, ORDER_ID),
        3: (18029, ORDER_ID),
        4: (18029, ORDER_ID),
        5: (18032, "113-9999999-9999999"),
        6: (18033, ORDER_ID),
        7: (5000, ORDER_ID),
        8: (18032, "302-0000009-0000009"),
        9: (5000, None),
    }
    summary = feeds.report(feed_id).find("Message/ProcessingReport/ProcessingSummary")
    assert [int(e.text) for e in summary] == [9, 1, 8, 0]
    order = feeds.order("FULFILLMENT")
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"  # every open unit resolved
    assert feeds.order(order_id="302-0000009-0000009")["orderItems"]  # untouched
    [listed] = amazon.control("GET", "feeds").json()["feeds"]
    assert [m["result"] for m in listed["messages"]] == ["Success"] + ["Error"] * 8
    assert listed["messages"][1]["resultMessageCode"] == 18028
    assert "already cancelled" in listed["messages"][1]["resultDescription"]


def test_a_whole_order_cancel_sent_twice_is_done_once(feeds: Feeds, amazon: RunningAmazon) -> None:
    new_order(amazon)
    first = feeds.submit(envelope("OrderAcknowledgement", cancel()))
    assert feeds.results(first) == {}
    updated = feeds.order()["lastUpdatedTime"]
    amazon.clock.advance(30)
    second = feeds.submit(envelope("OrderAcknowledgement", cancel()))
    assert feeds.results(second) == {1: (18028, ORDER_ID)}
    order = feeds.order("CANCELLATION", "FULFILLMENT")
    assert order["lastUpdatedTime"] == updated  # nothing changed
    assert order["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    assert all(
        i["cancellation"]["cancellationExecution"]["cancelledBy"] == "MERCHANT"
        for i in order["orderItems"]
    )


def test_cancelled_units_cannot_be_shipped_and_open_units_can(
    feeds: Feeds, amazon: RunningAmazon
) -> None:
    new_order(amazon)
    feeds.ship("1", (MUG, 1))
    feeds.submit(envelope("OrderAcknowledgement", cancel(ORDER_ID, (MUG, "NoInventory"))))
    assert _items(feeds.order("FULFILLMENT"))[MUG]["fulfillment"] == {
        "quantityFulfilled": 1,
        "quantityUnfulfilled": 0,
    }
    too_many = amazon.client.post(
        f"/orders/v0/orders/{ORDER_ID}/shipmentConfirmation",
        json={
            "marketplaceId": US,
            "packageDetail": {
                "packageReferenceId": "2",
                "carrierCode": "USPS",
                "trackingNumber": "94002",
                "shipDate": "2026-03-02T11:00:00Z",
                "orderItems": [{"orderItemId": MUG, "quantity": 1}],
            },
        },
        headers=feeds.headers,
    )
    assert too_many.status_code == 400
    feeds.ship("2", (TEA, 1))
    assert feeds.order("FULFILLMENT")["fulfillment"]["fulfillmentStatus"] == "SHIPPED"


def test_a_success_acknowledgement_sets_the_seller_order_id(
    feeds: Feeds, amazon: RunningAmazon
) -> None:
    new_order(amazon)
    before = feeds.order()["lastUpdatedTime"]
    amazon.clock.advance(10)
    feed_id = feeds.submit(
        envelope(
            "OrderAcknowledgement",
            f"<OrderAcknowledgement><AmazonOrderID>{ORDER_ID}</AmazonOrderID>"
            "<MerchantOrderID>SHOP-1001</MerchantOrderID><StatusCode>Success</StatusCode>"
            "</OrderAcknowledgement>",
        )
    )
    assert feeds.results(feed_id) == {}
    order = feeds.order("FULFILLMENT")
    assert order["orderAliases"] == [{"aliasId": "SHOP-1001", "aliasType": "SELLER_ORDER_ID"}]
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    assert order["lastUpdatedTime"] == before
    assert amazon.control("GET", f"orders/{ORDER_ID}").json()["acknowledged"] is True


# --- payment adjustment: refunds -----------------------------------------------------------------


def test_a_refund_on_a_shipped_item_is_recorded_once(feeds: Feeds, amazon: RunningAmazon) -> None:
    new_order(amazon)
    feeds.ship("1", (MUG, 2))
    tax = _tax(amazon, MUG)
    feed_id = feeds.submit(
        envelope(
            "OrderAdjustment", refund("R-1", components=(("Principal", "12.50"), ("Tax", tax)))
        ),
        ADJUST,
    )
    assert feeds.results(feed_id) == {}
    [recorded] = amazon.control("GET", f"orders/{ORDER_ID}").json()["refunds"]
    assert recorded["merchantAdjustmentItemId"] == "R-1"
    assert recorded["orderItemId"] == MUG
    assert recorded["adjustmentReason"] == "CustomerReturn"
    assert recorded["feedId"] == feed_id
    assert recorded["components"] == {
        "Principal": {"amount": "12.50", "currencyCode": "USD"},
        "Tax": {"amount": tax, "currencyCode": "USD"},
    }
    again = feeds.submit(
        envelope(
            "OrderAdjustment", refund("R-1", components=(("Principal", "12.50"), ("Tax", tax)))
        ),
        ADJUST,
    )
    assert feeds.results(again) == {1: (18030, ORDER_ID)}
    assert len(amazon.control("GET", f"orders/{ORDER_ID}").json()["refunds"]) == 1
    # the Orders API 2026-01-01 model has no refund field, so getOrder shows none
    assert "refund" not in json.dumps(feeds.order(*_ALL)).lower()


_ALL = ("BUYER", "PROCEEDS", "CANCELLATION", "FULFILLMENT", "PACKAGES", "PAYMENT")


def _tax(amazon: RunningAmazon, item_id: str) -> str:
    order = amazon.control("GET", f"orders/{ORDER_ID}").json()["order"]
    item = _items(order)[item_id]
    [tax] = [b for b in item["proceeds"]["breakdowns"] if b["type"] == "TAX"]
    amount: str = tax["subtotal"]["amount"]
    return amount


def test_refunds_never_exceed_what_was_paid(feeds: Feeds, amazon: RunningAmazon) -> None:
    new_order(amazon)
    feeds.ship("1", (MUG, 2))
    feed_id = feeds.submit(
        envelope(
            "OrderAdjustment",
            refund("A", components=(("Principal", "20.00"),)),  # 1: applied, 5.00 of 25.00 left
            refund("B", components=(("Principal", "5.01"),)),  # 2: 0.01 too much over all refunds
            refund("C", components=(("Shipping", "1.00"),)),  # 3: no shipping was charged
            refund("D", item=TEA, components=(("Principal", "1.00"),)),  # 4: not shipped
            refund("E", components=(("Principal", "-1.00"),)),  # 5: negative
            refund("F", currency="EUR"),  # 6: not the order's currency
            refund("G", components=(("Principal", "1.001"),)),  # 7: more decimals than USD has
            refund("H", components=(("Goodwill", "1.00"),)),  # 8: component not modelled
            refund("I", item="99999999999999"),  # 9: unknown item
            refund("J", order_id="113-9999999-9999999"),  # 10: unknown order
            refund("K", components=(("Principal", "5.00"),)),  # 11: exactly the rest: applied
        ),
        ADJUST,
    )
    assert feeds.results(feed_id) == {
        2: (18031, ORDER_ID),
        3: (18031, ORDER_ID),
        4: (18031, ORDER_ID),
        5: (5000, ORDER_ID),
        6: (5000, ORDER_ID),
        7: (5000, ORDER_ID),
        8: (5000, ORDER_ID),
        9: (18033, ORDER_ID),
        10: (18032, "113-9999999-9999999"),
    }
    refunds = amazon.control("GET", f"orders/{ORDER_ID}").json()["refunds"]
    assert [
        (r["merchantAdjustmentItemId"], r["components"]["Principal"]["amount"]) for r in refunds
    ] == [
        ("A", "20.00"),
        ("K", "5.00"),
    ]


# --- getFeeds ----------------------------------------------------------------------------------


def test_get_feeds_filters_and_pages(feeds: Feeds, amazon: RunningAmazon) -> None:
    new_order(amazon)
    ids = []
    for _ in range(3):
        ids.append(feeds.submit(envelope("OrderAcknowledgement", cancel())))
        amazon.clock.advance(60)
    ids.append(feeds.submit("broken", ADJUST))
    client, headers = amazon.client, feeds.headers

    def get_feeds(**params: Any) -> httpx.Response:
        return client.get("/feeds/2021-06-30/feeds", params=params, headers=headers)

    page = get_feeds(feedTypes=ACK, pageSize=2)
    assert page.status_code == 200, page.text
    assert [f["feedId"] for f in page.json()["feeds"]] == [ids[2], ids[1]]  # newest first
    rest = get_feeds(nextToken=page.json()["nextToken"])
    assert [f["feedId"] for f in rest.json()["feeds"]] == [ids[0]]
    assert "nextToken" not in rest.json()
    both = get_feeds(feedTypes=f"{ACK},{ADJUST}")
    assert len(both.json()["feeds"]) == 4
    fatal = get_feeds(feedTypes=[ACK, ADJUST], processingStatuses="FATAL")
    assert [f["feedId"] for f in fatal.json()["feeds"]] == [ids[3]]
    since = get_feeds(feedTypes=ACK, createdSince=iso(FIXED_NOW + timedelta(seconds=60)))
    assert [f["feedId"] for f in since.json()["feeds"]] == [ids[2], ids[1]]
    other_market = get_feeds(feedTypes=ACK, marketplaceIds=DE)
    assert other_market.json()["feeds"] == []
    assert get_feeds().status_code == 400  # feedTypes or nextToken is required
    assert get_feeds(nextToken=page.json()["nextToken"], pageSize=2).status_code == 400
    assert get_feeds(feedTypes=ACK, processingStatuses="FINISHED").status_code == 400
    assert get_feeds(feedTypes=ACK, pageSize=101).status_code == 400


# --- throttling, lost responses, statistics ------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "burst", "rate"),
    [
        ("createFeedDocument", 15, "0.5"),
        ("createFeed", 15, "0.0083"),
        ("getFeed", 15, "2"),
        ("getFeeds", 10, "0.0222"),
        ("getFeedDocument", 10, "0.0222"),
    ],
)
def test_feeds_operations_are_throttled_at_their_usage_plans(
    start_amazon: StartAmazon, operation: str, burst: int, rate: str
) -> None:
    amazon = start_amazon(speed_factor=1.0)
    feeds = Feeds(amazon, amazon.token())
    document = feeds.create_document()
    feeds.upload(document, envelope("OrderAcknowledgement", cancel("113-9999999-9999999")))
    feed_id = feeds.create_feed(document["feedDocumentId"]).json()["feedId"]
    calls = {
        "createFeedDocument": lambda: amazon.client.post(
            "/feeds/2021-06-30/documents", json={"contentType": XML}, headers=feeds.headers
        ),
        "createFeed": lambda: feeds.create_feed(document["feedDocumentId"]),
        "getFeed": lambda: amazon.client.get(
            f"/feeds/2021-06-30/feeds/{feed_id}", headers=feeds.headers
        ),
        "getFeeds": lambda: amazon.client.get(
            "/feeds/2021-06-30/feeds", params={"feedTypes": ACK}, headers=feeds.headers
        ),
        "getFeedDocument": lambda: amazon.client.get(
            f"/feeds/2021-06-30/documents/{document['feedDocumentId']}", headers=feeds.headers
        ),
    }
    already = {"createFeedDocument": 1, "createFeed": 1}.get(operation, 0)
    responses = [calls[operation]() for _ in range(burst - already + 1)]
    assert [r.status_code < 300 for r in responses] == [True] * (burst - already) + [False]
    assert responses[0].headers["x-amzn-RateLimit-Limit"] == rate
    assert responses[-1].status_code == 429
    assert responses[-1].json()["errors"][0]["code"] == "QuotaExceeded"


def test_a_lost_create_feed_response_still_processes_the_feed(
    feeds: Feeds, amazon: RunningAmazon
) -> None:
    new_order(amazon)
    document = feeds.create_document()
    feeds.upload(document, envelope("OrderAcknowledgement", cancel()))
    assert (
        amazon.client.put("/_sandbox/faults", json={"lose_write_responses": 1}).status_code == 200
    )
    lost = feeds.create_feed(document["feedDocumentId"])
    assert lost.status_code == 500
    assert lost.json()["errors"][0]["code"] == "InternalFailure"
    assert feeds.order("FULFILLMENT")["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    retry = feeds.create_feed(document["feedDocumentId"])  # the same document, sent again
    assert retry.status_code == 202
    assert feeds.results(retry.json()["feedId"]) == {1: (18028, ORDER_ID)}
    listed = amazon.control("GET", "feeds").json()["feeds"]
    assert [f["processingStatus"] for f in listed] == ["DONE", "DONE"]
    stats = amazon.control("GET", "stats").json()
    assert stats["calls"]["createFeed"] == {"202": 1, "500": 1}
    assert stats["calls"]["feedDocumentUpload"] == {"200": 1}
    assert stats["calls"]["feedDocumentDownload"] == {"200": 1}
    assert stats["lostWriteResponses"] == {"createFeed": 1}


def test_reset_forgets_feeds(feeds: Feeds, amazon: RunningAmazon) -> None:
    new_order(amazon)
    feed_id = feeds.submit(envelope("OrderAcknowledgement", cancel()))
    amazon.control("PUT", "faults", {"lose_write_responses": 3})
    amazon.control("POST", "reset", {"orders_per_marketplace": 1})
    assert amazon.control("GET", "feeds").json() == {"feeds": []}
    assert "lose_write_responses" not in amazon.control("GET", "faults").json()
    gone = amazon.client.get(f"/feeds/2021-06-30/feeds/{feed_id}", headers=feeds.headers)
    assert gone.status_code == 404
