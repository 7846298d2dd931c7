"""Bearer-token authentication for every endpoint except the health check.

Tokens are made with ``orderbridge tokens create NAME`` and sent as
``Authorization: Bearer obt_…``; a missing, unknown or revoked token gets 401.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orderbridge.services.errors import ServiceError
from orderbridge.services.tokens import TokenInfo, authenticate
from orderbridge.web.api.dependencies import Ctx

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: `Authorization: Bearer obt_…` (`orderbridge tokens create NAME`).",
)


class NotAuthenticated(ServiceError):
    code = "unauthorized"
    status = 401


async def require_token(
    ctx: Ctx,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenInfo:
    if credentials is None:
        raise NotAuthenticated(
            "this endpoint needs an API token: send `Authorization: Bearer <token>`; "
            "create one with `orderbridge tokens create NAME`"
        )
    token = await authenticate(ctx, credentials.credentials)
    if token is None:
        # One answer for unknown and revoked tokens, so the reply reveals nothing.
        raise NotAuthenticated("the API token is not valid or has been revoked")
    return token


Token = Annotated[TokenInfo, Depends(require_token)]
