"""``/exports``: send chosen orders to the OMS now."""

from __future__ import annotations

from fastapi import APIRouter

from orderbridge.services.exporting import export_orders
from orderbridge.web.api.auth import Token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.schemas import ExportRequest, ExportResultOut, ExportResults

router = APIRouter(prefix="/exports", tags=["exports"])


@router.post("", response_model=ExportResults)
async def export(body: ExportRequest, ctx: Ctx, token: Token) -> ExportResults:
    """Schedule the export of chosen orders; answers per order, with the reason when refused.

    Only orders that are fully imported and not exported yet can be exported.
    """
    decisions = await export_orders(ctx, body.order_ids, actor=f"api:{token.name}")
    return ExportResults(
        results=[
            ExportResultOut(order_id=d.order_id, scheduled=d.scheduled, message=d.message)
            for d in decisions
        ]
    )
