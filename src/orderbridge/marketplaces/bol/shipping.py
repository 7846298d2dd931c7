"""Shipments to bol.com: ``POST /retailer/shipments``, then its process status.

One orderbridge shipment is one bol shipment: its order items with quantities, the
transport (``transporterCode`` and, when known, ``trackAndTrace``) and
``shipmentReference`` set to orderbridge's shipment reference. bol stores that reference
on the shipment, which makes a lost answer safe: a retry lists the order's shipments and
stops when one carries the reference. Before sending again it also adopts a process
status still ``PENDING`` for the shipment's first item: the outbox sends one update per
order at a time, so a pending shipment of that item is this one. A ``FAILURE`` or
``TIMEOUT`` is checked against bol's shipments too: a repeat that bol refused because the
first attempt had shipped the items is no failure.
"""

from __future__ import annotations

from typing import Any

from orderbridge.marketplaces.bol.capabilities import CREATE_SHIPMENT as OPERATION
from orderbridge.marketplaces.bol.client import BolClient
from orderbridge.marketplaces.bol.process_status import (
    CREATE_SHIPMENT,
    FAILURE,
    FIRST_CHECK,
    PENDING,
    RECHECK,
    SUCCESS,
    ProcessState,
    newest_pending,
    parse,
    refusal,
)
from orderbridge.marketplaces.bol.transporters import OTHER_TRANSPORTER
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied, ShipmentUpdate, Submitted, UpdateOutcome

MAX_ITEMS = 100  # ShipmentRequest.orderItems maxItems
MAX_REFERENCE = 90  # ShipmentRequest.shipmentReference maxLength


def shipment_request(update: ShipmentUpdate) -> dict[str, Any]:
    """The ``ShipmentRequest`` body for one shipment."""
    if not update.lines:
        raise PermanentError(f"shipment {update.reference} names no order items")
    if len(update.lines) > MAX_ITEMS:
        raise PermanentError(
            f"shipment {update.reference} has {len(update.lines)} order items; bol takes at "
            f"most {MAX_ITEMS} per shipment"
        )
    if not 0 < len(update.reference) <= MAX_REFERENCE:
        raise PermanentError(
            f"shipment reference {update.reference!r} must be 1 to {MAX_REFERENCE} characters"
        )
    transport: dict[str, str] = {"transporterCode": update.carrier_code or OTHER_TRANSPORTER}
    if update.tracking_number:
        transport["trackAndTrace"] = update.tracking_number
    return {
        "orderItems": [
            {"orderItemId": line.external_line_id, "quantity": line.quantity}
            for line in update.lines
        ],
        "shipmentReference": update.reference,
        "transport": transport,
    }


class Shipping:
    """Sends shipments and follows their process statuses."""

    def __init__(self, client: BolClient, scale: float) -> None:
        self._client = client
        self._scale = scale

    async def push(self, update: ShipmentUpdate, *, retry: bool) -> UpdateOutcome:
        body = shipment_request(update)
        if retry:
            if await self._at_bol(update):
                return Applied(already=True, detail=self._found(update))
            pending = newest_pending(
                await self._client.process_statuses(
                    update.lines[0].external_line_id, CREATE_SHIPMENT
                ),
                operation=OPERATION,
            )
            if pending is not None:
                return Submitted(pending.process_status_id, FIRST_CHECK / self._scale)
        answer = await self._client.write(
            OPERATION, "POST", self._client.retailer("/shipments"), body
        )
        return await self._judge(update, parse(answer, operation=OPERATION), first=True)

    async def check(self, update: ShipmentUpdate, handle: str) -> UpdateOutcome:
        payload = await self._client.process_status(handle)
        if payload is None:
            # bol no longer keeps the status: its shipments say whether it happened.
            if await self._at_bol(update):
                return Applied(detail=self._found(update))
            return await self.push(update, retry=True)
        return await self._judge(update, parse(payload, operation=OPERATION), first=False)

    async def _judge(
        self, update: ShipmentUpdate, state: ProcessState, *, first: bool
    ) -> UpdateOutcome:
        if state.status == PENDING:
            wait = (FIRST_CHECK if first else RECHECK) / self._scale
            return Submitted(state.process_status_id, wait)
        if state.status == SUCCESS:
            return Applied(detail=f"bol process status {state.process_status_id}: SUCCESS")
        # A failure may be this shipment's own repeat (bol refuses shipping the items twice)
        # after the first attempt went through: bol's shipments say which.
        if await self._at_bol(update):
            return Applied(already=state.status == FAILURE, detail=self._found(update))
        raise refusal(
            f"shipment {update.reference} of order {update.order_external_id}",
            state,
            operation=OPERATION,
        )

    async def _at_bol(self, update: ShipmentUpdate) -> bool:
        shipments = await self._client.shipments_of(update.order_external_id)
        return any(item.get("shipmentReference") == update.reference for item in shipments)

    @staticmethod
    def _found(update: ShipmentUpdate) -> str:
        return (
            f"bol holds a shipment of order {update.order_external_id} with reference "
            f"{update.reference}"
        )
