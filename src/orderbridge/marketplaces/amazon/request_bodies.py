"""JSON and raw request bodies sent through the shared transport's form-only ``data`` slot.

:class:`~orderbridge.marketplaces.http.MarketplaceHttp` forwards form fields only, while
SP-API writes need a JSON body and a feed upload needs the XML document as is. A
:class:`RawBody` is an empty mapping that carries the bytes and their content type past
the transport; :class:`BodyAwareClient`, the httpx client the connector builds, sends them
as the request body. Once the transport accepts a body of its own, both can go.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

JSON_CONTENT_TYPE = "application/json"


class RawBody(Mapping[str, str]):
    """A request body in bytes; as a mapping it is empty, so it can never become form data."""

    __slots__ = ("content", "content_type")

    def __init__(self, content: bytes, content_type: str) -> None:
        self.content = content
        self.content_type = content_type

    @classmethod
    def json(cls, value: Any) -> RawBody:
        return cls(json.dumps(value, separators=(",", ":")).encode(), JSON_CONTENT_TYPE)

    def __getitem__(self, key: str) -> str:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"RawBody({len(self.content)} bytes, {self.content_type!r})"


class BodyAwareClient(httpx.AsyncClient):
    """An httpx client that sends a :class:`RawBody` given as ``data`` as the request body."""

    async def request(self, *args: Any, **kwargs: Any) -> httpx.Response:
        body = kwargs.get("data")
        if isinstance(body, RawBody):
            del kwargs["data"]
            headers = dict(kwargs.pop("headers", None) or {})
            headers["content-type"] = body.content_type
            return await super().request(*args, content=body.content, headers=headers, **kwargs)
        return await super().request(*args, **kwargs)
