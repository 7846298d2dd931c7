"""What a route receives besides its parameters: the ServiceContext of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from orderbridge.services.context import ServiceContext


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.ctx
    return context


Ctx = Annotated[ServiceContext, Depends(get_context)]
