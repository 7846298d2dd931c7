"""Cancellations: the whole order, through ``POST /v3/orders/{purchaseOrderId}/cancel``.

Walmart cancels per line and quantity; orderbridge's Walmart connections cancel whole
orders only (see the capabilities). The order is read first and what is still open there
(``Created`` or ``Acknowledged``) is cancelled, so a line the customer cancelled meanwhile
is not sent again, and a retry after a lost answer finds the units cancelled and stops:
an order with nothing open and every unit asked for cancelled is the update already
applied. A unit Walmart shows shipped cannot be cancelled; that is said, with the fix.
Walmart takes at most 100 lines per request, so a larger order goes in several.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, CancellationUpdate
from orderbridge.marketplaces.walmart.capabilities import CANCEL
from orderbridge.marketplaces.walmart.client import WalmartClient
from orderbridge.marketplaces.walmart.line_states import LineState, states_for_write
from orderbridge.marketplaces.walmart.reasons import cancellation_reason

MAX_LINES_PER_REQUEST = 100


def cancellation_request(open_units: Mapping[str, int], reason: str) -> dict[str, Any]:
    return {
        "orderCancellation": {
            "orderLines": {
                "orderLine": [
                    {
                        "lineNumber": line_number,
                        "orderLineStatuses": {
                            "orderLineStatus": [
                                {
                                    "status": "Cancelled",
                                    "cancellationReason": reason,
                                    "statusQuantity": {
                                        "unitOfMeasurement": "EACH",
                                        "amount": str(quantity),
                                    },
                                }
                            ]
                        },
                    }
                    for line_number, quantity in open_units.items()
                ]
            }
        }
    }


def units_to_cancel(update: CancellationUpdate, states: Mapping[str, LineState]) -> dict[str, int]:
    """The units of the update still open at Walmart; a PermanentError if one shipped."""
    asked: Counter[str] = Counter()
    for line in update.lines:
        asked[line.external_line_id] += line.quantity
    wanted: dict[str, int] = {}
    for line_number, quantity in asked.items():
        state = states.get(line_number)
        if state is None:
            raise PermanentError(
                f"Walmart order {update.order_external_id} has no line {line_number}",
                operation=CANCEL,
            )
        if state.shipped:
            raise PermanentError(
                f"line {line_number} of Walmart order {update.order_external_id} is shipped "
                f"({state.shipped} unit(s)) and cannot be cancelled; refund it instead",
                operation=CANCEL,
            )
        if state.open:
            wanted[line_number] = min(quantity, state.open)
    return wanted


async def cancel(client: WalmartClient, update: CancellationUpdate, *, retry: bool) -> Applied:
    """Cancel what is open of the order; ``retry`` needs nothing more, the order is read."""
    if not update.whole_order:
        raise PermanentError(
            "Walmart connections cancel whole orders only: cancel the order without lines",
            operation=CANCEL,
        )
    if not update.lines:
        raise PermanentError(
            f"cancellation {update.reference} names no line to cancel", operation=CANCEL
        )
    reason = cancellation_reason(update.reason, CANCEL)
    states = states_for_write(await client.get_order(update.order_external_id), CANCEL)
    wanted = units_to_cancel(update, states)
    if not wanted:
        return Applied(
            already=True,
            detail=f"Walmart order {update.order_external_id} has nothing left open: "
            "it is cancelled already",
        )
    numbers = list(wanted)
    for start in range(0, len(numbers), MAX_LINES_PER_REQUEST):
        chunk = {
            number: wanted[number] for number in numbers[start : start + MAX_LINES_PER_REQUEST]
        }
        await client.order_action(
            CANCEL,
            update.order_external_id,
            "cancel",
            cancellation_request(chunk, reason),
            once=True,
        )
    return Applied(already=False)
