"""The Reports API 2021-06-30 flow for the returns report: request, wait, download.

Amazon has no returns API for merchant-fulfilled orders; its returns come as the report
``GET_XML_RETURNS_DATA_BY_RETURN_DATE``, which lists the returns *requested* inside its
``dataStartTime``/``dataEndTime`` as they stand when the report is built:

1. ``createReport`` answers a report id;
2. ``getReport`` is polled until the report is ``DONE`` (with a ``reportDocumentId``),
   ``CANCELLED`` (Amazon cancels a report that has no data) or ``FATAL``;
3. ``getReportDocument`` answers a pre-signed URL (storage: no access token) and, when
   the content is compressed, ``compressionAlgorithm``;
4. the content is downloaded and, if need be, decompressed.

Polling waits in line, as a read waits for its rate limits; the waits are divided by
``rate_limit_scale`` so a sped-up sandbox is asked sooner. A report that is still not
finished after :data:`MAX_POLLS` checks is a TransientError: the window is read again
later with a new report, and nothing of it was committed.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from orderbridge.marketplaces.amazon.capabilities import (
    CREATE_REPORT,
    DOWNLOAD_REPORT_DOCUMENT,
    GET_REPORT,
    GET_REPORT_DOCUMENT,
)
from orderbridge.marketplaces.amazon.client import AmazonClient, format_timestamp
from orderbridge.marketplaces.errors import PermanentError, TransientError
from orderbridge.marketplaces.http import excerpt

REPORTS_PATH = "/reports/2021-06-30/reports"
DOCUMENTS_PATH = "/reports/2021-06-30/documents"
RETURNS_REPORT = "GET_XML_RETURNS_DATA_BY_RETURN_DATE"
# Amazon refuses (FATAL) a returns report spanning more than 60 days; longer windows are
# read as several reports of at most this span.
MAX_REPORT_SPAN = timedelta(days=30)
_WAITING = frozenset({"IN_QUEUE", "IN_PROGRESS"})
_FINISHED = frozenset({"DONE", "CANCELLED", "FATAL"})
# Amazon builds most reports within a minute or two: ask after 5 seconds, then back off to
# one check a minute (getReport allows 2 a second, so the budget is never the limit).
FIRST_POLL = timedelta(seconds=5)
LONGEST_POLL = timedelta(seconds=60)
MAX_POLLS = 60  # about 55 minutes at full scale


@dataclass(frozen=True, slots=True)
class ReturnsReport:
    """A finished returns report: its content (None when Amazon had no data) and when
    Amazon built it, which is the moment its statuses are true for."""

    report_id: str
    content: bytes | None
    built_at: datetime


Sleep = Callable[[float], Awaitable[None]]


class ReturnsReports:
    """One connection's use of the Reports API, sharing its token and rate limits."""

    def __init__(
        self, client: AmazonClient, *, scale: float = 1.0, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._client = client
        self._scale = scale
        self._sleep = sleep

    async def fetch(self, start: datetime, end: datetime) -> ReturnsReport:
        """The returns report for returns requested in ``[start, end]``, downloaded."""
        report_id = await self._create(start, end)
        report = await self._wait(report_id)
        status = report["processingStatus"]
        built_at = _time(report, "processingEndTime") or _time(report, "createdTime")
        if built_at is None:
            built_at = self._client.now()
        document_id = report.get("reportDocumentId")
        if status == "CANCELLED":
            # Amazon cancels a report that found nothing to report.
            return ReturnsReport(report_id, None, built_at)
        if status == "FATAL":
            detail = ""
            if isinstance(document_id, str) and document_id:
                text = (await self._document(document_id)).decode("utf-8", "replace")
                detail = ": " + " ".join(text.split())[:300]
            # Amazon's own advice for a FATAL report is to request it again later.
            raise TransientError(
                f"Amazon ended returns report {report_id} as FATAL{detail}",
                operation=GET_REPORT,
            )
        if not isinstance(document_id, str) or not document_id:
            raise PermanentError(
                f"Amazon finished returns report {report_id} without a reportDocumentId",
                operation=GET_REPORT,
                response_excerpt=excerpt(str(report), self._client.redact),
            )
        return ReturnsReport(report_id, await self._document(document_id), built_at)

    async def _create(self, start: datetime, end: datetime) -> str:
        response = await self._client.send(
            CREATE_REPORT,
            "POST",
            REPORTS_PATH,
            body={
                "reportType": RETURNS_REPORT,
                "marketplaceIds": list(self._client.settings.marketplace_ids),
                "dataStartTime": format_timestamp(start),
                "dataEndTime": format_timestamp(end),
            },
        )
        body = self._client.json_of(response, CREATE_REPORT)
        return _required_text(body, "reportId", CREATE_REPORT, self._client)

    async def _wait(self, report_id: str) -> dict[str, Any]:
        delay = FIRST_POLL
        for _ in range(MAX_POLLS):
            await self._sleep(delay.total_seconds() / self._scale)
            response = await self._client.send(
                GET_REPORT, "GET", f"{REPORTS_PATH}/{quote(report_id, safe='')}"
            )
            report = self._client.json_of(response, GET_REPORT)
            status = _required_text(report, "processingStatus", GET_REPORT, self._client)
            if status in _FINISHED:
                return report
            if status not in _WAITING:
                raise PermanentError(
                    f"getReport {report_id}: unknown processingStatus {status!r}",
                    operation=GET_REPORT,
                    response_excerpt=excerpt(str(report), self._client.redact),
                )
            delay = min(delay * 2, LONGEST_POLL)
        raise TransientError(
            f"Amazon has not finished returns report {report_id} after {MAX_POLLS} checks; "
            "the window is read again with a new report",
            operation=GET_REPORT,
        )

    async def _document(self, document_id: str) -> bytes:
        response = await self._client.send(
            GET_REPORT_DOCUMENT, "GET", f"{DOCUMENTS_PATH}/{quote(document_id, safe='')}"
        )
        body = self._client.json_of(response, GET_REPORT_DOCUMENT)
        url = _required_text(body, "url", GET_REPORT_DOCUMENT, self._client)
        compression = body.get("compressionAlgorithm")
        download = await self._client.presigned(DOWNLOAD_REPORT_DOCUMENT, "GET", url)
        if compression is None:
            return download.content
        if compression != "GZIP":
            raise PermanentError(
                f"getReportDocument {document_id}: unknown compressionAlgorithm {compression!r}",
                operation=GET_REPORT_DOCUMENT,
            )
        try:
            return gzip.decompress(download.content)
        except (OSError, EOFError) as exc:
            # Most likely cut on the way; the next read downloads a new report.
            raise TransientError(
                f"returns report document {document_id} did not decompress: {exc}",
                operation=DOWNLOAD_REPORT_DOCUMENT,
            ) from None


def report_spans(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """``[start, end]`` cut into spans no longer than one report may cover."""
    spans: list[tuple[datetime, datetime]] = []
    lower = start
    while end - lower > MAX_REPORT_SPAN:
        spans.append((lower, lower + MAX_REPORT_SPAN))
        lower += MAX_REPORT_SPAN
    spans.append((lower, end))
    return spans


def _time(report: dict[str, Any], key: str) -> datetime | None:
    raw = report.get(key)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.utcoffset() is not None else None


def _required_text(body: dict[str, Any], key: str, operation: str, client: AmazonClient) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise PermanentError(
            f"amazon {operation}: the answer has no {key!r}",
            operation=operation,
            response_excerpt=excerpt(str(body), client.redact),
        )
    return value
