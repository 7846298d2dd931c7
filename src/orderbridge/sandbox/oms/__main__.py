"""Run the sandbox OMS on its own: ``python -m orderbridge.sandbox.oms --port 8201 --secret S``."""

from __future__ import annotations

import argparse
import os

import uvicorn

from orderbridge.sandbox.oms.app import build_app
from orderbridge.sandbox.oms.settings import DEFAULT_TOLERANCE_SECONDS, SandboxOmsSettings

ENV_VARIABLE = "ORDERBRIDGE_SANDBOX_OMS_SECRET"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m orderbridge.sandbox.oms",
        description="A stand-in OMS that receives orderbridge's signed order webhooks.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument(
        "--secret",
        default=os.environ.get(ENV_VARIABLE),
        help=f"shared signing secret (or set {ENV_VARIABLE}, which keeps it out of `ps`)",
    )
    parser.add_argument("--tolerance-seconds", type=int, default=DEFAULT_TOLERANCE_SECONDS)
    parser.add_argument("--fail-next", type=int, default=0, help="fail the first N deliveries")
    parser.add_argument("--fail-status", type=int, default=500)
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error(f"--secret is required (or set {ENV_VARIABLE})")
    app = build_app(
        SandboxOmsSettings(
            secret=args.secret,
            tolerance_seconds=args.tolerance_seconds,
            fail_next=args.fail_next,
            fail_status=args.fail_status,
        )
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
