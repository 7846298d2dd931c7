"""eBay simulator: the Sell Fulfillment API v1 (getOrders, getOrder, shipping
fulfillments, issueRefund), the Post-Order API's cancellation calls and the OAuth token
exchange.

An honest stand-in for eBay reached over real HTTP: the contract's paths, parameters,
shapes, status codes and error ids, token-bucket throttling, injectable faults (including
lost write answers), asynchronous refunds and cancellations, and a seeded generator of US
and German orders. Sandbox-only controls live under ``/_sandbox/`` (see ``control.py``).

    app = create_app(EbaySimulatorSettings(seed=7, speed_factor=0))
    app.state.simulator  # the in-memory EbaySimulator, for in-process tests
"""

from orderbridge.sandbox.clock import SimulatorClock
from orderbridge.sandbox.ebay.app import create_app
from orderbridge.sandbox.ebay.settings import EbaySimulatorSettings
from orderbridge.sandbox.ebay.state import EbaySimulator
from orderbridge.sandbox.serving import serve_in_background

__all__ = [
    "EbaySimulator",
    "EbaySimulatorSettings",
    "SimulatorClock",
    "create_app",
    "serve_in_background",
]
