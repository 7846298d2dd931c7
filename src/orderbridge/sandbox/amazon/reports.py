"""Reports and their processing in simulated time.

Like a feed, a report waits IN_QUEUE for the first half of its processing time and is
IN_PROGRESS for the second half (`settings.feed_duration_seconds`: the same processing time,
divided by the speed factor). At its end time it is processed once, against the state as of
that moment (the simulator settles due reports before answering any request):

- DONE with a `reportDocumentId` when some returns fall into its window;
- CANCELLED without a document when none do: Amazon cancels a report that has no data
  (the model's CANCELLED description; DONE_NO_DATA was the MWS-era status and is not in
  the 2021-06-30 model);
- FATAL when its window is longer than the report type allows (60 days for the returns
  reports), with a `reportDocumentId` whose text says why, as Amazon does.

A report still IN_QUEUE can be cancelled (cancelReport): CANCELLED, never processed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from orderbridge.sandbox.amazon.feed_documents import DocumentStore
from orderbridge.sandbox.amazon.returns import ReturnStore
from orderbridge.sandbox.amazon.returns_report import (
    CONTENT_TYPES,
    FLAT_FILE_REPORT,
    XML_REPORT,
    render,
    returns_in_window,
)
from orderbridge.sandbox.amazon.store import OrderStore

REPORT_TYPES: tuple[str, ...] = (FLAT_FILE_REPORT, XML_REPORT)
MAX_SPAN_SECONDS = {FLAT_FILE_REPORT: 60 * 86400, XML_REPORT: 60 * 86400}
PROCESSING_STATUSES: tuple[str, ...] = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")


@dataclass
class Report:
    report_id: str
    report_type: str
    marketplace_ids: tuple[str, ...]
    data_start: float
    data_end: float
    created: float
    starts: float
    ends: float
    outcome: str | None = None
    document_id: str | None = None
    cancelled_at: float | None = None

    def status(self, now: float) -> str:
        if self.outcome is not None:
            return self.outcome
        # past its end time but not settled yet: still reported as in progress
        return "IN_QUEUE" if now < self.starts else "IN_PROGRESS"

    @property
    def started(self) -> bool:
        """Whether processing began (a report cancelled while queued never starts)."""
        return self.cancelled_at is None

    @property
    def finished_at(self) -> float:
        return self.cancelled_at if self.cancelled_at is not None else self.ends


class ReportStore:
    _FIRST_ID = 50_000_000_001

    def __init__(self) -> None:
        self._reports: dict[str, Report] = {}
        self._waiting: list[Report] = []
        self._next = self._FIRST_ID

    def __iter__(self) -> Iterator[Report]:
        return iter(self._reports.values())

    def get(self, report_id: str) -> Report | None:
        return self._reports.get(report_id)

    def create(
        self,
        report_type: str,
        marketplace_ids: tuple[str, ...],
        data_start: float,
        data_end: float,
        now: float,
        duration: float,
    ) -> Report:
        report = Report(
            report_id=str(self._next),
            report_type=report_type,
            marketplace_ids=marketplace_ids,
            data_start=data_start,
            data_end=data_end,
            created=now,
            starts=now + duration / 2,
            ends=now + duration,
        )
        self._next += 1
        self._reports[report.report_id] = report
        self._waiting.append(report)
        return report

    def cancel(self, report: Report, now: float) -> None:
        report.outcome = "CANCELLED"
        report.cancelled_at = now
        self._waiting = [r for r in self._waiting if r is not report]

    def due(self, now: float) -> list[Report]:
        """Reports whose processing time has passed, in the order they finish; taken off the
        waiting list, so the caller must process them."""
        if not self._waiting:
            return []
        due = [r for r in self._waiting if r.ends <= now]
        self._waiting = [r for r in self._waiting if r.ends > now]
        return sorted(due, key=lambda r: (r.ends, int(r.report_id)))

    def clear(self) -> None:
        self._reports.clear()
        self._waiting.clear()
        self._next = self._FIRST_ID


def process_report(
    report: Report, returns: ReturnStore, store: OrderStore, documents: DocumentStore
) -> None:
    span = report.data_end - report.data_start
    limit = MAX_SPAN_SECONDS[report.report_type]
    if span > limit:
        report.outcome = "FATAL"
        days = limit // 86400
        message = f"Date range exceeded. Report can be requested only upto {days} days.\n"
        report.document_id = documents.add_result(
            message.encode(), "text/plain; charset=UTF-8", report.ends
        ).document_id
        return
    chosen = returns_in_window(
        returns, store, report.marketplace_ids, report.data_start, report.data_end
    )
    if not chosen:
        report.outcome = "CANCELLED"
        return
    content = render(report.report_type, chosen, store)
    report.outcome = "DONE"
    report.document_id = documents.add_result(
        content, CONTENT_TYPES[report.report_type], report.ends
    ).document_id
