"""Amazon returns read from the simulator's returns report, and refund decisions sent back,
over real HTTP sockets.

Each test places shipped merchant-fulfilled orders through the simulator's control API,
records buyer returns there (`/_sandbox/returns`), and reads them through the connector the
way the core does: createReport, getReport until done, getReportDocument, download. A
refund decision is then checked where a seller would look: the refunds the simulator
booked on the order, and the returns report read again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderbridge.domain.returns import ReturnSnapshot, ReturnStatus
from orderbridge.marketplaces.amazon import AmazonConnector
from orderbridge.marketplaces.amazon.return_reads import ReturnReads
from orderbridge.marketplaces.amazon.returns_reports import ReturnsReport, ReturnsReports
from orderbridge.marketplaces.base import MappingProblem, ReadWindow
from orderbridge.marketplaces.errors import ErrorClass, PermanentError
from orderbridge.marketplaces.updates import (
    Applied,
    ReturnDecisionLine,
    ReturnDecisionUpdate,
    Submitted,
)
from tests.integration.amazon_simulator import SimulatorFactory, SimulatorHandle, amazon_simulator
from tests.integration.test_amazon_fulfilment import (
    GERMANY,
    MUG,
    TEAPOT,
    connector_for,
    seller_view,
    until_done,
)

__all__ = ["amazon_simulator"]  # the fixture, imported so pytest finds it here

DAY = 86_400


def shipped_order_body(**quantities: int) -> dict[str, Any]:
    items = {"mug": (MUG, "20.00"), "teapot": (TEAPOT, "35.50")}
    return {
        "salesChannel": {"marketplaceId": GERMANY},
        "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": [
            {
                "orderItemId": items[name][0],
                "quantityOrdered": quantity,
                "product": {
                    "sellerSku": f"TEST-{name.upper()}",
                    "price": {"unitPrice": {"amount": items[name][1], "currencyCode": "EUR"}},
                },
            }
            for name, quantity in quantities.items()
        ],
    }


async def shipped_order(sim: SimulatorHandle, **quantities: int) -> str:
    """One shipped merchant-fulfilled German order; ``mug=2, teapot=1`` names its items."""
    answer = await sim.control(
        "POST", "/_sandbox/orders", {"order": shipped_order_body(**quantities)}
    )
    order_id: str = answer["orderIds"][0]
    return order_id


async def buyer_returns(
    sim: SimulatorHandle,
    order_id: str,
    *items: tuple[str, int, str],
    requested_at: datetime | None = None,
    status: str = "Pending",
) -> dict[str, Any]:
    """The buyer asks to return ``(order item, quantity, reason)`` of the order."""
    body: dict[str, Any] = {
        "orderId": order_id,
        "status": status,
        "items": [
            {"orderItemId": item, "quantity": quantity, "reason": reason}
            for item, quantity, reason in items
        ],
    }
    if requested_at is not None:
        body["returnRequestDate"] = requested_at.isoformat()
    created: dict[str, Any] = await sim.control("POST", "/_sandbox/returns", body)
    return created


async def read_returns(
    connector: AmazonConnector, window: ReadWindow
) -> tuple[list[list[ReturnSnapshot]], list[MappingProblem]]:
    pages: list[list[ReturnSnapshot]] = []
    problems: list[MappingProblem] = []
    async for page in connector.read_returns(window):
        pages.append(page.snapshots)
        problems.extend(page.problems)
    return pages, problems


async def settled_window(sim: SimulatorHandle, since: datetime) -> ReadWindow:
    """From ``since`` to a minute ago on Amazon's clock (a report may not end in the future)."""
    now = await sim.now()
    return ReadWindow(since, now - timedelta(minutes=1))


def decision(snapshot: ReturnSnapshot, kind: str, amounts: dict[str, str]) -> ReturnDecisionUpdate:
    return ReturnDecisionUpdate(
        reference="orderbridge-return-1",
        order_external_id=snapshot.order_external_id,
        return_external_id=snapshot.external_id,
        marketplace_id=GERMANY,
        decision=kind,
        currency=snapshot.currency,
        lines=tuple(
            ReturnDecisionLine(
                external_line_id=line.external_line_id,
                order_line_id=line.order_line_id,
                sku=line.sku,
                quantity=line.quantity,
                amount=Decimal(amounts.get(line.sku, "0")),
            )
            for line in snapshot.lines
        ),
        reason="customer_return",
    )


async def test_a_requested_return_comes_back_with_its_order_lines_and_reasons(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await shipped_order(sim, mug=2, teapot=1)
    await sim.advance(DAY)
    requested_at = (await sim.now()).replace(microsecond=0) - timedelta(hours=2)
    created = await buyer_returns(
        sim,
        order_id,
        (MUG, 1, "CR-DEFECTIVE"),
        (TEAPOT, 1, "CR-UNWANTED_ITEM"),
        requested_at=requested_at,
    )
    window = await settled_window(sim, requested_at - timedelta(hours=1))
    connector = connector_for(sim)
    try:
        pages, problems = await read_returns(connector, window)
        again, _ = await read_returns(connector, window)
    finally:
        await connector.aclose()

    assert problems == []
    [[snapshot]] = pages
    assert snapshot.external_id == created["amazonRmaId"]
    assert snapshot.order_external_id == order_id
    assert snapshot.status is ReturnStatus.REQUESTED
    assert snapshot.marketplace_status == "Pending"
    assert snapshot.requested_at == requested_at
    assert snapshot.currency == "EUR"
    assert snapshot.refund_amount is None
    assert snapshot.reason == "CR-DEFECTIVE, CR-UNWANTED_ITEM"
    assert [
        (line.external_line_id, line.order_line_id, line.sku, line.quantity, line.reason)
        for line in snapshot.lines
    ] == [
        ("TEST-MUG", MUG, "TEST-MUG", 1, "CR-DEFECTIVE"),
        ("TEST-TEAPOT", TEAPOT, "TEST-TEAPOT", 1, "CR-UNWANTED_ITEM"),
    ]
    # The same return read again is the same return, line for line.
    [[repeated]] = again
    assert [line.external_line_id for line in repeated.lines] == ["TEST-MUG", "TEST-TEAPOT"]
    assert repeated.last_updated_at >= snapshot.last_updated_at
    assert await sim.calls("createReport") == {"202": 2}
    assert (await sim.calls("getOrder"))["200"] == 2  # once per read of the order


async def test_amazons_return_statuses_map_to_orderbridges(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    start = await sim.now()
    rma_status = {}
    for status in ("Pending", "Approved", "Rejected", "Closed"):
        order_id = await shipped_order(sim, mug=1)
        created = await buyer_returns(sim, order_id, (MUG, 1, "CR-NO_REASON_GIVEN"), status=status)
        rma_status[created["amazonRmaId"]] = status
    await sim.advance(300)
    connector = connector_for(sim)
    try:
        pages, problems = await read_returns(connector, await settled_window(sim, start))
    finally:
        await connector.aclose()

    assert problems == []
    seen = {s.external_id: (s.marketplace_status, s.status) for page in pages for s in page}
    assert seen == {
        rma: (status, expected)
        for rma, status in rma_status.items()
        for expected in [
            {
                "Pending": ReturnStatus.REQUESTED,
                "Approved": ReturnStatus.ACCEPTED,
                "Rejected": ReturnStatus.REJECTED,
                "Closed": ReturnStatus.CLOSED,
            }[status]
        ]
    }


async def test_the_window_selects_returns_by_request_date_even_across_several_reports(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    now = (await sim.now()).replace(microsecond=0)
    ids = {}
    for name, age in (("old", timedelta(days=40)), ("early", timedelta(hours=3))):
        order_id = await shipped_order(sim, mug=1)
        created = await buyer_returns(
            sim, order_id, (MUG, 1, "CR-DEFECTIVE"), requested_at=now - age
        )
        ids[name] = created["amazonRmaId"]
    await sim.advance(3600)
    late_order = await shipped_order(sim, mug=1)
    ids["late"] = (await buyer_returns(sim, late_order, (MUG, 1, "CR-DEFECTIVE")))["amazonRmaId"]
    await sim.advance(300)
    connector = connector_for(sim)
    try:
        early_only, _ = await read_returns(
            connector, ReadWindow(now - timedelta(hours=4), now - timedelta(hours=2))
        )
        reports_before = (await sim.calls("createReport"))["202"]
        everything, _ = await read_returns(
            connector, await settled_window(sim, now - timedelta(days=45))
        )
    finally:
        await connector.aclose()

    assert [s.external_id for page in early_only for s in page] == [ids["early"]]
    assert sorted(s.external_id for page in everything for s in page) == sorted(ids.values())
    # 45 days are more than one report may cover: two reports were asked for.
    assert (await sim.calls("createReport"))["202"] - reports_before == 2


async def test_a_large_report_is_handed_on_in_pages(amazon_simulator: SimulatorFactory) -> None:
    sim = amazon_simulator()
    start = await sim.now()
    expected = set()
    # One control client for the 260 seeding calls keeps the test fast.
    async with httpx.AsyncClient(base_url=sim.url) as control:
        for _ in range(130):
            placed = await control.post(
                "/_sandbox/orders", json={"order": shipped_order_body(mug=1)}
            )
            created = await control.post(
                "/_sandbox/returns", json={"orderId": placed.json()["orderIds"][0]}
            )
            expected.add(created.json()["amazonRmaId"])
    await sim.advance(300)
    connector = connector_for(sim)
    try:
        pages, problems = await read_returns(connector, await settled_window(sim, start))
    finally:
        await connector.aclose()

    assert problems == []
    assert [len(page) for page in pages] == [100, 30]
    assert {s.external_id for page in pages for s in page} == expected


async def test_a_refund_decision_reaches_amazon_once_and_shows_in_the_next_read(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    order_id = await shipped_order(sim, mug=2, teapot=1)
    await sim.advance(DAY)
    start = await sim.now()
    await buyer_returns(sim, order_id, (MUG, 2, "CR-DEFECTIVE"), status="Approved")
    await sim.advance(300)
    connector = connector_for(sim)
    try:
        [[returned]], _ = await read_returns(connector, await settled_window(sim, start))
        update = decision(returned, "refund", {"TEST-MUG": "40.00"})
        submitted = await connector.push_update(update, retry=False)
        assert isinstance(submitted, Submitted)
        first = await until_done(connector, update, submitted)
        # The core lost track and tries again: Amazon knows the adjustment already.
        again = await until_done(connector, update, await connector.push_update(update, retry=True))
        await sim.advance(300)
        [[refunded]], _ = await read_returns(connector, await settled_window(sim, start))
    finally:
        await connector.aclose()

    assert returned.status is ReturnStatus.ACCEPTED
    assert first == Applied()
    assert again.already is True
    [given_back] = (await seller_view(sim, order_id))["refunds"]
    assert given_back["orderItemId"] == MUG
    assert given_back["adjustmentReason"] == "CustomerReturn"
    assert given_back["merchantAdjustmentItemId"] == "orderbridge-return-1-1"
    assert given_back["components"] == {"Principal": {"amount": "40.00", "currencyCode": "EUR"}}
    assert refunded.status is ReturnStatus.REFUNDED
    assert refunded.refund_amount == Decimal("40.00")
    assert [line.refund_amount for line in refunded.lines] == [Decimal("40.00")]


@pytest.mark.parametrize("kind", ["accept", "reject"])
async def test_a_decision_amazon_cannot_carry_is_refused_without_a_call(
    amazon_simulator: SimulatorFactory, kind: str
) -> None:
    sim = amazon_simulator()
    order_id = await shipped_order(sim, mug=1)
    start = await sim.now()
    await buyer_returns(sim, order_id, (MUG, 1, "CR-UNWANTED_ITEM"))
    await sim.advance(300)
    connector = connector_for(sim)
    try:
        [[returned]], _ = await read_returns(connector, await settled_window(sim, start))
        assert kind not in connector.capabilities.return_decisions
        with pytest.raises(PermanentError) as refused:
            await connector.push_update(decision(returned, kind, {}), retry=False)
    finally:
        await connector.aclose()

    assert refused.value.error_class is ErrorClass.PERMANENT
    assert f"cannot {kind} return {returned.external_id}" in refused.value.message
    assert "Seller Central" in refused.value.message
    assert await sim.calls("createFeed") == {}


class _ReportOf:
    """Stands in for the Reports API with one report's content (an edited real one)."""

    def __init__(self, report: ReturnsReport, content: bytes) -> None:
        self._report = report
        self._content = content

    async def fetch(self, start: datetime, end: datetime) -> ReturnsReport:
        return ReturnsReport(self._report.report_id, self._content, self._report.built_at)


async def test_a_return_that_cannot_be_mapped_is_a_problem_and_the_page_goes_on(
    amazon_simulator: SimulatorFactory,
) -> None:
    sim = amazon_simulator()
    start = await sim.now()
    rma_ids = []
    for _ in range(2):
        order_id = await shipped_order(sim, mug=1)
        rma_ids.append(
            (await buyer_returns(sim, order_id, (MUG, 1, "CR-DEFECTIVE")))["amazonRmaId"]
        )
    await sim.advance(300)
    connector = connector_for(sim)
    try:
        window = await settled_window(sim, start)
        report = await ReturnsReports(connector.client, scale=10_000).fetch(
            window.lower, window.upper
        )
        assert report.content is not None
        # Amazon starts using a status word orderbridge does not know, for the first return.
        edited = report.content.replace(
            b"<return_request_status>Pending<", b"<return_request_status>Mystery<", 1
        )
        reads = ReturnReads(connector.client, _ReportOf(report, edited))  # type: ignore[arg-type]
        pages = [page async for page in reads.read(window)]
    finally:
        await connector.aclose()

    [page] = pages
    assert [s.external_id for s in page.snapshots] == [rma_ids[1]]
    [problem] = page.problems
    assert problem.external_id == rma_ids[0]
    assert "unknown return_request_status 'Mystery'" in problem.message
    assert problem.raw["return_request_status"] == "Mystery"
