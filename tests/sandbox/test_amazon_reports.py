"""The Reports API on the Amazon simulator over real HTTP: the returns reports' flow in
simulated time, their contents for returns made through the control API, the 60-day span,
the no-data and cancelled outcomes, getReports, refusals and throttling."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree

from tests.sandbox.conftest import FIXED_NOW, RunningAmazon, StartAmazon, iso

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
MUG, TEA = "10000000000001", "10000000000002"
FLAT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
XML = "GET_XML_RETURNS_DATA_BY_RETURN_DATE"
REPORTS = "/reports/2021-06-30/reports"


def days_ago(days: float) -> str:
    return iso(FIXED_NOW - timedelta(days=days))


def shipped_order(
    amazon: RunningAmazon,
    order_id: str,
    marketplace: str = US,
    fulfilled_by: str = "MERCHANT",
    status: str = "SHIPPED",
) -> str:
    """An order placed 10 days ago: 2 mugs at 12.50 and 1 tea at 4.00, shipped 9 days ago."""
    currency = "USD" if marketplace == US else "EUR"
    partial = {
        "orderId": order_id,
        "createdTime": days_ago(10),
        "lastUpdatedTime": days_ago(9),
        "salesChannel": {"marketplaceId": marketplace},
        "fulfillment": {"fulfilledBy": fulfilled_by, "fulfillmentStatus": status},
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


def make_return(amazon: RunningAmazon, **body: Any) -> dict[str, Any]:
    response = amazon.control("POST", "returns", body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@dataclass
class Reports:
    amazon: RunningAmazon
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-amz-access-token": self.token}

    def create(self, report_type: str = FLAT, **body: Any) -> httpx.Response:
        payload = {"reportType": report_type, "marketplaceIds": [US], **body}
        return self.amazon.client.post(REPORTS, json=payload, headers=self.headers)

    def request(self, report_type: str = FLAT, **body: Any) -> str:
        response = self.create(report_type, **body)
        assert response.status_code == 202, response.text
        report_id: str = response.json()["reportId"]
        return report_id

    def get(self, report_id: str) -> dict[str, Any]:
        response = self.amazon.client.get(f"{REPORTS}/{report_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        return report

    def list(self, **params: Any) -> httpx.Response:
        return self.amazon.client.get(REPORTS, params=params, headers=self.headers)

    def content(self, report: dict[str, Any]) -> bytes:
        response = self.amazon.client.get(
            f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["reportDocumentId"] == report["reportDocumentId"]
        download = httpx.get(response.json()["url"])
        assert download.status_code == 200
        return download.content

    def finished(self, report_type: str = FLAT, **body: Any) -> dict[str, Any]:
        """Request a report and let the simulated processing time pass."""
        report_id = self.request(report_type, **body)
        self.amazon.clock.advance(60)
        return self.get(report_id)


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode()), delimiter="\t"))


@pytest.fixture
def amazon(start_amazon: StartAmazon) -> RunningAmazon:
    # no generated orders: the reports then hold exactly the returns each test makes
    return start_amazon(initial_orders_per_marketplace=0)


@pytest.fixture
def reports(amazon: RunningAmazon) -> Reports:
    return Reports(amazon, amazon.token())


def test_a_report_moves_through_its_statuses_and_lists_the_return(
    start_amazon: StartAmazon,
) -> None:
    amazon = start_amazon(speed_factor=1.0, initial_orders_per_marketplace=0)
    reports = Reports(amazon, amazon.token())
    order_id = shipped_order(amazon, "113-0000001-0000001")
    made = make_return(
        amazon,
        orderId=order_id,
        items=[{"orderItemId": MUG, "quantity": 1, "reason": "CR-DEFECTIVE"}],
        returnRequestDate=days_ago(2),
    )
    report_id = reports.request(dataStartTime=days_ago(7), dataEndTime=days_ago(0))
    first = reports.get(report_id)
    assert first["processingStatus"] == "IN_QUEUE"
    assert "reportDocumentId" not in first and "processingStartTime" not in first
    amazon.clock.advance(1.5)
    assert reports.get(report_id)["processingStatus"] == "IN_PROGRESS"
    amazon.clock.advance(0.5)  # feed_processing_seconds 2 at speed 1
    done = reports.get(report_id)
    assert done["processingStatus"] == "DONE"
    assert done["dataStartTime"] == days_ago(7) and done["processingEndTime"]
    [row] = rows(reports.content(done))
    assert row["Order ID"] == order_id
    assert row["Amazon RMA ID"] == made["amazonRmaId"]
    assert row["Return request date"] == days_ago(2)
    assert row["Return request status"] == "Pending"
    assert (row["Merchant SKU"], row["Return quantity"]) == ("MUG-1", "1")
    assert row["Return Reason"] == "CR-DEFECTIVE"
    assert row["Order date"] == days_ago(10)
    assert (row["Order Amount"], row["Order quantity"], row["Currency code"]) == (
        "29.00",
        "3",
        "USD",
    )
    assert row["Label to be paid by"] == "Seller"  # a defect is the seller's fault
    assert row["Refunded Amount"] == ""


def test_processing_time_is_divided_by_the_speed_factor(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=4.0, feed_processing_seconds=60)
    reports = Reports(amazon, amazon.token())
    report_id = reports.request(dataStartTime=days_ago(30))
    amazon.clock.advance(7)  # 60 s / 4 = 15 s; half of it queued
    assert reports.get(report_id)["processingStatus"] == "IN_QUEUE"
    amazon.clock.advance(1)
    assert reports.get(report_id)["processingStatus"] == "IN_PROGRESS"
    amazon.clock.advance(6.5)
    assert reports.get(report_id)["processingStatus"] == "IN_PROGRESS"
    amazon.clock.advance(0.5)
    assert reports.get(report_id)["processingStatus"] in {"DONE", "CANCELLED"}


def test_the_xml_report_groups_items_by_return_and_keeps_to_its_window(
    amazon: RunningAmazon, reports: Reports
) -> None:
    first = shipped_order(amazon, "113-0000001-0000001")
    second = shipped_order(amazon, "113-0000001-0000002")
    german = shipped_order(amazon, "302-0000001-0000003", marketplace=DE)
    both = make_return(amazon, orderId=first, returnRequestDate=days_ago(3))
    one = make_return(
        amazon,
        orderId=second,
        items=[{"orderItemId": TEA, "quantity": 1}],
        reason="CR-ORDERED_WRONG_ITEM",
        returnRequestDate=days_ago(1),
    )
    make_return(amazon, orderId=second, items=[{"orderItemId": MUG}], returnRequestDate=days_ago(8))
    make_return(amazon, orderId=german, returnRequestDate=days_ago(2))
    approved = amazon.control(
        "POST", f"returns/{one['amazonRmaId']}/status", {"status": "Approved"}
    )
    assert approved.status_code == 200, approved.text

    report = reports.finished(XML, dataStartTime=days_ago(7), dataEndTime=days_ago(0))
    assert report["processingStatus"] == "DONE"
    root = ElementTree.fromstring(reports.content(report))
    assert root.findtext("MessageType") == "Returns-Report"
    details = root.findall("Message/return_details")
    assert [d.findtext("amazon_rma_id") for d in details] == [
        both["amazonRmaId"],
        one["amazonRmaId"],
    ]
    assert [d.findtext("return_request_status") for d in details] == ["Pending", "Approved"]
    whole = details[0]
    assert whole.findtext("order_id") == first
    assert [
        (
            i.findtext("merchant_sku"),
            i.findtext("return_quantity"),
            i.findtext("return_reason_code"),
        )
        for i in whole.findall("item_details")
    ] == [("MUG-1", "2", "CR-UNWANTED_ITEM"), ("TEA-1", "1", "CR-UNWANTED_ITEM")]
    assert whole.findtext("label_to_be_paid_by") == "Customer"
    assert whole.findtext("label_details/currency_code") == "USD"
    assert details[1].findtext("item_details/return_reason_code") == "CR-ORDERED_WRONG_ITEM"


def test_a_status_change_after_the_report_finished_does_not_change_it(
    amazon: RunningAmazon, reports: Reports
) -> None:
    order_id = shipped_order(amazon, "113-0000001-0000001")
    made = make_return(amazon, orderId=order_id, returnRequestDate=days_ago(1))
    report_id = reports.request(dataStartTime=days_ago(2))
    amazon.clock.advance(60)
    changed = amazon.control(
        "POST", f"returns/{made['amazonRmaId']}/status", {"status": "Approved"}
    )
    assert changed.status_code == 200
    earlier = reports.get(report_id)
    assert {r["Return request status"] for r in rows(reports.content(earlier))} == {"Pending"}
    later = reports.finished(dataStartTime=days_ago(2))
    assert {r["Return request status"] for r in rows(reports.content(later))} == {"Approved"}


def test_a_window_longer_than_sixty_days_ends_fatal_with_the_reason(
    amazon: RunningAmazon, reports: Reports
) -> None:
    make_return(amazon, orderId=shipped_order(amazon, "113-0000001-0000001"))
    too_long = reports.finished(dataStartTime=days_ago(60.01))
    assert too_long["processingStatus"] == "FATAL"
    assert "60 days" in reports.content(too_long).decode()
    # the clock moved on by the first report's processing: name the end too
    end = iso(amazon.clock.now())
    start = iso(amazon.clock.now() - timedelta(days=60))
    exactly = reports.finished(XML, dataStartTime=start, dataEndTime=end)
    assert exactly["processingStatus"] == "DONE"


def test_a_report_without_returns_is_cancelled_without_a_document(
    amazon: RunningAmazon, reports: Reports
) -> None:
    make_return(
        amazon, orderId=shipped_order(amazon, "113-0000001-0000001"), returnRequestDate=days_ago(5)
    )
    report = reports.finished(dataStartTime=days_ago(4))
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report
    assert report["processingStartTime"] and report["processingEndTime"]
    # Amazon-fulfilled orders never show in these merchant-fulfilled reports
    fba = shipped_order(amazon, "113-0000001-0000009", fulfilled_by="AMAZON")
    refused = amazon.control("POST", "returns", {"orderId": fba})
    assert refused.status_code == 400
    assert "merchant-fulfilled" in refused.json()["errors"][0]["message"]


def test_a_queued_report_can_be_cancelled_once(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=1.0)
    reports = Reports(amazon, amazon.token())
    report_id = reports.request(dataStartTime=days_ago(30))
    path = f"{REPORTS}/{report_id}"
    cancelled = amazon.client.delete(path, headers=reports.headers)
    assert cancelled.status_code == 200 and cancelled.content == b""
    report = reports.get(report_id)
    assert report["processingStatus"] == "CANCELLED"
    assert "processingStartTime" not in report
    amazon.clock.advance(60)
    assert reports.get(report_id)["processingStatus"] == "CANCELLED"
    again = amazon.client.delete(path, headers=reports.headers)
    assert again.status_code == 400
    assert "IN_QUEUE" in again.json()["errors"][0]["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reportType": "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"}, "reportType"),
        ({"marketplaceIds": ["A1VC38T7YXB528"]}, "marketplaceIds"),
        ({"marketplaceIds": []}, "marketplaceIds"),
        ({"dataEndTime": iso(FIXED_NOW + timedelta(hours=1))}, "dataEndTime"),
        ({"dataStartTime": days_ago(1), "dataEndTime": days_ago(2)}, "dataStartTime"),
        ({"dataStartTime": "02/21/2026"}, "dataStartTime"),
        ({"reportOption": {}}, "reportOption"),
    ],
)
def test_create_report_refusals(reports: Reports, body: dict[str, Any], field: str) -> None:
    response = reports.create(**{"reportType": FLAT, **body})
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["code"] == "InvalidInput" and field in error["message"]
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"


def test_unknown_reports_and_documents_are_404(reports: Reports, amazon: RunningAmazon) -> None:
    for path in (f"{REPORTS}/50000099999", "/reports/2021-06-30/documents/amzn1.tortuga.4.x"):
        response = amazon.client.get(path, headers=reports.headers)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "NotFound"


def test_get_reports_filters_and_pages(amazon: RunningAmazon, reports: Reports) -> None:
    make_return(
        amazon, orderId=shipped_order(amazon, "113-0000001-0000001"), returnRequestDate=days_ago(1)
    )
    made = []
    for report_type in (FLAT, XML, FLAT):
        made.append(reports.request(report_type, dataStartTime=days_ago(2)))
        amazon.clock.advance(60)
    empty = reports.request(dataStartTime=days_ago(0.5))
    amazon.clock.advance(60)
    flat = reports.list(reportTypes=FLAT).json()["reports"]
    assert [r["reportId"] for r in flat] == [empty, made[2], made[0]]  # newest first
    done = reports.list(reportTypes=f"{FLAT},{XML}", processingStatuses="DONE").json()
    assert [r["reportId"] for r in done["reports"]] == made[::-1]
    first = reports.list(reportTypes=f"{FLAT},{XML}", pageSize=3).json()
    assert len(first["reports"]) == 3 and first["nextToken"]
    rest = reports.list(nextToken=first["nextToken"]).json()
    assert [r["reportId"] for r in rest["reports"]] == [made[0]] and "nextToken" not in rest
    for params in (
        {},
        {"nextToken": first["nextToken"], "reportTypes": FLAT},
        {"reportTypes": FLAT, "processingStatuses": "DONE_NO_DATA"},
        {"reportTypes": FLAT, "pageSize": 101},
    ):
        assert reports.list(**params).status_code == 400, params


def test_create_report_is_throttled_at_its_usage_plan(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=1.0)
    reports = Reports(amazon, amazon.token())
    answers = [reports.create(dataStartTime=days_ago(1)) for _ in range(16)]
    assert [a.status_code for a in answers] == [202] * 15 + [429]
    assert answers[0].headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert answers[-1].json()["errors"][0]["code"] == "QuotaExceeded"
    assert "x-amzn-RateLimit-Limit" not in answers[-1].headers
    amazon.clock.advance(60)  # 60 s x 0.0167/s: one token back
    assert reports.create(dataStartTime=days_ago(1)).status_code == 202
    assert reports.create(dataStartTime=days_ago(1)).status_code == 429


def test_the_speed_factor_scales_the_report_rates(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(speed_factor=10.0)
    reports = Reports(amazon, amazon.token())
    response = reports.create(dataStartTime=days_ago(1))
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.167"
    listed = reports.list(reportTypes=FLAT)
    assert listed.headers["x-amzn-RateLimit-Limit"] == "0.222"


def test_returns_cannot_exceed_what_was_shipped(amazon: RunningAmazon) -> None:
    order_id = shipped_order(amazon, "113-0000001-0000001")
    unshipped = shipped_order(amazon, "113-0000001-0000002", status="UNSHIPPED")
    assert amazon.control("POST", "returns", {"orderId": unshipped}).status_code == 400
    assert amazon.control("POST", "returns", {"orderId": "113-9999999-9999999"}).status_code == 404
    too_many = {"orderId": order_id, "items": [{"orderItemId": MUG, "quantity": 3}]}
    assert amazon.control("POST", "returns", too_many).status_code == 400
    unknown_reason = {"orderId": order_id, "reason": "BECAUSE"}
    assert amazon.control("POST", "returns", unknown_reason).status_code == 400
    first = make_return(amazon, orderId=order_id, items=[{"orderItemId": MUG, "quantity": 1}])
    make_return(amazon, orderId=order_id, items=[{"orderItemId": MUG, "quantity": 1}])
    again = {"orderId": order_id, "items": [{"orderItemId": MUG, "quantity": 1}]}
    assert amazon.control("POST", "returns", again).status_code == 400
    # a rejected return frees its units for a new request
    rejected = amazon.control(
        "POST", f"returns/{first['amazonRmaId']}/status", {"status": "Rejected"}
    )
    assert rejected.status_code == 200
    assert amazon.control("POST", "returns", again).status_code == 201
    listed = amazon.control("GET", f"returns?orderId={order_id}").json()["returns"]
    assert [r["returnRequestStatus"] for r in listed] == ["Rejected", "Pending", "Pending"]


def test_return_status_moves_follow_the_table(amazon: RunningAmazon) -> None:
    made = make_return(amazon, orderId=shipped_order(amazon, "113-0000001-0000001"))
    path = f"returns/{made['amazonRmaId']}/status"
    assert amazon.control("POST", path, {"status": "Closed"}).status_code == 409
    assert amazon.control("POST", path, {"status": "Lost"}).status_code == 400
    assert amazon.control("POST", path, {"status": "Approved"}).status_code == 200
    closed = amazon.control("POST", path, {"status": "Closed"})
    assert closed.status_code == 200
    assert [h["status"] for h in closed.json()["statusHistory"]] == [
        "Pending",
        "Approved",
        "Closed",
    ]
    assert amazon.control("POST", path, {"status": "Approved"}).status_code == 409
    assert (
        amazon.control("POST", "returns/DNOSUCHRMA/status", {"status": "Closed"}).status_code == 404
    )


def test_the_seeded_world_has_returns_of_shipped_merchant_orders(start_amazon: StartAmazon) -> None:
    amazon = start_amazon(initial_orders_per_marketplace=200)
    listed = amazon.control("GET", "returns").json()["returns"]
    assert len(listed) >= 10
    for entry in listed:
        order = amazon.simulator.store.get(entry["orderId"])
        assert order is not None and order.fulfilled_by == "MERCHANT"
        shipped = {i.order_item_id: i.quantity_shipped for i in order.items}
        for line in entry["items"]:
            assert 1 <= line["returnQuantity"] <= shipped[line["orderItemId"]]
        assert entry["returnRequestDate"] <= iso(FIXED_NOW)
    amazon.control("POST", "reset", {})
    again = amazon.control("GET", "returns").json()["returns"]
    assert [r["amazonRmaId"] for r in again] == [r["amazonRmaId"] for r in listed]
    reports = Reports(amazon, amazon.token())
    report = reports.finished(dataStartTime=days_ago(30), marketplaceIds=[US, DE])
    in_report = {row["Amazon RMA ID"] for row in rows(reports.content(report))}
    expected = {
        r["amazonRmaId"]
        for r in listed
        if r["marketplaceId"] in (US, DE) and r["returnRequestDate"] >= days_ago(30)
    }
    assert in_report == expected and expected
