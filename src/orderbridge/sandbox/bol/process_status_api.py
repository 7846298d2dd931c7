"""The Shared API's process statuses: by id, by entity id and event type, and in bulk.

* ``GET /shared/process-status/{process-status-id}``: the status, or 404 once bol no
  longer keeps it (retention after it finished);
* ``GET /shared/process-status?entity-id=&event-type=&page=``: both parameters required,
  newest first, 50 a page;
* ``POST /shared/process-status`` ``{"processStatusQueries": [{"processStatusId"}]}``
  (1..1000): the statuses still kept, in the order asked; unknown ids are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.bol.endpoint import bol_api, json_body
from orderbridge.sandbox.bol.problems import bad_request, invalid_value, not_found
from orderbridge.sandbox.bol.views import BolJSONResponse, process_status

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator

EVENT_TYPES = (
    "CREATE_SHIPMENT", "CANCEL_ORDER", "CHANGE_TRANSPORT", "HANDLE_RETURN_ITEM",
    "CREATE_RETURN_ITEM", "CREATE_INBOUND", "DELETE_OFFER", "CREATE_OFFER", "UPDATE_OFFER",
    "UPDATE_OFFER_STOCK", "UPDATE_OFFER_PRICE", "CREATE_OFFER_EXPORT",
    "UNPUBLISHED_OFFER_REPORT", "CREATE_PRODUCT_CONTENT", "CREATE_SUBSCRIPTION",
    "UPDATE_SUBSCRIPTION", "DELETE_SUBSCRIPTION", "SEND_SUBSCRIPTION_TST_MSG",
    "CREATE_SHIPPING_LABEL", "CREATE_REPLENISHMENT", "UPDATE_REPLENISHMENT",
    "REQUEST_PRODUCT_DESTINATIONS", "CREATE_SOV_SEARCH_TERM_REPORT",
    "CREATE_SOV_CATEGORY_REPORT", "UPLOAD_INVOICE", "CREATE_CAMPAIGN_PERFORMANCE_REPORT",
)  # fmt: skip
PAGE_SIZE = 50
BULK_MAX = 1000


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@bol_api("get-process-status")
async def get_process_status(request: Request, simulator: BolSimulator) -> Response:
    identifier = request.path_params["process_status_id"]
    status = simulator.store.statuses.get(identifier)
    if status is None:
        raise not_found(f"Process status {identifier}")
    return BolJSONResponse(process_status(status, _base(request)))


@bol_api("get-process-status-entity-id")
async def find_process_statuses(request: Request, simulator: BolSimulator) -> Response:
    entity_id = request.query_params.get("entity-id")
    event_type = request.query_params.get("event-type")
    violations = []
    if not entity_id:
        violations.append(("entity-id", "must not be blank"))
    if not event_type:
        violations.append(("event-type", "must not be blank"))
    if violations:
        raise bad_request(violations)
    assert entity_id is not None and event_type is not None
    if event_type not in EVENT_TYPES:
        raise invalid_value("event-type", event_type, EVENT_TYPES)
    raw_page = request.query_params.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise bad_request([("page", "must be greater than or equal to 1")])
    start = (int(raw_page) - 1) * PAGE_SIZE
    found = simulator.store.statuses_of(entity_id, event_type)[start : start + PAGE_SIZE]
    return BolJSONResponse(
        {"processStatuses": [process_status(status, _base(request)) for status in found]}
    )


@bol_api("get-process-status-bulk", body=True)
async def bulk_process_statuses(request: Request, simulator: BolSimulator) -> Response:
    body = await json_body(request)
    queries = body.get("processStatusQueries") if isinstance(body, Mapping) else None
    if not isinstance(queries, list) or not 1 <= len(queries) <= BULK_MAX:
        raise bad_request([("processStatusQueries", f"size must be between 1 and {BULK_MAX}")])
    ids = []
    for index, query in enumerate(queries):
        value = query.get("processStatusId") if isinstance(query, Mapping) else None
        if not isinstance(value, str) or not value:
            raise bad_request(
                [(f"processStatusQueries[{index}].processStatusId", "must not be blank")]
            )
        ids.append(value)
    statuses = simulator.store.statuses
    return BolJSONResponse(
        {
            "processStatuses": [
                process_status(statuses[value], _base(request))
                for value in ids
                if value in statuses
            ]
        }
    )
