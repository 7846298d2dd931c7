"""The REST API under ``/api/v1``: one module per resource, every route behind a token."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from orderbridge.web.api import (
    audit_log,
    catalog,
    connections,
    error_log,
    export_configurations,
    export_targets,
    exports,
    fulfilment,
    imports,
    orders,
    returns,
    scheduled_exports,
    status_sources,
)
from orderbridge.web.api.auth import require_token
from orderbridge.web.api.errors import error_responses

PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(
        prefix=PREFIX,
        dependencies=[Depends(require_token)],
        responses=error_responses(401, 422),
    )
    for module in (
        connections,
        export_targets,
        export_configurations,
        imports,
        orders,
        fulfilment,
        exports,
        scheduled_exports,
        error_log,
        status_sources,
        catalog,
        audit_log,
        returns,
    ):
        router.include_router(module.router)
    return router
