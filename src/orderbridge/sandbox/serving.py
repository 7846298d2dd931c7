"""Run a sandbox app (or any ASGI app) on a real 127.0.0.1 socket in a background thread.

Tests reach the simulators, the sandbox OMS and orderbridge itself over real HTTP, as
production reaches Amazon and the OMS: a pre-bound socket on port 0 avoids races for a
free port, and the context manager waits until uvicorn serves and stops it afterwards.
uvicorn's own Date header is off, since the simulators stamp their clock's time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

Lifespan = Literal["auto", "on", "off"]


@contextmanager
def serve_in_background(
    app: ASGIApp, startup_timeout: float = 10.0, *, lifespan: Lifespan = "off"
) -> Iterator[str]:
    """Serve `app` until the block exits; yields its base URL, e.g. http://127.0.0.1:40123."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan=lifespan, access_log=False, date_header=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"server on 127.0.0.1:{port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
