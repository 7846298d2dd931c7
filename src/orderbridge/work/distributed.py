"""Distributed mode: procrastinate carries wake-ups and the periodic tick between workers.

procrastinate jobs carry only ids and intentions ("drain the outbox", "poll connection
7"); the outbox and poll-schedule rows stay the truth. A lost or doubled job is thus
harmless: the handler claims rows with leases and finds nothing, or finds the work. Retries
live on the outbox rows, so every task here has ``retry=False``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from orderbridge.observability import log
from orderbridge.services.context import ServiceContext
from orderbridge.work import drain
from orderbridge.work.identity import worker_name

QUEUE = "orderbridge"
TICK_CRON = "* * * * * */2"  # every two seconds (croniter's sixth field is seconds)


def conninfo(database_url: str) -> str:
    """procrastinate speaks psycopg directly: drop SQLAlchemy's driver suffix."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


class Distributed:
    """One worker process's procrastinate app and the service context its tasks use."""

    def __init__(self, ctx_factory: Callable[[], ServiceContext], database_url: str) -> None:
        self._ctx_factory = ctx_factory
        self._ctx: ServiceContext | None = None
        self.owner = worker_name("worker")
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
        )
        self._register()

    @property
    def ctx(self) -> ServiceContext:
        if self._ctx is None:
            self._ctx = self._ctx_factory()
            self._ctx.wake = self.wake
        return self._ctx

    def _register(self) -> None:
        app = self.app

        @app.periodic(cron=TICK_CRON, periodic_id="tick")
        @app.task(name="orderbridge.tick", queue=QUEUE, retry=False, queueing_lock="tick")
        async def tick(timestamp: int) -> None:
            await self._tick()

        @app.task(name="orderbridge.poll", queue=QUEUE, retry=False)
        async def poll(connection_id: int, feed: str = "orders") -> None:
            await drain.poll(self.ctx, connection_id, owner=self.owner, feed=feed)
            await self._defer_drain()

        @app.task(name="orderbridge.drain", queue=QUEUE, retry=False)
        async def drain_task() -> None:
            settings = self.ctx.settings
            await drain.drain_outbox(
                self.ctx,
                owner=self.owner,
                batch=settings.runner_concurrency,
                concurrency=settings.runner_concurrency,
            )

        @app.task(name="orderbridge.side_work", queue=QUEUE, retry=False)
        async def side_work_task() -> None:
            await drain.side_work(self.ctx, owner=self.owner)
            await self._defer_drain()

        self._poll_task = poll
        self._drain_task = drain_task
        self._side_task = side_work_task

    async def _tick(self) -> None:
        for feed, connection_id in await drain.due_polls(self.ctx):
            with contextlib.suppress(AlreadyEnqueued):
                await self._poll_task.configure(
                    queueing_lock=f"poll:{feed}:{connection_id}"
                ).defer_async(connection_id=connection_id, feed=feed)
        with contextlib.suppress(AlreadyEnqueued):
            await self._side_task.configure(queueing_lock="side_work").defer_async()
        if await drain.seconds_until_due(self.ctx, 1.0) == 0.0:
            await self._defer_drain()

    async def _defer_drain(self) -> None:
        # One queued drain at a time is enough: a running drain empties the outbox itself.
        with contextlib.suppress(AlreadyEnqueued):
            await self._drain_task.configure(queueing_lock="drain").defer_async()

    def wake(self) -> None:
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(self._defer_drain())

    async def run_worker(self, *, concurrency: int) -> None:
        async with self.app.open_async():
            log.info("worker_started", owner=self.owner, concurrency=concurrency)
            await self.app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                fetch_job_polling_interval=1.0,
                install_signal_handlers=True,
            )

    async def defer_wake(self) -> None:
        """For a non-worker process (the API) to wake the workers after it created work."""
        async with self.app.open_async():
            await self._defer_drain()
