"""Amazon Selling Partner API simulator: Orders API 2026-01-01 reads, v0 confirmShipment,
the Feeds API 2021-06-30 with the order acknowledgement and payment adjustment feeds, and
the LWA token exchange.

An honest stand-in for Amazon, reached over real HTTP: official paths, parameters, response
and error shapes, usage-plan throttling, injectable faults (including lost write responses),
and a seeded generator of realistic orders. Sandbox-only controls live under `/_sandbox/`
(see `control.py`); docs/sandbox-amazon.md describes the write side.

    app = create_app(AmazonSimulatorSettings(seed=7, speed_factor=0))
    app.state.simulator  # the in-memory AmazonSimulator, for in-process tests
"""

from orderbridge.sandbox.amazon.app import create_app
from orderbridge.sandbox.amazon.settings import AmazonSimulatorSettings
from orderbridge.sandbox.amazon.state import AmazonSimulator
from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.serving import serve_in_background

__all__ = [
    "AmazonSimulator",
    "AmazonSimulatorSettings",
    "SimulatorClock",
    "create_app",
    "serve_in_background",
]
