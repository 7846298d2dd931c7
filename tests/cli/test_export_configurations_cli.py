"""``orderbridge export-configs``: add, list, show, update, run with its summary, list what
one exported, retry, and remove — as an operator types them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from orderbridge.bootstrap import build_context
from orderbridge.cli import app
from orderbridge.config import Settings
from orderbridge.domain.states import OrderStatus
from orderbridge.services.connections import ConnectionSpec, create_connection
from orderbridge.store.migrate import upgrade
from orderbridge.work.drain import drain_outbox
from tests.api.orders_data import AMAZON_CREDENTIALS, AMAZON_OPTIONS, T0, snapshot, store_orders


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("ORDERBRIDGE_DATABASE_URL", url)
    monkeypatch.setenv("ORDERBRIDGE_SECRET_KEY", key)
    monkeypatch.setenv("ORDERBRIDGE_LOG_LEVEL", "WARNING")
    yield Settings(database_url=url, secret_key=key)


def _ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _orders(settings: Settings) -> dict[str, int]:
    """Connection "de" with four orders, one of them awaiting payment."""

    async def work() -> dict[str, int]:
        ctx = build_context(settings)
        try:
            spec = ConnectionSpec(
                name="de", channel="amazon", credentials=AMAZON_CREDENTIALS, options=AMAZON_OPTIONS
            )
            connection_id = await create_connection(ctx, spec)
            return await store_orders(
                ctx,
                connection_id,
                [
                    snapshot("cli-1", T0, sku="ACME-1"),
                    snapshot("cli-2", T0, sku="ACME-2"),
                    snapshot("cli-3", T0, sku="OTHER-3"),
                    snapshot("cli-4", T0, sku="ACME-4", status=OrderStatus.PENDING),
                ],
            )
        finally:
            await ctx.aclose()

    return asyncio.run(work())


def _deliver(settings: Settings) -> None:
    async def work() -> None:
        ctx = build_context(settings)
        try:
            await drain_outbox(ctx, owner="tests", batch=10, concurrency=2)
        finally:
            await ctx.aclose()

    asyncio.run(work())


def test_configure_run_and_remove(database: Settings, tmp_path: Path) -> None:
    ids = _orders(database)
    out = tmp_path / "acme"
    out.mkdir()
    _ok("targets", "add", "acme-files", "--kind", "file", "--folder", str(out))

    added = _ok(
        "export-configs",
        "add",
        "acme",
        "--target",
        "acme-files",
        "--description",
        "ACME articles for the supplier",
        "--sku-pattern",
        "ACME-*",
        "--country",
        "de",
        "--amount-min",
        "10.00",
        "--no-update-status",
        "--cron",
        "0 6 * * *",
    )
    assert "export configuration acme added" in added
    listed = _ok("export-configs", "list")
    assert "acme-files" in listed and "cron 0 6 * * *" in listed and "never" in listed
    shown = json.loads(_ok("export-configs", "show", "acme"))
    assert shown["type"] == "file"
    assert shown["conditions"] == {
        "shipping_countries": ["DE"],
        "amount_min": "10.00",
        "sku_pattern": "ACME-*",
    }
    assert shown["update_status"] is False

    ran = _ok("export-configs", "run", "acme")
    assert "scheduling" in ran
    assert "matched" in ran and "│ 3" in ran
    assert "scheduled" in ran and "│ 2" in ran
    assert "skipped: awaiting payment" in ran

    refused = CliRunner().invoke(app, ["export-configs", "remove", "acme"])
    assert refused.exit_code == 1
    assert "2 export(s) waiting" in refused.output

    _deliver(database)
    assert sorted(path.name for path in out.iterdir()) == [
        "order-de-cli-1.json",
        "order-de-cli-2.json",
    ]
    exported = _ok("export-configs", "exports", "acme", "--status", "exported", "--limit", "1")
    assert "exported" in exported and "next page: --cursor" in exported
    every = _ok("export-configs", "exports", "acme", "--status", "exported")
    assert "cli-1" in every and "cli-2" in every
    assert "cli-3" not in every  # its SKU does not match

    _ok("export-configs", "update", "acme", "--clear", "sku_pattern", "--interval", "600")
    shown = json.loads(_ok("export-configs", "show", "acme"))
    assert shown["conditions"] == {"shipping_countries": ["DE"], "amount_min": "10.00"}
    assert (shown["interval_seconds"], shown["cron"]) == (600, None)
    again = _ok("export-configs", "run", "acme")
    assert "skipped: already exported by this configuration" in again

    not_failed = CliRunner().invoke(app, ["export-configs", "retry", "acme", str(ids["cli-1"])])
    assert not_failed.exit_code == 1
    assert "only a failed export" in " ".join(not_failed.output.split())

    _deliver(database)
    assert "removed" in _ok("export-configs", "remove", "acme")
    assert "acme" not in _ok("export-configs", "list")
    audit = _ok("audit", "--kind", "export_configuration", "--limit", "20")
    assert [line.split("│")[4].strip() for line in audit.splitlines() if "│ cli" in line] == [
        "delete",
        "run",
        "update",
        "run",
        "create",
    ]


def test_mistakes_are_named(database: Settings) -> None:
    _orders(database)
    runner = CliRunner()
    no_target = runner.invoke(
        app, ["export-configs", "add", "x", "--target", "nowhere", "--interval", "60"]
    )
    assert no_target.exit_code == 1
    assert "(target)" in no_target.output and "does not exist" in no_target.output
    _ok("targets", "add", "t", "--kind", "file", "--folder", "/tmp")
    bad_country = runner.invoke(
        app, ["export-configs", "add", "x", "--target", "t", "--interval", "60", "--country", "UK"]
    )
    assert bad_country.exit_code == 1
    assert "conditions.shipping_countries" in bad_country.output and "GB" in bad_country.output
    no_schedule = runner.invoke(app, ["export-configs", "add", "x", "--target", "t"])
    assert no_schedule.exit_code == 1 and "interval_seconds or cron" in no_schedule.output
    unknown = runner.invoke(app, ["export-configs", "run", "ghost"])
    assert unknown.exit_code == 1 and "'ghost' does not exist" in unknown.output
    bad_clear = runner.invoke(app, ["export-configs", "update", "ghost", "--clear", "colour"])
    assert bad_clear.exit_code == 2
