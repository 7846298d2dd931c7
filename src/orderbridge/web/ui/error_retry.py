"""What "Retry" means for one error log entry, and doing it.

An entry names what failed: a scheduled export or marketplace update (``outbox_id``), an
export of an export configuration, or an import run of a connection. Retry sends that
again through the same services as the REST API and the CLI; anything else (a refused
status row from the OMS, a late-shipment warning) has nothing this page could send, and
the plan says what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderbridge.services.configuration_runs import retry_export
from orderbridge.services.context import ServiceContext
from orderbridge.services.importing import request_imports
from orderbridge.services.outbox_actions import retry_now
from orderbridge.services.queries import ErrorEntry
from orderbridge.store.feeds import ORDERS, RETURNS
from orderbridge.web.ui.selection import import_outcome

# Each retry is one of these; NONE is the entry that names nothing to send again.
CONFIGURED_EXPORT = "configured_export"
OUTBOX = "outbox"
IMPORT = "import"
NONE = "none"

_IMPORT_FEEDS = {"import": (ORDERS, "Order"), "import_returns": (RETURNS, "Return")}

_NOTHING = {
    "status_import": "Nothing to retry here: the OMS sent an update that was refused. "
    "Correct it in the OMS and send it again, as the fix says.",
    "late_shipment": "Nothing to retry: this is a warning about the order, not a failed "
    "call. Ship or cancel the order.",
    "acknowledge": "Nothing to retry here: the order is waiting for its acknowledgement; "
    "the acknowledgement's own scheduled export shows the marketplace's answer.",
    "export": "Nothing to retry here: an export configuration could not run. Correct the "
    "cause; the configuration runs again at its next scheduled time.",
}


@dataclass(frozen=True, slots=True)
class RetryPlan:
    kind: str
    what: str  # what the button does, or why there is nothing to retry

    @property
    def possible(self) -> bool:
        return self.kind != NONE


def retry_plan(entry: ErrorEntry) -> RetryPlan:
    configuration = entry.attributes.get("configuration")
    if entry.outbox_id is not None and entry.order_id is not None and configuration:
        return RetryPlan(
            CONFIGURED_EXPORT,
            f"Schedules the export of order {entry.order_id} by export configuration "
            f"{configuration!r} again, once it has failed for good.",
        )
    if "cancelled_by" in entry.attributes:
        return RetryPlan(
            NONE,
            "Nothing to retry: the scheduled export was cancelled by hand. To send it after "
            "all, export the order again or report the update anew.",
        )
    if entry.outbox_id is not None:
        return RetryPlan(
            OUTBOX,
            f"Sends scheduled export #{entry.outbox_id} ({entry.operation.replace('_', ' ')}) "
            "now: again with fresh attempts if it failed for good, or at once if it waits "
            "for its next automatic attempt.",
        )
    if entry.operation in _IMPORT_FEEDS and entry.connection:
        noun = _IMPORT_FEEDS[entry.operation][1].lower()
        return RetryPlan(IMPORT, f"Triggers an import of {noun}s from {entry.connection} now.")
    return RetryPlan(
        NONE,
        _NOTHING.get(
            entry.operation,
            "Nothing to retry: this entry names no scheduled export and no import.",
        ),
    )


async def retry_entry(ctx: ServiceContext, entry: ErrorEntry, *, actor: str) -> str | None:
    """Send again what the entry names; answers the confirmation, or None when there is
    nothing to retry. A refusal is the service's ServiceError, with its reason."""
    plan = retry_plan(entry)
    if plan.kind == CONFIGURED_EXPORT:
        assert entry.order_id is not None
        message = await retry_export(
            ctx, str(entry.attributes["configuration"]), entry.order_id, actor=actor
        )
        return f"Order {entry.order_id}: {message}."
    if plan.kind == OUTBOX:
        assert entry.outbox_id is not None
        message = await retry_now(ctx, entry.outbox_id, actor=actor)
        return f"Scheduled export #{entry.outbox_id}: {message}."
    if plan.kind == IMPORT:
        assert entry.connection is not None
        feed, noun = _IMPORT_FEEDS[entry.operation]
        return import_outcome(noun, await request_imports(ctx, [entry.connection], feed=feed))
    return None
