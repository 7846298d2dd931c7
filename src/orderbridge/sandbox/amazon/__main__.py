"""Run the Amazon SP-API simulator standalone.

    python -m orderbridge.sandbox.amazon --port 8101 --orders 200 --seed 1 --speed 0

`--orders` is the initial order count per marketplace; `--speed 0` turns throttling off, 1
applies Amazon's real rates, 100 makes them a hundred times faster. Point a client's LWA
endpoint and SP-API endpoint both at http://HOST:PORT.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from orderbridge.sandbox.amazon.app import create_app
from orderbridge.sandbox.amazon.settings import DEFAULT_MARKETPLACE_IDS, AmazonSimulatorSettings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orderbridge.sandbox.amazon", description="Amazon SP-API simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--orders", type=int, default=50, help="initial orders per marketplace")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--speed", type=float, default=1.0, help="throttling speed factor; 0 disables throttling"
    )
    parser.add_argument("--fault-rate-500", type=float, default=0.0)
    parser.add_argument("--fault-rate-503", type=float, default=0.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--marketplaces",
        default=",".join(DEFAULT_MARKETPLACE_IDS),
        help="comma-separated marketplace ids the seller sells in",
    )
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    settings = AmazonSimulatorSettings(
        seed=args.seed,
        speed_factor=args.speed,
        fault_rate_500=args.fault_rate_500,
        fault_rate_503=args.fault_rate_503,
        latency_ms=args.latency_ms,
        initial_orders_per_marketplace=args.orders,
        marketplace_ids=tuple(m.strip() for m in args.marketplaces.split(",") if m.strip()),
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
