"""Which bol.com returns changed inside a read window: walks over ``GET /retailer/returns``.

bol's return list takes no time range. It filters on ``handled`` (true or false) and on
the fulfilment method (FBR or FBB, one at a time), pages by number (50 returns a page),
and sorts handled returns newest first and unhandled ones oldest first. So a read walks
both lists for each fulfilment method the connection imports and keeps a return when one
of its times (the registration, or any item's processing) lies in the window; bounds are
inclusive and a return kept twice is one return.

* Unhandled returns are the open cases, few at any time: that list is read to its end.
* Handled returns pile up. That list is read until a page on which every return was
  registered more than :data:`HANDLING_REACH` before the window: bol does not say which
  date it sorts by, and a return handled in the window may have been registered well
  before it, so the walk only stops once every return on a page is too old to have been
  handled lately (an assumption: nobody handles a return two months after it came in).
* A page shorter than 50 returns is the last; an empty page ends a list too.
* The unhandled list is read first: a return handled while it is read leaves that list
  (its page numbers shift and may skip it) but joins the top of the handled list, which
  is read afterwards, from the top.

A return item names its order and EAN but not its order item, so each order a kept
return names is fetched once per read (``get-order``) to link them (see
:mod:`.return_mapper`). A return whose order bol no longer shows, or that does not map,
goes into the page's problems; the read goes on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.marketplaces.base import MappingProblem, ReadWindow, ReturnPage
from orderbridge.marketplaces.bol.capabilities import GET_RETURNS
from orderbridge.marketplaces.bol.client import PAGE_SIZE, BolClient
from orderbridge.marketplaces.bol.return_mapper import (
    OrderItemRef,
    map_return,
    moments_of,
    order_ids_of,
    order_item_refs,
    return_id_of,
)
from orderbridge.marketplaces.errors import PermanentError

HANDLING_REACH = timedelta(days=60)
MAX_PAGES = 2_000  # 100,000 returns in one list: past that, something loops


class ReturnsReading:
    """Lists the returns changed inside a window, each once, page by page."""

    def __init__(self, client: BolClient, fulfilment_method: str) -> None:
        self._client = client
        # The return list takes FBR or FBB, never both at once.
        self._methods = ("FBR", "FBB") if fulfilment_method == "ALL" else (fulfilment_method,)

    async def read(self, window: ReadWindow) -> AsyncGenerator[ReturnPage, None]:
        """One page of mapped returns per list page read (empty when none was in the window)."""
        seen: set[str] = set()
        # Order id → its items, or why they cannot be had; each order is fetched once.
        orders: dict[str, list[OrderItemRef] | str] = {}
        for method in self._methods:
            for handled in ("false", "true"):
                # Leaving the read early must close the walk, not leave it mid-request.
                async with aclosing(self._walk(method, handled, window)) as walk:
                    async for returns in walk:
                        yield await self._page(returns, window, seen, orders)

    async def _walk(
        self, method: str, handled: str, window: ReadWindow
    ) -> AsyncGenerator[list[Any], None]:
        params = {"handled": handled, "fulfilment-method": method}
        cutoff = window.lower - HANDLING_REACH
        previous: list[str] | None = None
        for number in range(1, MAX_PAGES + 1):
            returns = await self._client.returns_page({**params, "page": str(number)})
            if not returns:
                return
            ids = [return_id_of(payload) for payload in returns]
            if ids == previous:
                raise PermanentError(
                    f"bol answered page {number} of the return list with the same returns as "
                    f"page {number - 1}; stopping so the window is not reported as complete",
                    operation=GET_RETURNS,
                    request=f"GET /retailer/returns {params}",
                )
            previous = ids
            yield returns
            if len(returns) < PAGE_SIZE:
                return
            if handled == "true" and all(_registered_before(r, cutoff) for r in returns):
                return
        raise PermanentError(
            f"bol's return list did not end within {MAX_PAGES} pages; the window is not complete",
            operation=GET_RETURNS,
            request=f"GET /retailer/returns {params}",
        )

    async def _page(
        self,
        returns: list[Any],
        window: ReadWindow,
        seen: set[str],
        orders: dict[str, list[OrderItemRef] | str],
    ) -> ReturnPage:
        page = ReturnPage()
        for payload in returns:
            return_id = return_id_of(payload)
            if return_id in seen or not _inside(payload, window):
                continue
            seen.add(return_id)
            refs: dict[str, Sequence[OrderItemRef]] = {}
            missing: list[str] = []
            for order_id in order_ids_of(payload):
                found = await self._order_items(order_id, orders)
                if isinstance(found, str):
                    missing.append(found)
                else:
                    refs[order_id] = found
            if missing:
                page.problems.append(_problem(payload, "; ".join(missing)))
                continue
            try:
                page.snapshots.append(map_return(payload, refs))
            except InvalidOrderData as exc:
                page.problems.append(_problem(payload, str(exc)))
            except (ValueError, TypeError, ArithmeticError) as exc:
                # A shape the mapper did not foresee: quarantine this return, keep the page.
                page.problems.append(_problem(payload, f"unexpected {type(exc).__name__}: {exc}"))
        return page

    async def _order_items(
        self, order_id: str, orders: dict[str, list[OrderItemRef] | str]
    ) -> list[OrderItemRef] | str:
        if order_id not in orders:
            try:
                orders[order_id] = order_item_refs(await self._client.order(order_id))
            except PermanentError as exc:
                if exc.http_status != 404:
                    raise
                orders[order_id] = f"bol answers 404 for order {order_id}, which the return names"
            except (InvalidOrderData, ValueError, TypeError, ArithmeticError) as exc:
                orders[order_id] = f"order {order_id}, which the return names, does not map: {exc}"
        return orders[order_id]


def _inside(payload: Any, window: ReadWindow) -> bool:
    """One of the return's times lies in the window; unreadable times count as in, so the
    mapping reports them."""
    moments = moments_of(payload)
    if moments is None:
        return True
    return any(window.lower <= moment <= window.upper for moment in moments)


def _registered_before(payload: Any, cutoff: datetime) -> bool:
    moments = moments_of(payload)
    # The registration comes first; an unreadable return does not end the walk.
    return moments is not None and moments[0] < cutoff


def _problem(payload: Any, message: str) -> MappingProblem:
    raw = dict(payload) if isinstance(payload, dict) else {"payload": payload}
    return MappingProblem(return_id_of(payload), message, raw)
