"""Sandbox-only control of returns under `/_sandbox/returns` (no token, never throttled).

- `POST /_sandbox/returns` body `{"orderItemId", "quantity"?: N (default 1),
  "mainReason"?, "detailedReason"?, "customerComments"?}`: the customer registers a
  return of shipped units. 201 `{"returnId", "rmaId", "return": Return}`; 404 unknown
  order item; 409 when fewer units were shipped and not yet returned.
- `GET /_sandbox/returns` `{"returns": [Return]}`, newest first, FBR and FBB alike.
- `POST /_sandbox/returns/{rmaId}/status` body `{"handlingResult", "quantity"?}`: the
  item is handled outside the API (bol's FBB warehouse, or the seller dashboard).
  200 with the return; 404 unknown RMA; 409 already handled or too many units.

Errors are Problems, like the API's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orderbridge.sandbox.bol.control import _body, _handle
from orderbridge.sandbox.bol.problems import BolProblem
from orderbridge.sandbox.bol.return_book import ReturnRefused, handle
from orderbridge.sandbox.bol.return_records import HANDLING_RESULTS, Return
from orderbridge.sandbox.bol.return_views import full_return

if TYPE_CHECKING:
    from orderbridge.sandbox.bol.state import BolSimulator


def _sim(request: Request) -> BolSimulator:
    simulator: BolSimulator = request.app.state.simulator
    return simulator


def _whole(simulator: BolSimulator, rma_id: str) -> Return:
    for found in simulator.store.returns:
        if any(item.rma_id == rma_id for item in found.items):
            return found
    raise BolProblem(404, f"Return item with rma id {rma_id} could not be found.")


async def create_return(request: Request) -> Response:
    simulator = _sim(request)
    simulator.settle()
    body = await _body(request)
    item_id = str(body.get("orderItemId"))
    order = simulator.store.order_of_item(item_id)
    item = order.item(item_id) if order is not None else None
    if order is None or item is None:
        raise BolProblem(404, f"Order item {item_id} could not be found.")
    quantity = body.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise BolProblem(400, "quantity must be a whole number of at least 1")
    reason = (str(body.get("mainReason", "Anders")), body.get("detailedReason"))
    try:
        returned = simulator.store.returns.register(
            order, item, quantity, simulator.now(), reason, str(body.get("customerComments", ""))
        )
    except ReturnRefused as refused:
        raise BolProblem(409, str(refused)) from None
    found = _whole(simulator, returned.rma_id)
    return JSONResponse(
        {"returnId": found.return_id, "rmaId": returned.rma_id, "return": full_return(found)},
        status_code=201,
    )


async def list_returns(request: Request) -> Response:
    held = _sim(request).store.returns.newest_first()
    return JSONResponse({"returns": [full_return(found) for found in held]})


async def change_return_status(request: Request) -> Response:
    simulator = _sim(request)
    rma_id = request.path_params["rma_id"]
    found = _whole(simulator, rma_id)
    item = simulator.store.returns.item(rma_id)
    assert item is not None
    body = await _body(request)
    result = body.get("handlingResult")
    if result not in HANDLING_RESULTS:
        raise BolProblem(400, f"handlingResult must be one of {', '.join(HANDLING_RESULTS)}")
    quantity = body.get("quantity", item.expected_quantity)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise BolProblem(400, "quantity must be a whole number of at least 1")
    try:
        handle(item, str(result), quantity, simulator.now())
    except ReturnRefused as refused:
        raise BolProblem(409, str(refused)) from None
    return JSONResponse(full_return(found))


ROUTES: list[Route] = [
    Route("/_sandbox/returns", _handle(create_return), methods=["POST"]),
    Route("/_sandbox/returns", _handle(list_returns), methods=["GET"]),
    Route("/_sandbox/returns/{rma_id}/status", _handle(change_return_status), methods=["POST"]),
]
