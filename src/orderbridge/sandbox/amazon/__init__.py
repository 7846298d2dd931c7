"""Amazon Selling Partner API simulator (Orders API 2026-01-01 plus LWA token exchange).

An honest stand-in for Amazon, reached over real HTTP: official paths, parameters, response
and error shapes, usage-plan throttling, injectable faults, and a seeded generator of
realistic orders. Sandbox-only controls live under `/_sandbox/` (see `control.py`).

    app = create_app(AmazonSimulatorSettings(seed=7, speed_factor=0))
    app.state.simulator  # the in-memory AmazonSimulator, for in-process tests
"""

from orderbridge.sandbox.amazon.app import create_app
from orderbridge.sandbox.amazon.clock import SimulatorClock
from orderbridge.sandbox.amazon.settings import AmazonSimulatorSettings
from orderbridge.sandbox.amazon.state import AmazonSimulator
from orderbridge.sandbox.serving import serve_in_background

__all__ = [
    "AmazonSimulator",
    "AmazonSimulatorSettings",
    "SimulatorClock",
    "create_app",
    "serve_in_background",
]
