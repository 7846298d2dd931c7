"""Serving ASGI apps on real loopback sockets for tests (the sandbox's own helper)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from orderbridge.sandbox.serving import Lifespan, serve_in_background


@contextmanager
def serving(app: Any, *, lifespan: Lifespan = "off") -> Iterator[str]:
    """Yield the base URL while ``app`` answers on 127.0.0.1; stop it afterwards."""
    with serve_in_background(app, lifespan=lifespan) as url:
        yield url
