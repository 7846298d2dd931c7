"""Creating and dropping throw-away PostgreSQL databases for tests and benchmarks."""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import make_url


class TemporaryPostgres:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)

    def _admin(self) -> psycopg.Connection:
        admin = self.url.set(drivername="postgresql", database="postgres")
        return psycopg.connect(
            admin.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
        )

    def check(self) -> None:
        with self._admin() as conn:
            conn.execute("SELECT 1")

    def create_database(self, name: str) -> str:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
