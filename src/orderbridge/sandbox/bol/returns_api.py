"""The v10 returns endpoints: list, one return, handle a customer's return, register one.

- `GET /retailer/returns?page&handled&fulfilment-method` (50 a page, newest first; FBR
  when no method is given) answers `{"returns": [ReducedReturn]}`.
- `GET /retailer/returns/{return-id}` answers the `Return`, or a 404 Problem.
- `PUT /retailer/returns/{rma-id}` `ReturnRequest {handlingResult, quantityReturned}` and
  `POST /retailer/returns` `CreateReturnRequest {orderItemId, quantityReturned,
  handlingResult}` are writes: well formed, they are accepted with 202 and a PENDING
  process status (HANDLE_RETURN_ITEM with the RMA id, CREATE_RETURN_ITEM with the order
  item id), finished when they come due (`return_writes.py`). A malformed one is a 400
  Problem naming each violation: an unknown handling result (STILL_APPROVED only on PUT),
  a quantity outside 1..9999, a missing order item id, an RMA id that is not a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orderbridge.sandbox.bol.endpoint import bol_api, json_body
from orderbridge.sandbox.bol.problems import bad_request, invalid_value, not_found
from orderbridge.sandbox.bol.return_records import CREATE_HANDLING_RESULTS, HANDLING_RESULTS
from orderbridge.sandbox.bol.return_views import full_return, reduced_return
from orderbridge.sandbox.bol.views import BolJSONResponse, process_status

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator

PAGE_SIZE = 50
MAX_QUANTITY = 9999
LIST_PARAMS = frozenset({"page", "handled", "fulfilment-method"})


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@bol_api("get-returns")
async def list_returns(request: Request, simulator: BolSimulator) -> Response:
    params = request.query_params
    raw_page = params.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise bad_request([("page", "must be greater than or equal to 1")])
    handled = params.get("handled")
    if handled is not None and handled not in ("true", "false"):
        raise invalid_value("handled", handled, ("true", "false"))
    method = params.get("fulfilment-method", "FBR")
    if method not in ("FBR", "FBB"):
        raise invalid_value("fulfilment-method", method, ("FBR", "FBB"))
    found = [
        held
        for held in simulator.store.returns.newest_first()
        if held.fulfilment_method == method
        and (handled is None or any(i.handled == (handled == "true") for i in held.items))
    ]
    start = (int(raw_page) - 1) * PAGE_SIZE
    return BolJSONResponse(
        {"returns": [reduced_return(r) for r in found[start : start + PAGE_SIZE]]}
    )


@bol_api("get-return")
async def get_return(request: Request, simulator: BolSimulator) -> Response:
    found = simulator.store.returns.get(request.path_params["return_id"])
    if found is None:
        raise not_found(f"Return {request.path_params['return_id']}")
    return BolJSONResponse(full_return(found))


def _common(body: Mapping[str, Any], results: tuple[str, ...]) -> list[tuple[str, str]]:
    violations: list[tuple[str, str]] = []
    result = body.get("handlingResult")
    if result is None:
        violations.append(("handlingResult", "must not be null"))
    elif result not in results:
        raise invalid_value("handlingResult", result, results)
    quantity = body.get("quantityReturned")
    if quantity is None:
        violations.append(("quantityReturned", "must not be null"))
    elif isinstance(quantity, bool) or not isinstance(quantity, int):
        violations.append(("quantityReturned", "must be an integer"))
    elif not 1 <= quantity <= MAX_QUANTITY:
        violations.append(("quantityReturned", f"must be between 1 and {MAX_QUANTITY}"))
    return violations


@bol_api("handle-return", body=True, write=True)
async def handle_return(request: Request, simulator: BolSimulator) -> Response:
    rma_id = request.path_params["rma_id"]
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise bad_request([("body", "must be a ReturnRequest object")])
    violations = _common(body, HANDLING_RESULTS)
    if not rma_id.isdigit():
        violations.append(("rma-id", "must be a number"))
    if violations:
        raise bad_request(violations)
    status = simulator.submit("HANDLE_RETURN_ITEM", rma_id, dict(body))
    return BolJSONResponse(process_status(status, _base(request)), status_code=202)


@bol_api("create-return", body=True, write=True)
async def create_return(request: Request, simulator: BolSimulator) -> Response:
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise bad_request([("body", "must be a CreateReturnRequest object")])
    violations = _common(body, CREATE_HANDLING_RESULTS)
    item_id = body.get("orderItemId")
    if not isinstance(item_id, str) or not item_id.strip():
        violations.append(("orderItemId", "must not be blank"))
    if violations:
        raise bad_request(violations)
    status = simulator.submit("CREATE_RETURN_ITEM", str(item_id), dict(body))
    return BolJSONResponse(process_status(status, _base(request)), status_code=202)
