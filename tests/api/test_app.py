"""The application around the API: health, documentation, error shape and the runner."""

from __future__ import annotations

import httpx
from cryptography.fernet import Fernet

from orderbridge.bootstrap import build_context
from orderbridge.config import Settings
from orderbridge.services.context import ServiceContext
from orderbridge.web.app import create_app
from orderbridge.work.distributed import Distributed
from orderbridge.work.embedded import EmbeddedRunner


async def test_openapi_and_docs_are_served(anonymous: httpx.AsyncClient) -> None:
    spec = (await anonymous.get("/openapi.json")).json()
    assert "/api/v1/orders" in spec["paths"]
    assert "ErrorResponse" in spec["components"]["schemas"]
    unauthorized = spec["paths"]["/api/v1/orders"]["get"]["responses"]["401"]
    assert unauthorized["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert (await anonymous.get("/docs")).status_code == 200


async def test_unknown_paths_and_methods_use_the_error_shape(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong_method = await client.delete("/api/v1/orders")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


async def test_invalid_json_uses_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/exports", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "the request body is not valid JSON"
    assert error["field"] is None


async def test_health_reports_an_unreachable_database() -> None:
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        secret_key=Fernet.generate_key().decode(),
    )
    context = build_context(settings)
    app = create_app(context, run_embedded_runner=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://orderbridge.test"
    ) as http:
        response = await http.get("/health")
    await context.db.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


async def test_lifespan_runs_the_embedded_runner_on_sqlite(ctx: ServiceContext) -> None:
    original_wake = ctx.wake
    app = create_app(ctx)  # the default: a runner on SQLite only
    async with app.router.lifespan_context(app):
        if ctx.db.is_sqlite:
            assert ctx.wake is not original_wake
            assert isinstance(getattr(ctx.wake, "__self__", None), EmbeddedRunner)
        else:
            # Distributed mode: workers run elsewhere; work created here wakes them.
            assert isinstance(getattr(ctx.wake, "__self__", None), Distributed)
    assert ctx.wake is original_wake


async def test_runner_can_be_forced_on_postgresql(ctx: ServiceContext) -> None:
    original_wake = ctx.wake
    app = create_app(ctx, run_embedded_runner=True)
    async with app.router.lifespan_context(app):
        assert isinstance(getattr(ctx.wake, "__self__", None), EmbeddedRunner)
    assert ctx.wake is original_wake


async def test_lifespan_without_runner_wakes_workers_only_on_postgresql(
    ctx: ServiceContext,
) -> None:
    original_wake = ctx.wake
    app = create_app(ctx, run_embedded_runner=False)
    async with app.router.lifespan_context(app):
        if ctx.db.is_sqlite:
            assert ctx.wake is original_wake
        else:
            assert isinstance(getattr(ctx.wake, "__self__", None), Distributed)
    assert ctx.wake is original_wake
