"""Walmart Marketplace (US) simulator: the Token API and the Orders API — searches with
their cursor paging, one order, acknowledge, shipping, cancel and refund.

An honest stand-in for marketplace.walmartapis.com, reached over real HTTP: official
paths, parameters, headers, shapes, status codes and error bodies, the line status
transitions of Walmart's orders, token-bucket throttling with Walmart's usage headers,
injectable faults (including lost write responses), and a seeded generator of realistic
US orders. Sandbox-only controls live under `/_sandbox/` (see `control.py`).

    app = create_app(WalmartSimulatorSettings(seed=7, speed_factor=0))
    app.state.simulator  # the in-memory WalmartSimulator, for in-process tests
"""

from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.serving import serve_in_background
from orderbridge.sandbox.walmart.app import create_app
from orderbridge.sandbox.walmart.settings import WalmartSimulatorSettings
from orderbridge.sandbox.walmart.state import WalmartSimulator

__all__ = [
    "SimulatorClock",
    "WalmartSimulator",
    "WalmartSimulatorSettings",
    "create_app",
    "serve_in_background",
]
