"""Reading Walmart returns: one page of ``GET /v3/returns`` at a time, mapped.

The window is the returns' last-modified time (``returnLastModifiedStartDate`` /
``EndDate``, both inclusive), so a read brings every return created or changed inside it;
Walmart counts a new return as modified at its creation. A return that does not map
becomes a :class:`MappingProblem` and the page goes on.
"""

from __future__ import annotations

from typing import Any

from orderbridge.domain.errors import InvalidOrderData
from orderbridge.marketplaces.base import MappingProblem, ReturnPage
from orderbridge.marketplaces.walmart.return_mapper import map_return, return_id_of


def map_return_page(returns: list[Any]) -> ReturnPage:
    """Map every return of one page; one bad return is a problem, not a failed page."""
    page = ReturnPage()
    for payload in returns:
        try:
            if not isinstance(payload, dict):
                raise InvalidOrderData(f"a returnOrders entry is not an object: {payload!r}")
            page.snapshots.append(map_return(payload))
        except InvalidOrderData as exc:
            page.problems.append(_problem(payload, str(exc)))
        except (ValueError, TypeError, ArithmeticError, AttributeError) as exc:
            # A payload shape the mapper did not foresee: quarantine this return, keep the
            # page, so one odd return cannot wedge the connection.
            page.problems.append(_problem(payload, f"unexpected {type(exc).__name__}: {exc}"))
    return page


def _problem(payload: Any, message: str) -> MappingProblem:
    raw = dict(payload) if isinstance(payload, dict) else {"payload": payload}
    return MappingProblem(return_id_of(payload), message, raw)
