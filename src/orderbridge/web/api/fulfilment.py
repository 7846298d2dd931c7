"""``/orders/{id}/shipments|cancellations|refunds``: what the OMS did, for the marketplace.

POSTs accept an ``Idempotency-Key`` header: a repeat with the same key and body answers
with the first result (header ``Idempotent-Replayed: true``) and changes nothing; the same
key with another body is a conflict.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel

from orderbridge.services.fulfilment.cancellations import record_cancellation
from orderbridge.services.fulfilment.refunds import record_refund
from orderbridge.services.fulfilment.requests import (
    CancellationRequest,
    Idempotency,
    LineRequest,
    Recorded,
    RefundLineRequest,
    RefundRequest,
    ShipmentRequest,
)
from orderbridge.services.fulfilment.shipments import add_tracking, record_shipment
from orderbridge.services.queries.fulfilment import fulfilment_list, fulfilment_record
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.fulfilment_schemas import (
    CancellationIn,
    FulfilmentOut,
    RefundIn,
    ShipmentIn,
    TrackingIn,
)

router = APIRouter(prefix="/orders/{order_id}", tags=["fulfilment"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Any unique string per request, e.g. a UUID; repeats are answered, not redone.",
    ),
]
_WRITE_ERRORS = error_responses(404, 409, 422)


def _idempotency(key: str | None, scope: str, body: BaseModel) -> Idempotency | None:
    if not key:
        return None
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    return Idempotency(scope=scope, key=key, request_hash=digest)


async def _answer(ctx: Ctx, recorded: Recorded, kind: str, response: Response) -> FulfilmentOut:
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if not recorded.changed:
        response.status_code = 200
    return FulfilmentOut.of(await fulfilment_record(ctx, recorded.order_id, kind, recorded.id))


def _lines(lines: list[Any]) -> tuple[LineRequest, ...]:
    return tuple(LineRequest(line.quantity, line.line_id, line.sku) for line in lines)


@router.post("/shipments", status_code=201, response_model=FulfilmentOut, responses=_WRITE_ERRORS)
async def ship(
    order_id: int,
    body: ShipmentIn,
    ctx: Ctx,
    token: Token,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> FulfilmentOut:
    """Report a shipment (a package): its lines and quantities, carrier and tracking.

    Over-shipping is refused. Without a tracking number the shipment waits for it (the
    connection's tracking wait, 3 hours by default); send it with `/tracking` or by
    reporting the same `reference` again.
    """
    recorded = await record_shipment(
        ctx,
        order_id,
        ShipmentRequest(
            lines=_lines(body.lines),
            carrier=body.carrier,
            tracking_number=body.tracking_number,
            shipping_method=body.shipping_method,
            tracking_url=str(body.tracking_url) if body.tracking_url else None,
            shipped_at=body.shipped_at,
            reference=body.reference,
        ),
        actor=f"api:{token.name}",
        source="api",
        idempotency=_idempotency(idempotency_key, f"shipments:{order_id}", body),
    )
    return await _answer(ctx, recorded, "shipments", response)


@router.post(
    "/shipments/{shipment_id}/tracking", response_model=FulfilmentOut, responses=_WRITE_ERRORS
)
async def tracking(
    order_id: int, shipment_id: int, body: TrackingIn, ctx: Ctx, token: Token
) -> FulfilmentOut:
    """Add the tracking number to a shipment reported without one; it leaves at once."""
    recorded = await add_tracking(
        ctx,
        order_id,
        shipment_id,
        tracking_number=body.tracking_number,
        carrier=body.carrier,
        actor=f"api:{token.name}",
    )
    return FulfilmentOut.of(await fulfilment_record(ctx, order_id, "shipments", recorded.id))


@router.post(
    "/cancellations", status_code=201, response_model=FulfilmentOut, responses=_WRITE_ERRORS
)
async def cancel(
    order_id: int,
    body: CancellationIn,
    ctx: Ctx,
    token: Token,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> FulfilmentOut:
    """Cancel the whole order (no lines) or lines of it, with a reason from the list.

    Whether single lines can be cancelled depends on the marketplace; shipped units
    cannot be cancelled (refund them instead).
    """
    recorded = await record_cancellation(
        ctx,
        order_id,
        CancellationRequest(reason=body.reason, lines=_lines(body.lines), note=body.note),
        actor=f"api:{token.name}",
        source="api",
        idempotency=_idempotency(idempotency_key, f"cancellations:{order_id}", body),
    )
    return await _answer(ctx, recorded, "cancellations", response)


@router.post("/refunds", status_code=201, response_model=FulfilmentOut, responses=_WRITE_ERRORS)
async def refund(
    order_id: int,
    body: RefundIn,
    ctx: Ctx,
    token: Token,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> FulfilmentOut:
    """Refund lines (quantities, optionally amounts) or, with no lines, everything shipped.

    Never more than was paid per line for item, shipping and tax.
    """
    recorded = await record_refund(
        ctx,
        order_id,
        RefundRequest(
            reason=body.reason,
            lines=tuple(
                RefundLineRequest(
                    quantity=line.quantity,
                    line_id=line.line_id,
                    sku=line.sku,
                    item_amount=line.item_amount,
                    shipping_amount=line.shipping_amount,
                    tax_amount=line.tax_amount,
                )
                for line in body.lines
            ),
            note=body.note,
        ),
        actor=f"api:{token.name}",
        source="api",
        idempotency=_idempotency(idempotency_key, f"refunds:{order_id}", body),
    )
    return await _answer(ctx, recorded, "refunds", response)


@router.get("/shipments", response_model=list[FulfilmentOut])
async def list_shipments(order_id: int, ctx: Ctx) -> list[FulfilmentOut]:
    return [FulfilmentOut.of(item) for item in await fulfilment_list(ctx, order_id, "shipments")]


@router.get("/cancellations", response_model=list[FulfilmentOut])
async def list_cancellations(order_id: int, ctx: Ctx) -> list[FulfilmentOut]:
    records = await fulfilment_list(ctx, order_id, "cancellations")
    return [FulfilmentOut.of(item) for item in records]


@router.get("/refunds", response_model=list[FulfilmentOut])
async def list_refunds(order_id: int, ctx: Ctx) -> list[FulfilmentOut]:
    return [FulfilmentOut.of(item) for item in await fulfilment_list(ctx, order_id, "refunds")]
