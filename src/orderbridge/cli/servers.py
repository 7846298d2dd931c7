"""Several ASGI apps served from one event loop (the demo and ``orderbridge sandbox``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import uvicorn


@dataclass(frozen=True, slots=True)
class Served:
    name: str
    app: Any
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def server_for(served: Served, *, log_level: str = "warning") -> uvicorn.Server:
    config = uvicorn.Config(
        served.app,
        host=served.host,
        port=served.port,
        log_level=log_level,
        lifespan="on",
        # The simulators stamp Date from their own clock; one Date header per response.
        date_header=False,
    )
    return uvicorn.Server(config)


async def serve_all(servers: list[uvicorn.Server]) -> None:
    """Run until interrupted; one server failing to start stops the others."""
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()


async def wait_started(servers: list[uvicorn.Server], within: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not all(server.started for server in servers):
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("a server did not start; is its port taken?")
        await asyncio.sleep(0.05)
