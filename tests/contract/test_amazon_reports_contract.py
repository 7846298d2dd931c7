"""Contract: the Amazon simulator's Reports API against Amazon's official model.

Every answer of createReport, getReport, cancelReport, getReports and getReportDocument is
checked against `reports_2021-06-30.json` under `$ORDERBRIDGE_MARKETPLACE_SPECS/amazon-sp-api/`:
object schemas that list properties are closed first, so an invented or misspelt field fails;
the status must be one the operation declares, with the headers declared for it; the usage
plans must be the model's.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator, FormatChecker

from orderbridge.sandbox.amazon import (
    AmazonSimulatorSettings,
    SimulatorClock,
    create_app,
    serve_in_background,
)
from orderbridge.sandbox.amazon.reports_api import (
    REPORT_DOCUMENT_PATH,
    REPORT_PATH,
    REPORTS_PATH,
)
from orderbridge.sandbox.amazon.throttle import USAGE_PLANS
from tests.sandbox.conftest import FIXED_NOW

pytestmark = pytest.mark.contract

SPEC_ENV = "ORDERBRIDGE_MARKETPLACE_SPECS"
US = "ATVPDKIKX0DER"
FLAT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
XML = "GET_XML_RETURNS_DATA_BY_RETURN_DATE"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker()
RATE = "x-amzn-RateLimit-Limit"


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


def _closed(node: Any) -> Any:
    node = copy.deepcopy(node)

    def close(part: Any) -> None:
        if isinstance(part, dict):
            if "properties" in part and "additionalProperties" not in part:
                part["additionalProperties"] = False
            for value in part.values():
                close(value)
        elif isinstance(part, list):
            for value in part:
                close(value)

    close(node)
    return node


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    root = os.environ.get(SPEC_ENV)
    if not root:
        pytest.skip(reason=f"{SPEC_ENV} is not set; contract tests need the official specs")
    path = Path(root) / "amazon-sp-api" / "reports_2021-06-30.json"
    if not path.is_file():
        pytest.fail(f"{SPEC_ENV}={root} but the official model {path} is missing")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


Check = Callable[[str, str, httpx.Response], None]


@pytest.fixture(scope="module")
def check(spec: dict[str, Any]) -> Check:
    definitions = _closed(spec["definitions"])

    def answer_matches(path: str, method: str, response: httpx.Response) -> None:
        declared = spec["paths"][path][method]["responses"].get(str(response.status_code))
        assert declared is not None, f"{method} {path} answered {response.status_code}"
        headers = set(declared.get("headers", {}))
        for header in headers - {RATE}:
            assert header in response.headers, (response.status_code, header)
        if response.status_code == 429:
            assert RATE not in response.headers
        schema_ref = declared.get("schema")
        if schema_ref is None:
            assert response.content == b"", response.text
            return
        schema = {**schema_ref, "definitions": definitions}
        validator = Draft4Validator(schema, format_checker=FORMATS)
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(response.json())]
        assert not errors, "\n".join(errors[:10])

    return answer_matches


@dataclass
class Running:
    client: httpx.Client
    clock: SimulatorClock


def _start(stack: ExitStack, speed_factor: float) -> Running:
    settings = AmazonSimulatorSettings(
        seed=5, speed_factor=speed_factor, initial_orders_per_marketplace=150
    )
    clock = SimulatorClock(FIXED_NOW, frozen=True)
    app = create_app(settings, clock=clock)
    client = stack.enter_context(
        httpx.Client(base_url=stack.enter_context(serve_in_background(app)))
    )
    token = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": settings.refresh_token,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
        },
    ).json()["access_token"]
    client.headers["x-amz-access-token"] = token
    return Running(client, clock)


@pytest.fixture
def running() -> Iterator[Running]:
    with ExitStack() as stack:
        yield _start(stack, speed_factor=1.0)


def _usage_plan(description: str) -> tuple[float, int]:
    match = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", description)
    assert match, description
    return float(match.group(1)), int(match.group(2))


def test_usage_plans_match_the_model(spec: dict[str, Any]) -> None:
    operations = {
        "createReport": (REPORTS_PATH, "post"),
        "getReports": (REPORTS_PATH, "get"),
        "getReport": (REPORT_PATH, "get"),
        "cancelReport": (REPORT_PATH, "delete"),
        "getReportDocument": (REPORT_DOCUMENT_PATH, "get"),
    }
    for name, (path, method) in operations.items():
        operation = spec["paths"][path][method]
        assert operation["operationId"] == name
        assert USAGE_PLANS[name] == _usage_plan(operation["description"]), name


def _when(days: float) -> str:
    return (FIXED_NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_reports_answer_matches_the_model(check: Check, running: Running) -> None:
    amazon, clock = running.client, running.clock
    bodies = {
        "done": {"reportType": FLAT, "marketplaceIds": [US], "dataStartTime": _when(30)},
        "xml": {"reportType": XML, "marketplaceIds": [US], "dataStartTime": _when(30)},
        "fatal": {"reportType": FLAT, "marketplaceIds": [US], "dataStartTime": _when(90)},
        "empty": {"reportType": FLAT, "marketplaceIds": [US]},
        "queued": {"reportType": XML, "marketplaceIds": [US], "dataStartTime": _when(5)},
    }
    ids = {}
    for name, body in bodies.items():
        if name == "queued":
            clock.advance(60)
        response = amazon.post(REPORTS_PATH, json=body)
        assert response.status_code == 202, response.text
        check(REPORTS_PATH, "post", response)
        ids[name] = response.json()["reportId"]
    queued_path = REPORT_PATH.format(reportId=ids["queued"])
    seen = {amazon.get(queued_path).json()["processingStatus"]}
    cancelled = amazon.delete(queued_path)
    check(REPORT_PATH, "delete", cancelled)
    statuses = set()
    for report_id in ids.values():
        response = amazon.get(REPORT_PATH.format(reportId=report_id))
        check(REPORT_PATH, "get", response)
        report = response.json()
        statuses.add(report["processingStatus"])
        if "reportDocumentId" in report:
            document_path = REPORT_DOCUMENT_PATH.format(reportDocumentId=report["reportDocumentId"])
            document = amazon.get(document_path)
            check(REPORT_DOCUMENT_PATH, "get", document)
            assert httpx.get(document.json()["url"]).status_code == 200
    assert seen == {"IN_QUEUE"}
    assert statuses == {"DONE", "FATAL", "CANCELLED"}
    clock.advance(60)
    page = amazon.get(REPORTS_PATH, params={"reportTypes": f"{FLAT},{XML}", "pageSize": 3})
    check(REPORTS_PATH, "get", page)
    rest = amazon.get(REPORTS_PATH, params={"nextToken": page.json()["nextToken"]})
    check(REPORTS_PATH, "get", rest)
    assert len(page.json()["reports"]) + len(rest.json()["reports"]) == len(ids)
    assert "nextToken" not in rest.json()


def test_error_answers_match_the_model(check: Check, running: Running) -> None:
    amazon = running.client
    cases = [
        (REPORTS_PATH, "post", amazon.post(REPORTS_PATH, json={"reportType": "NOPE"})),
        (REPORTS_PATH, "get", amazon.get(REPORTS_PATH)),
        (REPORT_PATH, "get", amazon.get(REPORT_PATH.format(reportId="1"))),
        (REPORT_PATH, "delete", amazon.delete(REPORT_PATH.format(reportId="1"))),
        (
            REPORT_DOCUMENT_PATH,
            "get",
            amazon.get(REPORT_DOCUMENT_PATH.format(reportDocumentId="nope")),
        ),
        (
            REPORT_PATH,
            "get",
            amazon.get(
                REPORT_PATH.format(reportId="1"), headers={"x-amz-access-token": "Atza|bogus"}
            ),
        ),
    ]
    assert [c[2].status_code for c in cases] == [400, 400, 404, 404, 404, 403]
    body = {"reportType": FLAT, "marketplaceIds": [US], "dataStartTime": _when(1)}
    # the refused createReport above took one of the 15 tokens too
    throttled = [amazon.post(REPORTS_PATH, json=body) for _ in range(15)]
    assert [r.status_code for r in throttled] == [202] * 14 + [429]
    cases.append((REPORTS_PATH, "post", throttled[-1]))
    for path, method, response in cases:
        check(path, method, response)
        assert response.headers["x-amzn-ErrorType"]
