"""The in-process runner of embedded mode: a tick loop for polls plus outbox draining.

It lives in the web server's event loop (started from the FastAPI lifespan). A commit
that creates work calls :meth:`wake`, so exports leave at once instead of at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib

from orderbridge.observability import log
from orderbridge.services.context import ServiceContext
from orderbridge.work import drain
from orderbridge.work.identity import worker_name


class EmbeddedRunner:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.owner = worker_name("embedded")
        self._wake = asyncio.Event()
        self._polls: dict[tuple[str, int], asyncio.Task[object]] = {}
        self._main: asyncio.Task[None] | None = None
        self._side: asyncio.Task[None] | None = None
        self._side_started = float("-inf")
        self._stopping = False

    def wake(self) -> None:
        # Safe from any coroutine of this loop; a wake before start is kept for the first tick.
        self._wake.set()

    def start(self) -> None:
        self._main = asyncio.create_task(self._loop(), name="orderbridge-runner")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        tasks = [t for t in (self._main, self._side, *self._polls.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _loop(self) -> None:
        settings = self.ctx.settings
        while not self._stopping:
            self._wake.clear()
            try:
                self._start_due_polls(await drain.due_polls(self.ctx))
                self._start_side_work()
                await drain.drain_outbox(
                    self.ctx,
                    owner=self.owner,
                    batch=settings.runner_concurrency * 4,
                    concurrency=settings.runner_concurrency,
                )
                sleep = await drain.seconds_until_due(self.ctx, settings.tick_seconds)
            except Exception:
                log.exception("runner_tick_failed")
                sleep = settings.tick_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)

    def _start_due_polls(self, due: list[tuple[str, int]]) -> None:
        for feed, connection_id in due:
            running = self._polls.get((feed, connection_id))
            if running is not None and not running.done():
                continue
            task = asyncio.create_task(self._poll(connection_id, feed))
            self._polls[(feed, connection_id)] = task

    def _start_side_work(self) -> None:
        # At most one at a time, and not more often than every tick.
        now = asyncio.get_running_loop().time()
        if self._side is not None and not self._side.done():
            return
        if now - self._side_started < self.ctx.settings.tick_seconds:
            return
        self._side_started = now
        self._side = asyncio.create_task(drain.side_work(self.ctx, owner=self.owner))

    async def _poll(self, connection_id: int, feed: str) -> None:
        summary = await drain.poll(self.ctx, connection_id, owner=self.owner, feed=feed)
        if summary is not None and summary.created:
            self._wake.set()
