"""What the benchmarks share: throw-away databases, a simulator process, and an RSS sampler."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import psycopg
from sqlalchemy.engine import make_url

from orderbridge.store.migrate import upgrade as _upgrade


def upgrade(url: str) -> None:
    # Alembic runs an event loop of its own; from inside the benchmark's loop it needs a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_upgrade, url).result()


@contextmanager
def fresh_database(kind: str, postgres_url: str | None) -> Iterator[str]:
    """A migrated, empty database of ``kind`` ("sqlite" or "postgres"), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ob-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    if not postgres_url:
        raise SystemExit("postgres needs --postgres-url or ORDERBRIDGE_TEST_POSTGRES_URL")
    base = make_url(postgres_url)
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    name = f"ob_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class SimulatorProcess:
    url: str
    marketplaces: tuple[str, ...]


@contextmanager
def amazon_simulator(
    orders_per_marketplace: int, marketplaces: tuple[str, ...], seed: int = 1, speed: float = 0
) -> Iterator[SimulatorProcess]:
    """The Amazon simulator in its own process (its memory is not the hub's); ``speed`` 0 turns
    throttling off, 1 is Amazon's published usage plans."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orderbridge.sandbox.amazon",
            "--port",
            str(port),
            "--orders",
            str(orders_per_marketplace),
            "--seed",
            str(seed),
            "--speed",
            str(speed),
            "--marketplaces",
            ",".join(marketplaces),
            "--log-level",
            "warning",
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/_sandbox/stats", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the Amazon simulator did not start") from None
                time.sleep(0.2)
        yield SimulatorProcess(url, marketplaces)
    finally:
        process.terminate()
        process.wait(timeout=20)


@dataclass
class RssSampler:
    """Peak resident memory of this process while a phase runs (sampled every 20 ms)."""

    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def measuring(self) -> Iterator[RssSampler]:
        process = psutil.Process()
        self.peak = process.memory_info().rss

        def sample() -> None:
            while not self._stop.wait(0.02):
                self.peak = max(self.peak, process.memory_info().rss)

        thread = threading.Thread(target=sample, daemon=True)
        self._stop.clear()
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.peak = max(self.peak, process.memory_info().rss)


def mib(value: int) -> str:
    return f"{value / 2**20:,.0f} MiB"
