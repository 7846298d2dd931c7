"""Run the eBay simulator standalone.

    python -m orderbridge.sandbox.ebay --port 8104 --orders 40 --seed 1 --speed 0

``--orders`` is the number of history orders, spread over the marketplaces; ``--speed 0``
turns throttling off and settles refunds and cancellations at once, 1 runs at the
simulator's model of eBay's pace, 100 a hundred times faster. Point a connection's
``base_url`` at http://HOST:PORT (the token URL and Post-Order API follow it).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from orderbridge.sandbox.ebay.app import create_app
from orderbridge.sandbox.ebay.settings import EbaySimulatorSettings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orderbridge.sandbox.ebay", description="eBay simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--orders", type=int, default=40, help="history orders to start with")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--speed", type=float, default=1.0, help="speed factor; 0 disables throttling"
    )
    parser.add_argument(
        "--marketplaces", default="EBAY_US,EBAY_DE", help="comma-separated marketplace ids"
    )
    parser.add_argument("--fault-rate-500", type=float, default=0.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    settings = EbaySimulatorSettings(
        seed=args.seed,
        speed_factor=args.speed,
        initial_orders=args.orders,
        marketplace_ids=tuple(m.strip() for m in args.marketplaces.split(",") if m.strip()),
        fault_rate_500=args.fault_rate_500,
        latency_ms=args.latency_ms,
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        date_header=False,
    )


if __name__ == "__main__":
    main()
