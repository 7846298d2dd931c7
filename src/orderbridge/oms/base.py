"""The export-target port: deliver one canonical order document to the OMS, or say why not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True, slots=True)
class TargetConfig:
    """One configured export target, with its secret already decrypted."""

    target_id: int
    name: str
    kind: str
    settings: dict[str, Any]
    # Kept out of repr so that logging a config never prints the secret.
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What the OMS side confirmed: an HTTP status or the file written."""

    detail: str


class ExportError(Exception):
    """A delivery that did not succeed; ``retryable`` decides between retry and export failed."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        http_status: int | None = None,
        response_excerpt: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.http_status = http_status
        self.response_excerpt = response_excerpt

    def attributes(self) -> dict[str, Any]:
        values = {
            "retryable": self.retryable,
            "http_status": self.http_status,
            "response_excerpt": self.response_excerpt,
        }
        return {key: value for key, value in values.items() if value is not None}


class ExportTarget(Protocol):
    kind: ClassVar[str]

    async def deliver(self, document: dict[str, Any], idempotency_key: str) -> DeliveryReceipt:
        """Hand one document over; raise ExportError when it was not accepted."""
        ...

    async def aclose(self) -> None: ...
