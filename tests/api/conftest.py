"""Fixtures of the API tests: the real app on a real database, SQLite and PostgreSQL.

Every test runs on a fresh SQLite file (a copy of one migrated template), and again on
PostgreSQL when ``ORDERBRIDGE_TEST_POSTGRES_URL`` names a server: a database of its own
is created for the session, emptied before each test and dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from orderbridge.bootstrap import build_context
from orderbridge.config import Settings
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.services.context import ServiceContext
from orderbridge.services.tokens import create_token
from orderbridge.store.migrate import upgrade
from orderbridge.store.tables import metadata
from orderbridge.web.app import create_app
from tests.api.orders_data import AMAZON_CREDENTIALS, AMAZON_OPTIONS

POSTGRES_ENV = "ORDERBRIDGE_TEST_POSTGRES_URL"
SKIP_POSTGRES = (
    f"{POSTGRES_ENV} is not set, so the PostgreSQL variant of the API tests is skipped "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Skip reasons are hidden without -rs; a silently skipped database must still be seen.
    if not os.environ.get(POSTGRES_ENV):
        terminalreporter.write_line(f"tests/api: {SKIP_POSTGRES}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "orderbridge.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    configured = os.environ.get(POSTGRES_ENV)
    if not configured:
        pytest.skip(reason=SKIP_POSTGRES)
    url = make_url(configured)
    name = f"ob_api_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    test_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(test_url)
        yield test_url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(url: str) -> None:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "orderbridge.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
async def ctx(database_url: str) -> AsyncIterator[ServiceContext]:
    settings = Settings(database_url=database_url, secret_key=Fernet.generate_key().decode())
    context = build_context(settings)
    yield context
    await context.db.dispose()


@pytest.fixture
async def token(ctx: ServiceContext) -> str:
    return await create_token(ctx, "tests")


def _client(ctx: ServiceContext, headers: dict[str, str]) -> httpx.AsyncClient:
    app = create_app(ctx, run_embedded_runner=False)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://orderbridge.test", headers=headers
    )


@pytest.fixture
async def client(ctx: ServiceContext, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(ctx, {"Authorization": f"Bearer {token}"}) as http:
        yield http


@pytest.fixture
async def anonymous(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(ctx, {}) as http:
        yield http


@pytest.fixture
async def connection_id(ctx: ServiceContext) -> int:
    """The connection "de" (Amazon), without an export target."""
    spec = ConnectionSpec(
        name="de", channel="amazon", credentials=AMAZON_CREDENTIALS, options=AMAZON_OPTIONS
    )
    return await create_connection(ctx, spec)
