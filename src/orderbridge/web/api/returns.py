"""``/returns``: the return list and one return in full, on-demand return imports, manual
export to the OMS, and the OMS's decisions (accept, reject, refund)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from orderbridge.domain.returns import ReturnStatus
from orderbridge.domain.states import ExportStatus, ImportStatus
from orderbridge.services.queries import DEFAULT_LIMIT, MAX_LIMIT
from orderbridge.services.queries.returns import ReturnPage, list_returns, return_detail
from orderbridge.services.return_decisions import (
    DecisionLine,
    ReturnDecisionRequest,
    record_return_decision,
)
from orderbridge.services.return_exports import export_returns
from orderbridge.services.return_imports import request_return_imports
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_responses
from orderbridge.web.api.fulfilment import IdempotencyKey, _idempotency
from orderbridge.web.api.return_schemas import (
    ReturnDecisionIn,
    ReturnDecisionOut,
    ReturnDetailOut,
    ReturnExportRequest,
    ReturnExportResultOut,
    ReturnExportResults,
    ReturnImportRequest,
    ReturnPageOut,
)
from orderbridge.web.api.schemas import ImportTriggered

router = APIRouter(prefix="/returns", tags=["returns"])


@router.get("", response_model=ReturnPageOut)
async def list_page(
    ctx: Ctx,
    connection: Annotated[str | None, Query(description="Connection name.")] = None,
    status_: Annotated[
        list[ReturnStatus] | None, Query(alias="status", description="Repeatable.")
    ] = None,
    export_status: Annotated[list[ExportStatus] | None, Query(description="Repeatable.")] = None,
    import_status: Annotated[list[ImportStatus] | None, Query(description="Repeatable.")] = None,
    requested_from: Annotated[datetime | None, Query(description="Inclusive.")] = None,
    requested_to: Annotated[datetime | None, Query(description="Exclusive.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Return or order id (exact or prefix), or SKU."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> ReturnPage:
    """Newest return request first."""
    return await list_returns(
        ctx,
        connection=connection,
        status=[str(value) for value in status_] if status_ else None,
        export_status=[str(value) for value in export_status] if export_status else None,
        import_status=[str(value) for value in import_status] if import_status else None,
        requested_from=requested_from,
        requested_to=requested_to,
        search=q,
        limit=limit,
        cursor=cursor,
    )


@router.post("/imports", status_code=status.HTTP_202_ACCEPTED, response_model=ImportTriggered)
async def trigger_import(body: ReturnImportRequest, ctx: Ctx) -> ImportTriggered:
    """Import returns now from the named connections (or all with import enabled); the
    run's end shows as the connection's ``returns_last_success_at``."""
    triggered = await request_return_imports(ctx, None if body.all else body.connections)
    message = "Return import triggered" if triggered else "No connection has import enabled"
    return ImportTriggered(triggered=triggered, message=message)


@router.post("/exports", response_model=ReturnExportResults)
async def export(body: ReturnExportRequest, ctx: Ctx, token: Token) -> ReturnExportResults:
    """Schedule the export of chosen returns; answers per return, with the reason when
    refused. Only returns fully imported and not exported yet can be exported."""
    decisions = await export_returns(ctx, body.return_ids, actor=f"api:{token.name}")
    return ReturnExportResults(
        results=[
            ReturnExportResultOut(return_id=d.order_id, scheduled=d.scheduled, message=d.message)
            for d in decisions
        ]
    )


@router.get("/{return_id}", response_model=ReturnDetailOut, responses=error_responses(404))
async def show(return_id: int, ctx: Ctx) -> dict[str, Any]:
    """Lines, decisions, history and the marketplace's raw payload of one return."""
    return await return_detail(ctx, return_id)


@router.post(
    "/{return_id}/decisions",
    status_code=201,
    response_model=ReturnDecisionOut,
    responses=error_responses(404, 409, 422),
)
async def decide(
    return_id: int,
    body: ReturnDecisionIn,
    ctx: Ctx,
    token: Token,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReturnDecisionOut:
    """Accept, reject or refund (in full or for chosen lines and amounts) a return; the
    decision goes to the marketplace through the outbox. A decision the channel's API
    cannot carry is refused with what it can."""
    recorded = await record_return_decision(
        ctx,
        return_id,
        ReturnDecisionRequest(
            decision=body.decision,
            lines=tuple(
                DecisionLine(
                    quantity=line.quantity, line_id=line.line_id, sku=line.sku, amount=line.amount
                )
                for line in body.lines
            ),
            reason=body.reason,
            note=body.note,
            reference=body.reference,
        ),
        actor=f"api:{token.name}",
        source="api",
        idempotency=_idempotency(idempotency_key, f"returns:{return_id}", body),
    )
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if not recorded.changed:
        response.status_code = 200
    return ReturnDecisionOut(
        id=recorded.id, return_id=return_id, replayed=recorded.replayed, created=recorded.changed
    )
