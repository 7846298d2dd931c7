"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when configured.

PostgreSQL runs when ``ORDERBRIDGE_TEST_POSTGRES_URL`` is set; each test session gets a
database of its own, dropped at the end. With ``ORDERBRIDGE_REQUIRE_POSTGRES=1`` (CI) a
PostgreSQL that does not answer fails the run instead of skipping.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.support.postgres import TemporaryPostgres

PG_URL = os.environ.get("ORDERBRIDGE_TEST_POSTGRES_URL")
REQUIRE_PG = os.environ.get("ORDERBRIDGE_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres | None]:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("ORDERBRIDGE_REQUIRE_POSTGRES=1 but ORDERBRIDGE_TEST_POSTGRES_URL is unset")
        yield None
        return
    server = TemporaryPostgres(PG_URL)
    try:
        server.check()
    except Exception as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {PG_URL} does not answer: {exc}")
        yield None
        return
    yield server


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres_server: TemporaryPostgres | None,
) -> Iterator[str]:
    """A freshly migrated, empty database URL of each kind."""
    from orderbridge.store.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'orderbridge.db'}"
        upgrade(url)
        yield url
        return
    if postgres_server is None:
        pytest.skip("PostgreSQL variant skipped: ORDERBRIDGE_TEST_POSTGRES_URL is not set")
    name = f"ob_test_{secrets.token_hex(4)}"
    url = postgres_server.create_database(name)
    try:
        upgrade(url)
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def secret_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
async def ctx(database_url: str, secret_key: str, tmp_path: Path) -> AsyncIterator[object]:
    """A ServiceContext on the migrated database, with fast retries for tests."""
    from orderbridge.bootstrap import build_context
    from orderbridge.config import Settings

    settings = Settings(
        database_url=database_url,
        secret_key=secret_key,
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        lease_seconds=30,
        tick_seconds=0.05,
    )
    context = build_context(settings)
    yield context
    await context.aclose()
