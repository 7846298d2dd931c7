"""Which eBay returns were made or moved inside a read window: the Post-Order return search.

eBay's return search (``GET /post-order/v2/return/search``) filters by creation date
only, both bounds inclusive, pages by ``offset`` and ``limit`` (at most 200), and shows a
return's current summary, which names its state but not when it last moved. So a read:

1. searches every return made from :data:`REACH` before the window up to its end, all
   states, newest first, page by page (``paginationOutput.totalEntries`` must hold still
   during the walk; when it moves the walk starts again, as for orders);
2. keeps a return made inside the window that is still ``RETURN_REQUESTED`` as its summary
   shows it: nothing has happened to it since it was made;
3. for any other return, reads its detail (``getReturn``, ``FULL``: the response history
   and the refund) and keeps it when one of its times lies in the window.

Step 3 would cost a detail call per moved return on every read. The connector remembers,
in this process, each detail it read with the summary's state, status and refund beside
it; while the summary still shows those, nothing moved and the remembered detail answers.
A cold memory (a restart, another worker) only costs calls, never a missed return.

The assumption of step 1: a return stops changing within :data:`REACH` of being made
(eBay's return windows count 30 or 60 days from delivery for the buyer to open one; the
seller's and buyer's steps after that take days). A return still moving later is missed.

Each order a kept return names is fetched once per read (``getOrder``) to link the
returned item to its order line and take that line's SKU (see :mod:`.return_mapper`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.marketplaces.base import MappingProblem, ReadWindow, ReturnPage
from orderbridge.marketplaces.ebay.capabilities import SEARCH_RETURNS
from orderbridge.marketplaces.ebay.client import MAX_RESTARTS, EbayClient
from orderbridge.marketplaces.ebay.order_queries import format_timestamp
from orderbridge.marketplaces.ebay.refusals import EbayRefusal
from orderbridge.marketplaces.ebay.return_mapper import (
    REQUESTED,
    OrderLineRef,
    created_at,
    map_return,
    moments_of,
    order_id_of,
    order_line_refs,
    return_id_of,
    state_of,
)
from orderbridge.marketplaces.ebay.settings import EbaySettings
from orderbridge.marketplaces.errors import PermanentError, TransientError

REACH = timedelta(days=60)
SEARCH_LIMIT = 200  # the most one search page holds
MAX_PAGES = 1_000
REMEMBERED = 10_000  # details kept; more only costs calls
_UNKNOWN_ORDER = 32100


@dataclass(frozen=True, slots=True)
class _Known:
    fingerprint: str
    detail: Mapping[str, Any]


class ReturnsReading:
    """Lists the returns made or moved inside a window, each once, page by page."""

    def __init__(self, client: EbayClient, settings: EbaySettings) -> None:
        self._client = client
        self._marketplace = settings.marketplace_id
        self._currency = settings.currency
        self._known: OrderedDict[str, _Known] = OrderedDict()

    async def read(self, window: ReadWindow) -> AsyncGenerator[ReturnPage, None]:
        """One page of mapped returns per search page (empty when none was in the window)."""
        seen: set[str] = set()
        # Order id → its lines, or why they cannot be had; each order is fetched once.
        orders: dict[str, list[OrderLineRef] | str] = {}
        params = {
            "creation_date_range_from": format_timestamp(window.lower - REACH),
            "creation_date_range_to": format_timestamp(window.upper),
            "limit": str(SEARCH_LIMIT),
        }
        offset, baseline, restarts = 0, None, 0
        for _ in range(MAX_PAGES):
            body = await self._client.search_returns(
                {**params, "offset": str(offset)}, self._marketplace
            )
            members, total = _members(body)
            if baseline is not None and total != baseline:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    since = params["creation_date_range_from"]
                    raise TransientError(
                        f"searchReturns: the returns made since {since} kept changing while "
                        f"they were read ({restarts} restarts); read again on the next run",
                        operation=SEARCH_RETURNS,
                    )
                offset, baseline = 0, None
                continue
            baseline = total
            yield await self._page(members, window, seen, orders)
            offset += len(members)
            if offset >= total:
                return
            if not members:
                raise TransientError(
                    f"searchReturns stopped at {offset} of {total} returns with an empty page",
                    operation=SEARCH_RETURNS,
                )
        raise PermanentError(
            f"searchReturns did not end within {MAX_PAGES} pages; the window is not complete",
            operation=SEARCH_RETURNS,
        )

    async def _page(
        self,
        members: list[Any],
        window: ReadWindow,
        seen: set[str],
        orders: dict[str, list[OrderLineRef] | str],
    ) -> ReturnPage:
        page = ReturnPage()
        for summary in members:
            return_id = return_id_of(summary)
            if return_id in seen:
                continue
            try:
                detail: Mapping[str, Any] | None = None
                if state_of(summary) == REQUESTED:
                    if not window.lower <= created_at(summary) <= window.upper:
                        continue
                else:
                    detail = await self._detail(return_id, summary)
                    moments = moments_of(summary, detail)
                    if not any(window.lower <= moment <= window.upper for moment in moments):
                        continue
                seen.add(return_id)
                lines = await self._order_lines(order_id_of(summary), orders)
                if isinstance(lines, str):
                    page.problems.append(_problem(summary, lines))
                    continue
                page.snapshots.append(
                    map_return(summary, detail, lines, default_currency=self._currency)
                )
            except InvalidOrderData as exc:
                page.problems.append(_problem(summary, str(exc)))
            except (ValueError, TypeError, ArithmeticError) as exc:
                # A shape the mapper did not foresee: quarantine this return, keep the page.
                page.problems.append(_problem(summary, f"unexpected {type(exc).__name__}: {exc}"))
        return page

    async def _detail(self, return_id: str, summary: Mapping[str, Any]) -> Mapping[str, Any]:
        """The return's detail: remembered while its summary shows no move, else read."""
        fingerprint = _fingerprint(summary)
        known = self._known.get(return_id)
        if known is not None and known.fingerprint == fingerprint:
            self._known.move_to_end(return_id)
            return known.detail
        try:
            answer = await self._client.get_return(return_id, self._marketplace)
        except EbayRefusal as exc:
            if exc.http_status != 404:
                raise
            raise InvalidOrderData(
                f"eBay lists return {return_id} but answers 404 for its detail"
            ) from exc
        detail = answer.get("detail")
        if not isinstance(detail, Mapping):
            raise InvalidOrderData(f"getReturn {return_id} answered without a detail")
        self._known[return_id] = _Known(fingerprint, detail)
        while len(self._known) > REMEMBERED:
            self._known.popitem(last=False)
        return detail

    async def _order_lines(
        self, order_id: str | None, orders: dict[str, list[OrderLineRef] | str]
    ) -> list[OrderLineRef] | str:
        if order_id is None:
            return "the return names no orderId"
        if order_id not in orders:
            try:
                orders[order_id] = order_line_refs(await self._client.get_order(order_id))
            except EbayRefusal as exc:
                if exc.http_status != 404 and _UNKNOWN_ORDER not in exc.error_ids:
                    raise
                orders[order_id] = f"eBay does not know order {order_id}, which the return names"
            except (InvalidOrderData, ValueError, TypeError, ArithmeticError) as exc:
                orders[order_id] = f"order {order_id}, which the return names, does not map: {exc}"
        return orders[order_id]


def _members(body: Mapping[str, Any]) -> tuple[list[Any], int]:
    members = body.get("members", [])
    pagination = body.get("paginationOutput")
    total = pagination.get("totalEntries") if isinstance(pagination, Mapping) else None
    if not isinstance(members, list) or isinstance(total, bool) or not isinstance(total, int):
        raise PermanentError(
            "searchReturns answered without a 'members' list and paginationOutput.totalEntries",
            operation=SEARCH_RETURNS,
            response_excerpt=str(body)[:2000],
        )
    return members, total


def _fingerprint(summary: Mapping[str, Any]) -> str:
    """What a summary shows of a return's progress: a move changes one of these."""
    totals = summary.get("sellerTotalRefund")
    actual = totals.get("actualRefundAmount") if isinstance(totals, Mapping) else None
    return repr((summary.get("state"), summary.get("status"), actual))


def _problem(summary: Any, message: str) -> MappingProblem:
    raw = dict(summary) if isinstance(summary, dict) else {"payload": summary}
    return MappingProblem(return_id_of(summary), message, raw)
