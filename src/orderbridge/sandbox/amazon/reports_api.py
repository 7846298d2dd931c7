"""The Reports API 2021-06-30 operations (reports_2021-06-30.json) for the returns reports.

- createReport `POST /reports/2021-06-30/reports {reportType, marketplaceIds,
  dataStartTime?, dataEndTime?, reportOptions?}` -> 202 `{reportId}`; 400 for an unsupported
  report type, an unknown marketplace, a time in the future or a start after the end. A
  window longer than the type allows is accepted and the report ends FATAL (see reports.py).
- getReport `GET /reports/2021-06-30/reports/{reportId}` -> the `Report`; 404 if unknown.
- cancelReport `DELETE /reports/2021-06-30/reports/{reportId}` -> 200 without body for a
  report IN_QUEUE; 400 once processing began; 404 if unknown.
- getReports `GET /reports/2021-06-30/reports` with reportTypes (or nextToken alone),
  processingStatuses, marketplaceIds, createdSince (default 90 days ago), createdUntil
  (default now) and pageSize (1-100, default 10) -> `{reports, nextToken?}`, newest first.
- getReportDocument `GET /reports/2021-06-30/documents/{reportDocumentId}` ->
  `{reportDocumentId, url}`, url the simulator's download stand-in; 404 if unknown.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.amazon.errors import invalid_input, not_found
from orderbridge.sandbox.amazon.feed_documents import download_url
from orderbridge.sandbox.amazon.pipeline import Answer, read_json_object, run_operation
from orderbridge.sandbox.amazon.query import check_names, parse_datetime
from orderbridge.sandbox.amazon.reports import PROCESSING_STATUSES, REPORT_TYPES, Report
from orderbridge.sandbox.amazon.views import iso

if TYPE_CHECKING:
    from orderbridge.sandbox.amazon.state import AmazonSimulator

REPORTS_PATH = "/reports/2021-06-30/reports"
REPORT_PATH = "/reports/2021-06-30/reports/{reportId}"
REPORT_DOCUMENT_PATH = "/reports/2021-06-30/documents/{reportDocumentId}"
GET_REPORTS_PARAMS = (
    "reportTypes", "processingStatuses", "marketplaceIds", "pageSize", "createdSince",
    "createdUntil", "nextToken",
)  # fmt: skip
_ARRAY_PARAMS = frozenset({"reportTypes", "processingStatuses", "marketplaceIds"})
_RETENTION_SECONDS = 90 * 86400
_CREATE_FIELDS = {"reportType", "marketplaceIds", "dataStartTime", "dataEndTime", "reportOptions"}


def render_report(report: Report, now: float) -> dict[str, Any]:
    status = report.status(now)
    body: dict[str, Any] = {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": list(report.marketplace_ids),
        "dataStartTime": iso(report.data_start),
        "dataEndTime": iso(report.data_end),
        "createdTime": iso(report.created),
        "processingStatus": status,
    }
    if status != "IN_QUEUE" and report.started:
        body["processingStartTime"] = iso(report.starts)
    if report.outcome is not None and report.started:
        body["processingEndTime"] = iso(report.finished_at)
    if report.document_id is not None:
        body["reportDocumentId"] = report.document_id
    return body


async def create_report(request: Request) -> Response:
    return await run_operation(request, "createReport", _create_report)


def _marketplaces(simulator: AmazonSimulator, value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 25
        or not all(isinstance(m, str) for m in value)
    ):
        raise invalid_input(
            "Invalid value [marketplaceIds].", "Give 1 to 25 marketplace ids as strings."
        )
    unknown = [m for m in value if m not in simulator.settings.marketplace_ids]
    if unknown:
        raise invalid_input(
            f"Invalid value [marketplaceIds]: {', '.join(unknown)}.",
            "The seller sells in: " + ", ".join(simulator.settings.marketplace_ids) + ".",
        )
    return tuple(dict.fromkeys(value))


def _data_time(body: dict[str, Any], name: str, now: float) -> float:
    raw = body.get(name)
    if raw is None:
        return now
    if not isinstance(raw, str):
        raise invalid_input(f"Invalid value [{name}].", "Give an ISO 8601 date-time string.")
    moment = parse_datetime(name, raw)
    if moment > now:
        raise invalid_input(
            f"Invalid value [{name}]: {raw} is in the future.",
            "The value must be prior to or equal to the current date and time.",
        )
    return moment


async def _create_report(simulator: AmazonSimulator, request: Request) -> Answer:
    body = await read_json_object(request)
    unknown = sorted(set(body) - _CREATE_FIELDS)
    if unknown:
        raise invalid_input(
            f"Unknown field(s) [{', '.join(unknown)}].",
            "The model declares: " + ", ".join(sorted(_CREATE_FIELDS)) + ".",
        )
    report_type = body.get("reportType")
    if report_type not in REPORT_TYPES:
        raise invalid_input(
            f"Invalid value [reportType]: {report_type!r} is not supported.",
            "The simulator produces: " + ", ".join(REPORT_TYPES) + ".",
        )
    marketplace_ids = _marketplaces(simulator, body.get("marketplaceIds"))
    options = body.get("reportOptions", {})
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise invalid_input(
            "Invalid value [reportOptions].", "reportOptions maps names to strings."
        )
    now = simulator.clock.timestamp()
    start = _data_time(body, "dataStartTime", now)
    end = _data_time(body, "dataEndTime", now)
    if start > end:
        raise invalid_input(
            "Invalid value [dataStartTime]: it is after dataEndTime.",
            "dataStartTime must be earlier than or equal to dataEndTime.",
        )
    report = simulator.reports.create(
        report_type, marketplace_ids, start, end, now, simulator.settings.feed_duration_seconds
    )
    return Answer(202, {"reportId": report.report_id})


def _known_report(simulator: AmazonSimulator, request: Request) -> Report:
    check_names(request.query_params.multi_items(), ())
    report = simulator.reports.get(request.path_params["reportId"])
    if report is None:
        raise not_found("The requested report was not found.", "Unknown reportId.")
    return report


async def get_report(request: Request) -> Response:
    return await run_operation(request, "getReport", _get_report)


async def _get_report(simulator: AmazonSimulator, request: Request) -> Answer:
    report = _known_report(simulator, request)
    return Answer(200, render_report(report, simulator.clock.timestamp()))


async def cancel_report(request: Request) -> Response:
    return await run_operation(request, "cancelReport", _cancel_report)


async def _cancel_report(simulator: AmazonSimulator, request: Request) -> Answer:
    report = _known_report(simulator, request)
    now = simulator.clock.timestamp()
    status = report.status(now)
    if status != "IN_QUEUE":
        raise invalid_input(
            f"The report cannot be cancelled: its processingStatus is {status}.",
            "Only reports with processingStatus=IN_QUEUE can be cancelled.",
        )
    simulator.reports.cancel(report, now)
    return Answer(200)


async def get_report_document(request: Request) -> Response:
    return await run_operation(request, "getReportDocument", _get_document)


async def _get_document(simulator: AmazonSimulator, request: Request) -> Answer:
    check_names(request.query_params.multi_items(), ("enableContentEncodingUrlHeader",))
    document_id = request.path_params["reportDocumentId"]
    # only reports' documents: feed documents have their own operation
    if not any(r.document_id == document_id for r in simulator.reports):
        raise not_found("The requested report document was not found.", "Unknown reportDocumentId.")
    url = download_url(str(request.base_url), document_id)
    return Answer(200, {"reportDocumentId": document_id, "url": url})


async def get_reports(request: Request) -> Response:
    return await run_operation(request, "getReports", _get_reports)


def _params(items: list[tuple[str, str]]) -> dict[str, str]:
    """Query parameters by name; arrays may come comma-separated or repeated (swagger csv)."""
    unknown = sorted({name for name, _ in items} - set(GET_REPORTS_PARAMS))
    if unknown:
        raise invalid_input(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            f"Accepted parameters: {', '.join(GET_REPORTS_PARAMS)}.",
        )
    params: dict[str, str] = {}
    for name, value in items:
        if name in _ARRAY_PARAMS and name in params:
            params[name] = f"{params[name]},{value}"
        elif name in params:
            raise invalid_input(f"Query parameter {name} must be given at most once.")
        else:
            params[name] = value
    return params


def _csv(params: dict[str, str], name: str, most: int | None = None) -> list[str] | None:
    raw = params.get(name)
    if raw is None:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values or (most is not None and len(values) > most):
        limit = f"1 to {most}" if most else "at least 1"
        raise invalid_input(f"Invalid value [{name}].", f"Give {limit} value(s).")
    return values


def _encode_token(query: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(query, sort_keys=True).encode()).decode()


def _decode_token(token: str) -> dict[str, Any]:
    try:
        query = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        query = None
    if not isinstance(query, dict) or "offset" not in query:
        raise invalid_input("Invalid value [nextToken].", "Pass nextToken exactly as returned.")
    return query


def _first_query(params: dict[str, str], now: float) -> dict[str, Any]:
    report_types = _csv(params, "reportTypes", 10)
    if report_types is None:
        raise invalid_input(
            "Missing required field [reportTypes].", "Give reportTypes or nextToken."
        )
    statuses = _csv(params, "processingStatuses")
    bad = [s for s in statuses or () if s not in PROCESSING_STATUSES]
    if bad:
        raise invalid_input(
            f"Invalid value [processingStatuses]: {', '.join(bad)}.",
            "Allowed: " + ", ".join(PROCESSING_STATUSES) + ".",
        )
    page_size = params.get("pageSize", "10")
    if not page_size.isdigit() or not 1 <= int(page_size) <= 100:
        raise invalid_input("Invalid value [pageSize].", "pageSize is an integer within 1..100.")
    since = params.get("createdSince")
    until = params.get("createdUntil")
    return {
        "reportTypes": report_types,
        "marketplaceIds": _csv(params, "marketplaceIds", 10),
        "statuses": statuses,
        "since": parse_datetime("createdSince", since) if since else now - _RETENTION_SECONDS,
        "until": parse_datetime("createdUntil", until) if until else now,
        "pageSize": int(page_size),
        "offset": 0,
    }


async def _get_reports(simulator: AmazonSimulator, request: Request) -> Answer:
    params = _params(request.query_params.multi_items())
    now = simulator.clock.timestamp()
    if "nextToken" in params:
        if len(params) > 1:
            raise invalid_input(
                "nextToken must be the only parameter.",
                "Call getReports with only the nextToken returned by the previous page.",
            )
        query = _decode_token(params["nextToken"])
    else:
        query = _first_query(params, now)
    reports = [
        report
        for report in simulator.reports
        if report.report_type in query["reportTypes"]
        and (
            query["marketplaceIds"] is None
            or set(report.marketplace_ids) & set(query["marketplaceIds"])
        )
        and (query["statuses"] is None or report.status(now) in query["statuses"])
        and query["since"] <= report.created <= query["until"]
    ]
    reports.sort(key=lambda r: (r.created, int(r.report_id)), reverse=True)
    offset, size = query["offset"], query["pageSize"]
    page = reports[offset : offset + size]
    body: dict[str, Any] = {"reports": [render_report(r, now) for r in page]}
    if offset + size < len(reports):
        body["nextToken"] = _encode_token({**query, "offset": offset + size})
    return Answer(200, body)
