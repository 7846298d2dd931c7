"""What bol does when a return write comes due: handle the RMA, or register a new return.

Like shipments and cancellations, a return write is accepted when well formed and
checked against bol's state only while processing: an unknown RMA or order item, an item
already handled, more units than expected or than were shipped and not yet returned, or
an item bol fulfils all finish as FAILURE with the reason in `errorMessage`.
"""

from __future__ import annotations

from orderbridge.sandbox.bol.records import ProcessStatus
from orderbridge.sandbox.bol.return_book import ReturnRefused, handle
from orderbridge.sandbox.bol.store import OrderStore

RETURN_EVENTS = {
    "HANDLE_RETURN_ITEM": "handle return item",
    "CREATE_RETURN_ITEM": "create return item",
}


def apply_return_write(status: ProcessStatus, store: OrderStore, now: float) -> None:
    """Apply the write, or raise `ReturnRefused` saying why it fails."""
    request = status.request
    quantity = int(request["quantityReturned"])
    result = str(request["handlingResult"])
    if status.event_type == "HANDLE_RETURN_ITEM":
        item = store.returns.item(status.entity_id)
        if item is None:
            raise ReturnRefused(f"Return item with rma id {status.entity_id} could not be found.")
        handle(item, result, quantity, now)
        return
    order = store.order_of_item(status.entity_id)
    ordered = order.item(status.entity_id) if order is not None else None
    if order is None or ordered is None:
        raise ReturnRefused(f"Order item {status.entity_id} could not be found.")
    if ordered.fulfilment_method == "FBB":
        raise ReturnRefused(
            f"Order item {status.entity_id} is fulfilled by bol; bol handles its returns."
        )
    created = store.returns.register(order, ordered, quantity, now, ("Anders", None))
    handle(created, result, quantity, now)
