"""Run the Walmart Marketplace simulator standalone.

    python -m orderbridge.sandbox.walmart --port 8102 --orders 200 --seed 1 --speed 0

`--orders` is the initial order count; `--speed 0` turns throttling off, 1 applies the
simulated limits, 100 makes them a hundred times faster. Point a client's `base_url` at
http://HOST:PORT; the sandbox API key is printed at start.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from orderbridge.sandbox.walmart.app import create_app
from orderbridge.sandbox.walmart.settings import WalmartSimulatorSettings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orderbridge.sandbox.walmart", description="Walmart Marketplace simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--orders", type=int, default=50, help="initial orders")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--speed", type=float, default=1.0, help="throttling speed factor; 0 disables throttling"
    )
    parser.add_argument("--fault-rate-500", type=float, default=0.0)
    parser.add_argument("--fault-rate-503", type=float, default=0.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    settings = WalmartSimulatorSettings(
        seed=args.seed,
        speed_factor=args.speed,
        fault_rate_500=args.fault_rate_500,
        fault_rate_503=args.fault_rate_503,
        latency_ms=args.latency_ms,
        initial_orders=args.orders,
    )
    # The key a user needs to connect: sandbox credentials, published on purpose.
    print(
        f"Walmart simulator: client_id={settings.client_id} client_secret={settings.client_secret}"
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
