"""Return decisions to bol.com: ``PUT /retailer/returns/{rmaId}``, one return item per call.

Each line of a decision names a return item (its RMA id) and the quantity that came back;
each becomes a ``ReturnRequest`` ``{handlingResult, quantityReturned}`` with the
handling result of :mod:`.return_results` (accept: ``RETURN_RECEIVED``, reject:
``RETURN_DOES_NOT_MEET_CONDITIONS``). bol answers each with a process status
(``HANDLE_RETURN_ITEM``, entity: the RMA id); the stored handle keeps
``processStatusId@rmaId`` per item, as cancellations do.

Every attempt first reads the return (``get-return``):

* an item bol already shows handled the same way (by an earlier attempt whose answer was
  lost, or in the seller dashboard) is skipped; when every item is, the decision is
  ``Applied(already=True)``;
* returns of items bol fulfils (FBB) are handled by bol's warehouse, never by the
  retailer: refused here, with why;
* an RMA the return does not hold, or more units than it expects back, is refused here.

On a retry a ``PENDING`` handling of an item is adopted instead of sent again. Once an
item is handled, bol refunds the customer itself; there is no refund call to follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from orderbridge.marketplaces.bol.capabilities import GET_RETURN
from orderbridge.marketplaces.bol.capabilities import HANDLE_RETURN as OPERATION
from orderbridge.marketplaces.bol.client import BolClient
from orderbridge.marketplaces.bol.process_status import (
    FIRST_CHECK,
    PENDING,
    RECHECK,
    SUCCESS,
    cancellation_handle,
    cancellation_pairs,
    newest_pending,
    parse,
    refusal,
)
from orderbridge.marketplaces.bol.return_mapper import latest_result
from orderbridge.marketplaces.bol.return_results import decided_as, handling_result
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import (
    Applied,
    ReturnDecisionUpdate,
    Submitted,
    UpdateOutcome,
)

HANDLE_RETURN_ITEM = "HANDLE_RETURN_ITEM"  # the process status's eventType
MAX_QUANTITY = 9999  # ReturnRequest.quantityReturned maximum


def unsupported(decision: str) -> PermanentError:
    """The refusal of a decision bol's API cannot carry; retrying cannot help."""
    if decision == "refund":
        return PermanentError(
            "bol.com takes no refund decision for a return: bol refunds the customer itself "
            "once the return is handled; decide 'accept' (handled as RETURN_RECEIVED) instead",
            operation=OPERATION,
        )
    return PermanentError(
        f"bol.com cannot carry the return decision {decision!r}: only 'accept' "
        "(RETURN_RECEIVED) and 'reject' (RETURN_DOES_NOT_MEET_CONDITIONS) exist there",
        operation=OPERATION,
    )


class ReturnHandling:
    """Sends return-item handlings and follows their process statuses."""

    def __init__(self, client: BolClient, scale: float) -> None:
        self._client = client
        self._scale = scale

    async def push(self, update: ReturnDecisionUpdate, *, retry: bool) -> UpdateOutcome:
        result = handling_result(update.decision)
        if result is None:
            raise unsupported(update.decision)
        if not update.lines:
            raise PermanentError(
                f"return decision {update.reference} names no return items", operation=OPERATION
            )
        items = await self._items(update)
        to_send = self._plan(update, items)
        if not to_send:
            return Applied(already=True, detail=self._done(update))
        pairs: list[tuple[str, str]] = []
        for rma_id, quantity in to_send:
            if retry:
                pending = newest_pending(
                    await self._client.process_statuses(rma_id, HANDLE_RETURN_ITEM),
                    operation=OPERATION,
                )
                if pending is not None:
                    pairs.append((pending.process_status_id, rma_id))
                    continue
            body = {"handlingResult": result, "quantityReturned": quantity}
            path = self._client.retailer(f"/returns/{quote(rma_id, safe='')}")
            answer = await self._client.write(OPERATION, "PUT", path, body)
            pairs.append((parse(answer, operation=OPERATION).process_status_id, rma_id))
        return Submitted(cancellation_handle(pairs), FIRST_CHECK / self._scale)

    async def check(self, update: ReturnDecisionUpdate, handle: str) -> UpdateOutcome:
        try:
            pairs = cancellation_pairs(handle)
        except PermanentError:
            raise PermanentError(
                f"bol: {handle!r} is not a return-handling handle of this connector",
                operation=OPERATION,
            ) from None
        found = await self._statuses([status_id for status_id, _ in pairs])
        items: dict[str, Mapping[str, Any]] | None = None
        waiting = False
        for status_id, rma_id in pairs:
            payload = found.get(status_id)
            state = parse(payload, operation=OPERATION) if payload is not None else None
            if state is not None and state.status == SUCCESS:
                continue
            if state is not None and state.status == PENDING:
                waiting = True
                continue
            # Expired, failed or timed out: the return says whether the item is handled.
            if items is None:
                items = await self._items(update)
            if _already(update.decision, items.get(rma_id)):
                continue
            if state is None:
                return await self.push(update, retry=True)
            raise refusal(
                f"the {update.decision} of return item {rma_id} of return "
                f"{update.return_external_id}",
                state,
                operation=OPERATION,
            )
        if waiting:
            return Submitted(handle, RECHECK / self._scale)
        return Applied(detail=f"bol process statuses {handle}: return items handled")

    async def _items(self, update: ReturnDecisionUpdate) -> dict[str, Mapping[str, Any]]:
        """The return's items by RMA id, after checking the retailer may handle them."""
        return_id = update.return_external_id
        try:
            found = await self._client.return_(return_id)
        except PermanentError as exc:
            if exc.http_status != 404:
                raise
            raise PermanentError(
                f"bol has no return {return_id} (404)",
                operation=GET_RETURN,
                http_status=404,
                response_excerpt=exc.response_excerpt,
                request=exc.request,
            ) from exc
        if found.get("fulfilmentMethod") == "FBB":
            raise PermanentError(
                f"bol return {return_id} is of items bol fulfils (FBB): bol's warehouse "
                "handles it, the retailer cannot",
                operation=OPERATION,
            )
        items = found.get("returnItems")
        return {
            item["rmaId"]: item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping) and isinstance(item.get("rmaId"), str)
        }

    def _plan(
        self, update: ReturnDecisionUpdate, items: Mapping[str, Mapping[str, Any]]
    ) -> list[tuple[str, int]]:
        """``(rmaId, quantity)`` for every item still to handle; refusals raise."""
        return_id = update.return_external_id
        to_send: list[tuple[str, int]] = []
        for line in update.lines:
            item = items.get(line.external_line_id)
            if item is None:
                raise PermanentError(
                    f"bol return {return_id} has no return item (RMA) {line.external_line_id}",
                    operation=OPERATION,
                )
            if _already(update.decision, item):
                continue
            expected = item.get("expectedQuantity")
            most = expected if isinstance(expected, int) and expected > 0 else MAX_QUANTITY
            if not 1 <= line.quantity <= most:
                raise PermanentError(
                    f"bol return item {line.external_line_id} of return {return_id} expects "
                    f"{most} unit(s) back; the decision names {line.quantity}",
                    operation=OPERATION,
                )
            to_send.append((line.external_line_id, line.quantity))
        return to_send

    async def _statuses(self, ids: list[str]) -> dict[str, Any]:
        if len(ids) == 1:
            payload = await self._client.process_status(ids[0])
            return {} if payload is None else {ids[0]: payload}
        answers = await self._client.process_statuses_bulk(ids)
        return {
            str(item.get("processStatusId")): item
            for item in answers
            if item.get("processStatusId") is not None
        }

    @staticmethod
    def _done(update: ReturnDecisionUpdate) -> str:
        return (
            f"bol shows the items of return {update.return_external_id} handled "
            f"({update.decision}) already"
        )


def _already(decision: str, item: Mapping[str, Any] | None) -> bool:
    """Whether bol shows the item handled with ``decision``'s outcome (its latest result)."""
    if item is None or item.get("handled") is not True:
        return False
    latest = latest_result(item)
    return latest is not None and decided_as(decision, *latest)
