"""Cancellations to bol.com: ``PUT /retailer/orders/cancellation``, one order item per call.

bol's ``CancellationRequest`` takes exactly one item and no quantity: it cancels all the
item's units still open. So every cancellation first reads the order and checks each
line against bol's own numbers:

* an item with nothing open and some units cancelled is cancelled already (skipped; when
  every item is, the cancellation is ``Applied(already=True)``);
* an item with nothing open that is shipped cannot be cancelled (refused here, with why);
* asking for fewer units than bol has open would cancel more than asked (refused here);
* an item whose customer asked bol to cancel it is confirmed with
  ``REQUESTED_BY_CUSTOMER`` (see :mod:`.reasons`).

Each call answers its own process status; the handle keeps them all. On a retry after a
lost answer, an item already cancelled is skipped, and a ``PENDING`` cancellation of an
item is adopted instead of sending it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orderbridge.marketplaces.bol.capabilities import CANCEL_ORDER_ITEM as OPERATION
from orderbridge.marketplaces.bol.client import BolClient
from orderbridge.marketplaces.bol.process_status import (
    CANCEL_ORDER,
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
from orderbridge.marketplaces.bol.reasons import reason_code
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, CancellationUpdate, Submitted, UpdateOutcome


@dataclass(frozen=True, slots=True)
class ItemState:
    """One order item as bol counts it."""

    quantity: int
    shipped: int
    cancelled: int
    requested: bool

    @property
    def open(self) -> int:
        return self.quantity - self.shipped - self.cancelled

    @property
    def done(self) -> bool:
        """Nothing left open, and bol cancelled some of it."""
        return self.open <= 0 and self.cancelled > 0


def item_states(order: Mapping[str, Any]) -> dict[str, ItemState]:
    states: dict[str, ItemState] = {}
    items = order.get("orderItems")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("orderItemId"), str):
            continue
        states[item["orderItemId"]] = ItemState(
            quantity=_whole(item.get("quantity")),
            shipped=_whole(item.get("quantityShipped")),
            cancelled=_whole(item.get("quantityCancelled")),
            requested=item.get("cancellationRequest") is True,
        )
    return states


def plan(update: CancellationUpdate, states: Mapping[str, ItemState]) -> list[tuple[str, str]]:
    """``(order item id, reasonCode)`` for every item still to cancel; refusals raise."""
    order_id = update.order_external_id
    to_send: list[tuple[str, str]] = []
    for line in update.lines:
        state = states.get(line.external_line_id)
        if state is None:
            raise PermanentError(f"bol order {order_id} has no order item {line.external_line_id}")
        if state.done:
            continue
        if state.open <= 0:
            raise PermanentError(
                f"bol shows order item {line.external_line_id} of order {order_id} shipped: "
                "it cannot be cancelled"
            )
        if line.quantity < state.open:
            raise PermanentError(
                f"bol cancels all open units of an order item at once: item "
                f"{line.external_line_id} of order {order_id} has {state.open} open, the "
                f"cancellation names {line.quantity}; cancel all {state.open} or ship the rest"
            )
        to_send.append(
            (line.external_line_id, reason_code(update.reason, customer_requested=state.requested))
        )
    return to_send


class Cancelling:
    """Sends order-item cancellations and follows their process statuses."""

    def __init__(self, client: BolClient, scale: float) -> None:
        self._client = client
        self._scale = scale

    async def push(self, update: CancellationUpdate, *, retry: bool) -> UpdateOutcome:
        if not update.lines:
            raise PermanentError(f"cancellation {update.reference} names no order items")
        order = await self._client.order(update.order_external_id)
        to_send = plan(update, item_states(order))
        if not to_send:
            return Applied(
                already=True,
                detail=f"bol shows the items of order {update.order_external_id} cancelled",
            )
        pairs: list[tuple[str, str]] = []
        for item_id, code in to_send:
            if retry:
                pending = newest_pending(
                    await self._client.process_statuses(item_id, CANCEL_ORDER),
                    operation=OPERATION,
                )
                if pending is not None:
                    pairs.append((pending.process_status_id, item_id))
                    continue
            body = {"orderItems": [{"orderItemId": item_id, "reasonCode": code}]}
            answer = await self._client.write(
                OPERATION, "PUT", self._client.retailer("/orders/cancellation"), body
            )
            pairs.append((parse(answer, operation=OPERATION).process_status_id, item_id))
        return Submitted(cancellation_handle(pairs), FIRST_CHECK / self._scale)

    async def check(self, update: CancellationUpdate, handle: str) -> UpdateOutcome:
        pairs = cancellation_pairs(handle)
        found = await self._statuses([status_id for status_id, _ in pairs])
        states: dict[str, ItemState] | None = None
        waiting = False
        for status_id, item_id in pairs:
            payload = found.get(status_id)
            state = parse(payload, operation=OPERATION) if payload is not None else None
            if state is not None and state.status == SUCCESS:
                continue
            if state is not None and state.status == PENDING:
                waiting = True
                continue
            # Expired, failed or timed out: bol's order says whether the item is cancelled.
            if states is None:
                states = item_states(await self._client.order(update.order_external_id))
            item = states.get(item_id)
            if item is not None and item.done:
                continue
            if state is None:
                return await self.push(update, retry=True)
            raise refusal(
                f"the cancellation of order item {item_id} of order {update.order_external_id}",
                state,
                operation=OPERATION,
            )
        if waiting:
            return Submitted(handle, RECHECK / self._scale)
        return Applied(detail=f"bol process statuses {handle}: items cancelled")

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


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
