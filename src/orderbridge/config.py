"""Settings from the environment (prefix ``ORDERBRIDGE_``); the database URL picks the mode.

``sqlite+aiosqlite://`` → embedded (one process, in-process runner);
``postgresql+psycopg://`` → distributed (``orderbridge worker`` processes via procrastinate).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERBRIDGE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/orderbridge.db"
    environment: Environment = Environment.DEVELOPMENT
    # Fernet key for credentials and target secrets. Required in production; in development
    # a key is generated once into ``secret_key_file`` so a restart can still decrypt.
    secret_key: str | None = None
    secret_key_file: Path = Path("var/secret.key")

    host: str = "127.0.0.1"
    port: int = 8080
    log_level: str = "INFO"
    log_json: bool = True

    # Work runner
    runner_concurrency: int = Field(default=4, ge=1)
    tick_seconds: float = Field(default=1.0, gt=0)
    lease_seconds: int = Field(default=120, ge=5)
    export_max_attempts: int = Field(default=8, ge=1)
    retry_base_seconds: float = Field(default=10.0, ge=0)
    retry_max_seconds: float = Field(default=3600.0, ge=0)
    # How far back the first import of a new connection reads.
    initial_import_days: int = Field(default=30, ge=1)
    # Quarantined orders re-fetched per run, so a pile of bad orders cannot eat the budget.
    import_retries_per_run: int = Field(default=50, ge=0)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def get_settings() -> Settings:
    return Settings()
