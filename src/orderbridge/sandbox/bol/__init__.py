"""bol.com Retailer API v10 simulator: the order list and details, shipments, order-item
cancellations, process statuses, and the client-credentials login.

An honest stand-in for bol, reached over real HTTP: official paths (also under bol's
``-demo`` paths), parameters, the v10 media type, Problem error bodies, per-endpoint
budgets with 429 and ``x-ratelimit-*`` headers, writes that stay PENDING for a while and
then succeed or fail with bol-like messages, injectable faults (including lost write
answers) and a seeded generator of Dutch and Belgian orders. Sandbox-only controls live
under ``/_sandbox/`` (see ``control.py``).

    app = create_app(BolSimulatorSettings(seed=7, speed_factor=0))
    app.state.simulator  # the in-memory BolSimulator, for in-process tests
"""

from orderbridge.sandbox.bol.app import TOKEN_PATH, create_app
from orderbridge.sandbox.bol.settings import BolSimulatorSettings
from orderbridge.sandbox.bol.state import BolSimulator
from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.serving import serve_in_background

__all__ = [
    "TOKEN_PATH",
    "BolSimulator",
    "BolSimulatorSettings",
    "SimulatorClock",
    "create_app",
    "serve_in_background",
]
