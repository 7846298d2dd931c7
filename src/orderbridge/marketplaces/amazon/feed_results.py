"""What a finished feed's processing report means for the update it carried.

No error result: applied (warnings go into the detail). Only errors that say the work
was done before (an earlier attempt's feed got there first): applied, ``already``. Any
other error: a permanent refusal carrying Amazon's own words, its result code and the
feed id, so the error log shows what Amazon said and where to look it up.
"""

from __future__ import annotations

from typing import Any

from orderbridge.marketplaces.amazon.feed_messages import FeedResult, ProcessingReport
from orderbridge.marketplaces.errors import PermanentError
from orderbridge.marketplaces.updates import Applied

# ResultMessageCodes that mean "this was done already": 18028 the items are cancelled
# already, 18030 this MerchantAdjustmentItemID was processed before. They are the codes
# orderbridge's Amazon simulator answers with; Amazon publishes no list in its API models,
# so compare them with a real processing report before relying on them in production.
ALREADY_CANCELLED = "18028"
ADJUSTMENT_ALREADY_PROCESSED = "18030"
ALREADY_DONE_CODES = frozenset({ALREADY_CANCELLED, ADJUSTMENT_ALREADY_PROCESSED})


class FeedRejected(PermanentError):
    """Amazon processed the feed and refused what it asked for."""

    def __init__(
        self,
        message: str,
        *,
        feed_id: str,
        result_code: str | None,
        operation: str | None = None,
        response_excerpt: str | None = None,
    ) -> None:
        super().__init__(message, operation=operation, response_excerpt=response_excerpt)
        self.feed_id = feed_id
        self.result_code = result_code

    def attributes(self) -> dict[str, Any]:
        values = super().attributes()
        values["feed_id"] = self.feed_id
        if self.result_code is not None:
            values["result_code"] = self.result_code
        return values


def outcome_of(report: ProcessingReport, *, feed_id: str, operation: str) -> Applied:
    """``Applied`` for a report that accepts the message; FeedRejected otherwise."""
    # Each feed carries one message, so every result in its report is about that message.
    errors = [result for result in report.results if result.is_error]
    warnings = [result for result in report.results if not result.is_error]
    if not errors:
        if report.messages_with_error:
            raise FeedRejected(
                f"Amazon counts {report.messages_with_error} failed message(s) in feed "
                f"{feed_id} but names no error",
                feed_id=feed_id,
                result_code=None,
                operation=operation,
            )
        if report.messages_processed == 0:
            raise FeedRejected(
                f"Amazon processed no message of feed {feed_id}",
                feed_id=feed_id,
                result_code=None,
                operation=operation,
            )
        return Applied(detail=_describe(warnings, feed_id) if warnings else None)
    refusals = [result for result in errors if result.message_code not in ALREADY_DONE_CODES]
    if not refusals:
        return Applied(already=True, detail=_describe(errors, feed_id))
    first = refusals[0]
    message = first.description
    if len(refusals) > 1:
        message += f" (and {len(refusals) - 1} more error(s) in feed {feed_id})"
    raise FeedRejected(
        message,
        feed_id=feed_id,
        result_code=first.message_code,
        operation=operation,
        response_excerpt=_describe(refusals, feed_id),
    )


def _describe(results: list[FeedResult], feed_id: str) -> str:
    lines = [
        f"{result.result_code} {result.message_code or '-'}: {result.description}"
        for result in results
    ]
    return f"feed {feed_id}: " + "; ".join(lines)
