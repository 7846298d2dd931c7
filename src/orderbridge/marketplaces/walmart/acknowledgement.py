"""Acknowledging an order: ``POST /v3/orders/{purchaseOrderId}/acknowledge``, no body.

Walmart acknowledges every line at once and lets a seller acknowledge an acknowledged order
again, so the call is sent with the transport's usual repeats and a retry simply sends it
once more. When Walmart refuses, the order is read: an order with nothing left in
``Created`` (the customer cancelled it meanwhile, or it was acknowledged and shipped from
Seller Center) needs no acknowledgement, which is the outcome the core wants recorded.
"""

from __future__ import annotations

from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import AcknowledgementUpdate, Applied
from orderbridge.marketplaces.walmart.capabilities import ACKNOWLEDGE
from orderbridge.marketplaces.walmart.client import WalmartClient
from orderbridge.marketplaces.walmart.line_states import states_for_write, summary


async def acknowledge(client: WalmartClient, update: AcknowledgementUpdate) -> Applied:
    purchase_order_id = update.order_external_id
    try:
        await client.order_action(ACKNOWLEDGE, purchase_order_id, "acknowledge", once=False)
    except PermanentError as refused:
        states = states_for_write(await client.get_order(purchase_order_id), ACKNOWLEDGE)
        if any(state.created for state in states.values()):
            raise refused
        return Applied(
            already=True,
            detail=f"nothing left to acknowledge on Walmart order {purchase_order_id} "
            f"(its lines are {summary(states)})",
        )
    return Applied()
