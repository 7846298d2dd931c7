"""The CLI as an operator uses it: set up, import with progress, list, export, read errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from orderbridge.cli import app
from orderbridge.sandbox.amazon import AmazonSimulatorSettings, create_app
from orderbridge.sandbox.oms import create_app as oms_app
from orderbridge.store.migrate import upgrade
from tests.support.servers import serving

SIM = AmazonSimulatorSettings(
    seed=3,
    speed_factor=None,
    marketplace_ids=("A1PA6795UKMFR9",),
    initial_orders_per_marketplace=30,
)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("ORDERBRIDGE_DATABASE_URL", url)
    monkeypatch.setenv("ORDERBRIDGE_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("ORDERBRIDGE_LOG_LEVEL", "WARNING")
    yield CliRunner()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_set_up_import_list_and_export(cli: CliRunner) -> None:
    with serving(create_app(SIM)) as amazon, serving(oms_app("cli-secret")) as oms:
        _ok(
            cli,
            "targets",
            "add",
            "oms",
            "--kind",
            "webhook",
            "--url",
            f"{oms}/webhooks/orders",
            "--secret",
            "cli-secret",
        )
        _ok(
            cli,
            "connections",
            "add",
            "amazon-de",
            "--channel",
            "amazon",
            "-c",
            f"client_id={SIM.client_id}",
            "-c",
            f"client_secret={SIM.client_secret}",
            "-c",
            f"refresh_token={SIM.refresh_token}",
            "-o",
            'marketplace_ids=["A1PA6795UKMFR9"]',
            "-o",
            f"base_url={amazon}",
            "-o",
            f"token_url={amazon}/auth/o2/token",
            "-o",
            "rate_limit_scale=1000",
            "--export-target",
            "oms",
            "--no-auto-export",
        )
        listed = _ok(cli, "connections", "list")
        # Neither orders nor returns were imported yet.
        assert "amazon-de" in listed and listed.count("never") == 2
        shown = _ok(cli, "connections", "show", "amazon-de")
        assert SIM.refresh_token not in shown and "client_secret" not in shown

        imported = _ok(cli, "import", "orders", "--connection", "amazon-de")
        assert re.search(r"amazon-de\s+│\s+succeeded\s+│\s+\d+\s+│\s+30\s+│\s+30", imported)
        assert _ok(cli, "connections", "list").count("never") == 1  # returns still to come
        returned = _ok(cli, "import", "returns", "--connection", "amazon-de")
        assert re.search(r"amazon-de\s+│\s+succeeded", returned)
        assert "never" not in _ok(cli, "connections", "list")

        orders = _ok(cli, "orders", "list", "--limit", "5")
        assert "next page: --cursor" in orders
        ids = re.findall(r"^│\s+(\d+)\s+│", orders, flags=re.MULTILINE)
        assert len(ids) == 5

        exported = cli.invoke(app, ["export", "orders", ids[0], "999999"])
        assert exported.exit_code == 1  # one refused: the whole answer is not a success
        assert "order does not exist" in exported.output
        assert "scheduled" in exported.output

        queued = _ok(cli, "exports", "list")
        assert "pending" in queued


def test_errors_are_clear_and_exit_non_zero(cli: CliRunner) -> None:
    unknown = cli.invoke(app, ["import", "orders", "--connection", "nope"])
    assert unknown.exit_code == 1
    assert "no connection named nope" in unknown.output
    both = cli.invoke(app, ["import", "orders"])
    assert both.exit_code == 2 and "--all" in both.output
    short = cli.invoke(
        app, ["connections", "add", "x", "--channel", "amazon", "-c", "a=b", "--interval", "5"]
    )
    assert short.exit_code == 1
    assert "minimum of 30s" in short.output
    empty_log = _ok(cli, "errors", "list")
    assert "operation" in empty_log and "title" in empty_log


def test_tokens_are_shown_once_and_listed_by_prefix(cli: CliRunner) -> None:
    token = _ok(cli, "tokens", "create", "ops").strip()
    assert token.startswith("obt_")
    listed = _ok(cli, "tokens", "list")
    assert "ops" in listed and token not in listed and token[:12] in listed
