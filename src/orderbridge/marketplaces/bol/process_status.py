"""bol.com process statuses: how every write of the Retailer API is answered and followed.

A shipment or cancellation is answered ``202`` with a ``ProcessStatus``
(``PENDING``, then ``SUCCESS``, ``FAILURE`` or ``TIMEOUT``), followed with
``GET /shared/process-status/{id}``. bol keeps a finished status only for a while, then
answers 404. The handle orderbridge stores is the process status id; a cancellation (one
call per order item) keeps ``id@orderItemId`` per item, so an expired status can still be
matched to the item it was about.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from orderbridge.marketplaces.errors import PermanentError, TransientError

PENDING = "PENDING"
SUCCESS = "SUCCESS"
FAILURE = "FAILURE"
TIMEOUT = "TIMEOUT"
STATUSES = frozenset({PENDING, SUCCESS, FAILURE, TIMEOUT})
CREATE_SHIPMENT = "CREATE_SHIPMENT"
CANCEL_ORDER = "CANCEL_ORDER"

# bol processes most writes within seconds; these are divided by rate_limit_scale, so a
# sped-up sandbox is asked sooner.
FIRST_CHECK = timedelta(seconds=15)
RECHECK = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class ProcessState:
    process_status_id: str
    status: str
    entity_id: str | None
    event_type: str | None
    error_message: str | None
    raw: Mapping[str, Any]

    @property
    def finished(self) -> bool:
        return self.status != PENDING

    def excerpt(self) -> str:
        return json.dumps(self.raw, default=str)[:2000]


def parse(payload: Any, *, operation: str) -> ProcessState:
    """A ``ProcessStatus`` answer; one without an id cannot be followed, so the write is
    treated as unanswered and the core's retry looks at bol's state first."""
    if not isinstance(payload, Mapping):
        raise TransientError(f"bol {operation}: the process status is not an object")
    identifier = payload.get("processStatusId")
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        identifier = str(identifier)
    if not isinstance(identifier, str) or not identifier:
        raise TransientError(
            f"bol {operation}: the answer carries no processStatusId to follow",
            operation=operation,
            response_excerpt=json.dumps(payload, default=str)[:2000],
        )
    status = payload.get("status")
    if status not in STATUSES:
        raise PermanentError(
            f"bol {operation}: process status {identifier} has an unknown status {status!r}",
            operation=operation,
            response_excerpt=json.dumps(payload, default=str)[:2000],
        )
    return ProcessState(
        process_status_id=identifier,
        status=str(status),
        entity_id=_text(payload.get("entityId")),
        event_type=_text(payload.get("eventType")),
        error_message=_text(payload.get("errorMessage")),
        raw=dict(payload),
    )


def newest_pending(payloads: Iterable[Any], *, operation: str) -> ProcessState | None:
    """The first ``PENDING`` status of a list bol sorts newest first."""
    for payload in payloads:
        state = parse(payload, operation=operation)
        if state.status == PENDING:
            return state
    return None


def refusal(what: str, state: ProcessState, *, operation: str) -> PermanentError:
    """bol's verdict as the error the merchant reads."""
    reason = state.error_message or "no error message"
    verb = "timed out on" if state.status == TIMEOUT else "refused"
    return PermanentError(
        f"bol {verb} {what} (process status {state.process_status_id}): {reason}",
        operation=operation,
        response_excerpt=state.excerpt(),
    )


def cancellation_handle(pairs: Iterable[tuple[str, str]]) -> str:
    """``(process status id, order item id)`` pairs as one stored handle."""
    return ",".join(f"{status_id}@{item_id}" for status_id, item_id in pairs)


def cancellation_pairs(handle: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for part in handle.split(","):
        status_id, _, item_id = part.partition("@")
        if not status_id or not item_id:
            raise PermanentError(f"bol: {handle!r} is not a cancellation handle of this connector")
        pairs.append((status_id, item_id))
    return pairs


def _text(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None
