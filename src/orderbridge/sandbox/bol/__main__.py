"""Run the bol.com Retailer API simulator standalone.

    python -m orderbridge.sandbox.bol --port 8103 --orders 200 --seed 1 --speed 0

`--speed 0` turns throttling off and makes writes finish at the next call; 1 applies bol's
budgets and a few seconds of processing; 100 makes both a hundred times faster. Point a
connection's ``base_url`` at http://HOST:PORT and its ``token_url`` at
http://HOST:PORT/token; the credentials are printed at start.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from orderbridge.sandbox.bol.app import create_app
from orderbridge.sandbox.bol.settings import BolSimulatorSettings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orderbridge.sandbox.bol", description="bol.com Retailer API simulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8103)
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
    settings = BolSimulatorSettings(
        seed=args.seed,
        speed_factor=args.speed,
        initial_orders=args.orders,
        fault_rate_500=args.fault_rate_500,
        fault_rate_503=args.fault_rate_503,
        latency_ms=args.latency_ms,
    )
    print(f"bol simulator: client_id={settings.client_id} client_secret={settings.client_secret}")
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        date_header=False,
    )


if __name__ == "__main__":
    main()
