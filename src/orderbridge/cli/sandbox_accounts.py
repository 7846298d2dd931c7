"""The sandbox accounts of the Walmart, bol.com and eBay simulators, for the demo and for
``orderbridge sandbox``: each simulator's app on its port, and the connection that
reaches it.

The simulators run their published limits ten times faster (and the connections know it),
so the demo imports in seconds rather than minutes; the Amazon accounts stay at Amazon's
own rates. bol.com runs ten times faster again: its order list allows seven calls in three
minutes, and a first import reads a month day by day (see docs/marketplaces/bol.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SPEED = 10.0
BOL_SPEEDUP = 10.0


@dataclass(frozen=True, slots=True)
class SandboxAccount:
    name: str  # the connection's name in the demo
    channel: str
    title: str
    port: int
    app: Any
    credentials: dict[str, str]
    options: dict[str, Any]


def other_channels(
    host: str,
    orders: int,
    *,
    ports: tuple[int, int, int] = (8103, 8104, 8105),
    speed: float = SPEED,
) -> list[SandboxAccount]:
    from orderbridge.sandbox.bol import TOKEN_PATH, BolSimulatorSettings
    from orderbridge.sandbox.bol import create_app as bol_app
    from orderbridge.sandbox.ebay import EbaySimulatorSettings
    from orderbridge.sandbox.ebay import create_app as ebay_app
    from orderbridge.sandbox.walmart import WalmartSimulatorSettings
    from orderbridge.sandbox.walmart import create_app as walmart_app

    walmart_port, bol_port, ebay_port = ports
    walmart = WalmartSimulatorSettings(seed=3, speed_factor=speed, initial_orders=orders)
    bol_speed = speed * BOL_SPEEDUP if speed else 0.0
    bol = BolSimulatorSettings(seed=4, speed_factor=bol_speed, initial_orders=orders)
    ebay = EbaySimulatorSettings(seed=5, speed_factor=speed, initial_orders=orders)

    def base(port: int) -> str:
        return f"http://{host}:{port}"

    return [
        SandboxAccount(
            "walmart-us",
            "walmart",
            "Walmart simulator",
            walmart_port,
            walmart_app(walmart),
            {"client_id": walmart.client_id, "client_secret": walmart.client_secret},
            {"base_url": base(walmart_port), "rate_limit_scale": speed or 1.0},
        ),
        SandboxAccount(
            "bol-nl",
            "bol",
            "bol.com simulator",
            bol_port,
            bol_app(bol),
            {"client_id": bol.client_id, "client_secret": bol.client_secret},
            {
                "base_url": base(bol_port),
                "token_url": base(bol_port) + TOKEN_PATH,
                "rate_limit_scale": bol_speed or 1.0,
            },
        ),
        SandboxAccount(
            "ebay",
            "ebay",
            "eBay simulator",
            ebay_port,
            ebay_app(ebay),
            {
                "client_id": ebay.client_id,
                "client_secret": ebay.client_secret,
                "refresh_token": ebay.refresh_token,
            },
            {"base_url": base(ebay_port), "rate_limit_scale": speed or 1.0},
        ),
    ]
