"""The FastAPI application: the REST API, the web admin, ``/health``, ``/metrics`` and the
runner's lifetime.

In embedded mode (SQLite) the work runner lives in this process and starts and stops
with the app; in distributed mode (PostgreSQL) ``orderbridge worker`` processes do the
work, so the app only serves requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from orderbridge.bootstrap import build_context
from orderbridge.observability import OLDEST_PENDING_SECONDS, QUEUE_DEPTH, REGISTRY, log
from orderbridge.services.context import ServiceContext
from orderbridge.services.queries import OPEN_STATUSES, database_ok, queue_figures
from orderbridge.web.api import PREFIX, api_router
from orderbridge.web.api.auth import require_token
from orderbridge.web.api.dependencies import Ctx
from orderbridge.web.api.errors import error_response, error_responses, install_error_handlers
from orderbridge.web.api.schemas import Health
from orderbridge.web.ui import install_ui
from orderbridge.work.embedded import EmbeddedRunner

DESCRIPTION = f"""
orderbridge imports orders from sales channels and exports them to your OMS.

**Authentication**: every endpoint except `/health` needs an API token, sent as
`Authorization: Bearer obt_…`. Create one with `orderbridge tokens create NAME`.

**Errors** all have one shape, whatever the status:

```json
{{"error": {{"code": "conflict", "message": "a connection named 'de' exists already",
            "field": "name", "details": null}}}}
```

`code` is stable for programs (`unauthorized`, `not_found`, `conflict`, `invalid_input`,
`validation_error`, …), `message` is for people, `field` names the request field to fix
(or is null), `details` carries extra facts such as every validation problem.

**Money** is a decimal string beside its currency (`"total": "42.50", "currency": "EUR"`).
**Times** are UTC, ISO 8601. **Lists** are paged with `limit` and the opaque `cursor`
taken from the previous page's `next_cursor`. The REST API lives under `{PREFIX}`.
"""


def _version() -> str:
    try:
        return version("orderbridge")
    except PackageNotFoundError:
        return "0.0.0"


@asynccontextmanager
async def _workers_waker(context: ServiceContext) -> AsyncIterator[None]:
    from orderbridge.work.distributed import Distributed

    distributed = Distributed(lambda: context, context.settings.database_url)
    async with AsyncExitStack() as stack:
        try:
            await stack.enter_async_context(distributed.app.open_async())
        except Exception:
            # Workers still find the work at their next tick; the API must not fail to start.
            log.warning("worker_wake_unavailable", exc_info=True)
            yield
            return
        previous = context.wake
        context.wake = distributed.wake
        try:
            yield
        finally:
            context.wake = previous


def create_app(
    ctx: ServiceContext | None = None, *, run_embedded_runner: bool | None = None
) -> FastAPI:
    """The app; ``run_embedded_runner`` None means "on SQLite only", True forces it on."""
    context = ctx or build_context()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner: EmbeddedRunner | None = None
        previous_wake = context.wake
        wanted = context.db.is_sqlite if run_embedded_runner is None else run_embedded_runner
        if wanted:
            runner = EmbeddedRunner(context)
            context.wake = runner.wake
            runner.start()
        try:
            if runner is None and not context.db.is_sqlite:
                # Distributed mode: work created here (a shipment reported through the API)
                # wakes the workers at once instead of at their next tick.
                async with _workers_waker(context):
                    yield
            else:
                yield
        finally:
            if runner is not None:
                await runner.stop()
            context.wake = previous_wake
            await context.aclose()

    app = FastAPI(
        title="orderbridge",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.ctx = context
    install_error_handlers(app)
    app.include_router(api_router())
    install_ui(app)

    @app.get(
        "/health",
        tags=["operations"],
        response_model=Health,
        responses=error_responses(503),
    )
    async def health(ctx: Ctx) -> Health | JSONResponse:
        """Whether the database answers; needs no token, for load balancers and monitors."""
        if await database_ok(ctx):
            return Health(status="ok")
        return error_response(503, "unavailable", "the database does not answer")

    @app.get(
        "/metrics",
        tags=["operations"],
        dependencies=[Depends(require_token)],
        response_class=Response,
        responses={
            200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"},
            **error_responses(401),
        },
    )
    async def metrics(ctx: Ctx) -> Response:
        """Prometheus figures; the outbox gauges are read from the database at each scrape."""
        figures = await queue_figures(ctx)
        for status in OPEN_STATUSES:
            QUEUE_DEPTH.labels(status).set(figures["by_status"][status])
        OLDEST_PENDING_SECONDS.set(figures["oldest_pending_seconds"])
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app
