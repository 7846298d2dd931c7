"""Reading one window of Amazon returns: a returns report per span, mapped in pages.

The returns report selects by *request* date (there is no report by change date), so a
window brings the returns requested inside it, each as it stands when Amazon builds the
report. The report names SKUs, not order item ids; each return's order is read once per
window (``getOrder`` without extra data) to find the order item behind each SKU. An order
Amazon no longer serves leaves the lines without an order line, for the core to hold.

A report is one document, so the returns are handed on in pages of :data:`PAGE_SIZE`
to keep each of the core's transactions short. A return that does not map becomes a
:class:`MappingProblem`; the page goes on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from datetime import datetime
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.marketplaces.amazon.client import AmazonClient
from orderbridge.marketplaces.amazon.return_mapper import (
    identify,
    map_return,
    order_item_ids,
    parse_returns_report,
)
from orderbridge.marketplaces.amazon.returns_reports import ReturnsReports, report_spans
from orderbridge.marketplaces.base import MappingProblem, ReadWindow, ReturnPage
from orderbridge.marketplaces.errors import PermanentError

PAGE_SIZE = 100


class ReturnReads:
    """Reads returns windows for one connection."""

    def __init__(self, client: AmazonClient, reports: ReturnsReports) -> None:
        self._client = client
        self._reports = reports

    async def read(self, window: ReadWindow) -> AsyncGenerator[ReturnPage, None]:
        items_by_order: dict[str, Mapping[str, str | None]] = {}
        for start, end in report_spans(window.lower, window.upper):
            report = await self._reports.fetch(start, end)
            if report.content is None:
                continue
            found = parse_returns_report(report.content)
            for first in range(0, len(found), PAGE_SIZE):
                page = ReturnPage()
                for raw in found[first : first + PAGE_SIZE]:
                    await self._add(page, raw, report.built_at, items_by_order)
                yield page

    async def _add(
        self,
        page: ReturnPage,
        raw: dict[str, Any],
        built_at: datetime,
        items_by_order: dict[str, Mapping[str, str | None]],
    ) -> None:
        order_id = raw.get("order_id")
        items: Mapping[str, str | None] = {}
        if isinstance(order_id, str) and order_id:
            if order_id not in items_by_order:
                items_by_order[order_id] = await self._order_items(order_id)
            items = items_by_order[order_id]
        try:
            page.snapshots.append(map_return(raw, built_at=built_at, order_items=items))
        except InvalidOrderData as exc:
            page.problems.append(MappingProblem(identify(raw), str(exc), raw))
        except (ValueError, TypeError, ArithmeticError, AttributeError) as exc:
            # A report shape the mapper did not foresee: quarantine this return, keep the
            # page, so one odd return cannot wedge the connection.
            page.problems.append(
                MappingProblem(identify(raw), f"unexpected {type(exc).__name__}: {exc}", raw)
            )

    async def _order_items(self, order_id: str) -> Mapping[str, str | None]:
        try:
            order = await self._client.get_order(order_id, included_data=())
        except PermanentError as exc:
            if exc.http_status == 404:
                return {}
            raise
        return order_item_ids(order)
