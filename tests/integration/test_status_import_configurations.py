"""Status-import configurations as an operator keeps them: folder, format, expected file and
schedule (interval or cron), a manual Run, update and removal, and the audit log that
records who changed what — on SQLite and PostgreSQL.

The OMS is played by writing files into real folders; the API is the real app over ASGI
with a real token, and the CLI is the real Typer app on the same database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from orderbridge.cli import app as cli_app
from orderbridge.cli import common
from orderbridge.services.connections import (
    ConnectionSpec,
    create_connection,
    create_export_target,
    update_connection,
)
from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.services.export_targets import delete_export_target, update_export_target
from orderbridge.services.queries import resolve_error
from orderbridge.services.run_schedule import next_run
from orderbridge.services.status_sources.sources import (
    create_source,
    delete_source,
    run_due_sources,
    run_source,
    source_detail,
    update_source,
)
from orderbridge.services.tokens import create_token
from orderbridge.store import status_sources as schedule
from orderbridge.store.audit_trail import SECRET_CHANGED, audit_entries
from orderbridge.store.fulfilment_tables import cancellations, status_sources
from orderbridge.store.order_writer import upsert_page
from orderbridge.store.tables import error_entries
from orderbridge.web.app import create_app
from tests.support.orders import BASE_TIME, snapshot

AMAZON_CREDENTIALS = {"client_id": "id", "client_secret": "secret", "refresh_token": "token"}
SOURCE = "oms-files"
UNSHIPPED = "303-0000002-0000002"
CANCEL = f"action,order_id,reason\ncancel,{UNSHIPPED},general\n"
WEBHOOK_SECRET = "webhook-signing-secret-6f1e"
POLL_TOKEN = "poll-bearer-token-93ad"


async def _store_order(ctx: ServiceContext) -> None:
    connection_id = await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
        ),
    )
    async with ctx.db.write() as conn:
        await upsert_page(conn, connection_id, [snapshot(UNSHIPPED)], now=BASE_TIME, actor="test")


async def _folder_source(ctx: ServiceContext, folder: Path, **options: Any) -> None:
    settings = {"folder": str(folder), "format": "csv"}
    if "expected_file" in options:
        settings["expected_file"] = options.pop("expected_file")
    await create_source(ctx, name=SOURCE, kind="folder", settings=settings, **options)


def _drop(folder: Path, name: str, content: str, *, age: float = 60) -> Path:
    """A file the OMS finished writing ``age`` seconds ago."""
    path = folder / name
    path.write_text(content)
    written = time.time() - age
    os.utime(path, (written, written))
    return path


async def _errors(ctx: ServiceContext) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        result = await conn.execute(select(error_entries).order_by(error_entries.c.id))
        return [dict(row) for row in result.mappings()]


async def _audit(ctx: ServiceContext, **filters: Any) -> list[dict[str, Any]]:
    """Oldest first, which reads like the story of the test."""
    async with ctx.db.read() as conn:
        return list(reversed(await audit_entries(conn, **filters)))


async def _cancellations(ctx: ServiceContext) -> int:
    async with ctx.db.read() as conn:
        return len((await conn.execute(select(cancellations.c.id))).all())


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "oms-status"
    folder.mkdir()
    return folder


# Missing folder, missing file


async def test_a_missing_folder_on_a_manual_run_is_one_error_entry_until_it_clears(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    missing = tmp_path / "not-mounted"
    await _folder_source(ctx, missing)

    first = await run_source(ctx, SOURCE, owner="test")
    second = await run_source(ctx, SOURCE, owner="test")

    # Every run says what is wrong; the error log says it once while it lasts.
    assert first.error == second.error
    assert first.error is not None and str(missing) in first.error
    (entry,) = await _errors(ctx)
    assert entry["operation"] == "status_import"
    assert SOURCE in entry["title"] and str(missing) in entry["title"]
    assert entry["attributes"]["folder"] == str(missing)
    assert entry["attributes"]["fix"].startswith(f"create {missing}")
    assert (await source_detail(ctx, SOURCE))["last_error"] == first.error

    missing.mkdir()
    assert (await run_source(ctx, SOURCE, owner="test")).error is None
    shutil.rmtree(missing)  # unmounted again
    await run_source(ctx, SOURCE, owner="test")

    # Cleared by the successful run, then back: a new occurrence, a new entry.
    assert len(await _errors(ctx)) == 2


async def test_a_resolved_entry_for_a_problem_that_persists_gets_a_new_one(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    await _folder_source(ctx, tmp_path / "not-mounted")
    await run_source(ctx, SOURCE, owner="test")
    (entry,) = await _errors(ctx)
    await resolve_error(ctx, entry["id"])

    await run_source(ctx, SOURCE, owner="test")

    assert [row["resolved_at"] is None for row in await _errors(ctx)] == [False, True]


async def test_a_missing_folder_on_a_scheduled_run_is_an_error_entry_naming_it(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    missing = tmp_path / "share" / "status"
    await _folder_source(ctx, missing, interval_seconds=300)

    assert await run_due_sources(ctx, owner="worker") == 1

    (entry,) = await _errors(ctx)
    assert (
        entry["title"] == f"Status source {SOURCE!r} (folder) failed: status folder {missing} "
        "does not exist: create it or correct the source's folder setting"
    )
    assert "at its next interval (300 s)" in entry["attributes"]["fix"]
    detail = await source_detail(ctx, SOURCE)
    assert detail["next_run_at"] > datetime.now(UTC) + timedelta(seconds=250)
    # Not due again yet, so a second tick does nothing.
    assert await run_due_sources(ctx, owner="worker") == 0


async def test_a_missing_expected_file_is_an_error_entry_naming_folder_and_file(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_order(ctx)
    await _folder_source(ctx, inbox, expected_file="status_*.csv", connection="amazon-de")
    other = _drop(inbox, "inventory.csv", CANCEL)

    result = await run_source(ctx, SOURCE, owner="test")
    again = await run_source(ctx, SOURCE, owner="test")

    assert result.error == f"expected status file status_*.csv not found in status folder {inbox}"
    assert again.error == result.error
    (entry,) = await _errors(ctx)
    assert str(inbox) in entry["title"] and "status_*.csv" in entry["title"]
    attributes = entry["attributes"]
    assert (attributes["folder"], attributes["expected_file"]) == (str(inbox), "status_*.csv")
    assert "check that the OMS delivered a file named status_*.csv" in attributes["fix"]
    # A file of another name is not the expected one, and is left alone.
    assert other.exists()
    assert await _cancellations(ctx) == 0


async def test_the_expected_file_present_is_processed(ctx: ServiceContext, inbox: Path) -> None:
    await _store_order(ctx)
    await _folder_source(ctx, inbox, expected_file="status_*.csv", connection="amazon-de")
    _drop(inbox, "status_20261125.csv", CANCEL)
    _drop(inbox, "inventory.csv", CANCEL)

    result = await run_source(ctx, SOURCE, owner="test")

    assert (result.error, result.files_processed, result.applied) == (None, 1, 1)
    assert (inbox / "processed" / "status_20261125.csv").exists()
    assert (inbox / "inventory.csv").exists()
    assert await _cancellations(ctx) == 1
    assert await _errors(ctx) == []


async def test_an_expected_file_still_being_written_is_no_error(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _folder_source(ctx, inbox, expected_file="status.csv")
    _drop(inbox, "status.csv", CANCEL, age=0)

    result = await run_source(ctx, SOURCE, owner="test")

    assert (result.error, result.files_processed) == (None, 0)
    assert (inbox / "status.csv").exists()


@pytest.mark.parametrize(
    "expected", ["", "sub/status.csv", ".status.csv", "status.csv.tmp", 7], ids=repr
)
async def test_an_expected_file_that_could_never_be_read_is_refused(
    ctx: ServiceContext, inbox: Path, expected: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _folder_source(ctx, inbox, expected_file=expected)
    assert refused.value.field == "settings.expected_file"


# Schedule


async def test_a_cron_schedule_sets_next_run_at(ctx: ServiceContext, inbox: Path) -> None:
    await _folder_source(ctx, inbox, cron="15 6 * * *")
    detail = await source_detail(ctx, SOURCE)

    assert detail["cron"] == "15 6 * * *"
    assert detail["next_run_at"] == next_run(None, "15 6 * * *", detail["created_at"])
    assert (detail["next_run_at"].hour, detail["next_run_at"].minute) == (6, 15)
    assert await run_due_sources(ctx, owner="worker") == 0  # not before its time

    await run_source(ctx, SOURCE, owner="test")

    ran = await source_detail(ctx, SOURCE)
    # The run's end is the source's updated_at; the next run is the cron time after it.
    assert ran["next_run_at"] == next_run(None, "15 6 * * *", ran["updated_at"])


async def test_an_interval_source_runs_at_once_then_by_its_interval(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _folder_source(ctx, inbox, interval_seconds=120)
    assert await run_due_sources(ctx, owner="worker") == 1
    detail = await source_detail(ctx, SOURCE)
    assert detail["cron"] is None
    assert detail["next_run_at"] - detail["updated_at"] == timedelta(seconds=120)


@pytest.mark.parametrize(
    ("schedule_options", "field"),
    [
        ({"cron": "every morning"}, "cron"),
        ({"cron": "61 * * * *"}, "cron"),
        ({"cron": "0 6 * * *", "interval_seconds": 60}, "cron"),
        ({"interval_seconds": 5}, "interval_seconds"),
    ],
)
async def test_a_schedule_that_cannot_work_is_refused(
    ctx: ServiceContext, inbox: Path, schedule_options: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _folder_source(ctx, inbox, **schedule_options)
    assert refused.value.field == field


# Update and remove


async def test_update_merges_settings_and_switches_the_schedule(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _store_order(ctx)
    await _folder_source(ctx, inbox)

    await update_source(
        ctx,
        SOURCE,
        {"settings": {"expected_file": "status.xml", "format": "xml"}, "connection": "amazon-de"},
    )
    changed = await source_detail(ctx, SOURCE)
    assert changed["settings"] == {
        "folder": str(inbox),
        "format": "xml",
        "expected_file": "status.xml",
    }
    assert changed["connection"] == "amazon-de"

    await update_source(ctx, SOURCE, {"cron": "*/30 * * * *"})
    by_cron = await source_detail(ctx, SOURCE)
    assert by_cron["cron"] == "*/30 * * * *"
    assert by_cron["next_run_at"].minute in (0, 30)
    assert by_cron["next_run_at"] == next_run(None, "*/30 * * * *", by_cron["updated_at"])

    await update_source(ctx, SOURCE, {"interval_seconds": 600})
    by_interval = await source_detail(ctx, SOURCE)
    assert (by_interval["cron"], by_interval["interval_seconds"]) == (None, 600)
    assert by_interval["next_run_at"] == by_interval["updated_at"] + timedelta(seconds=600)

    await update_source(ctx, SOURCE, {"settings": {"expected_file": None}, "connection": None})
    cleared = await source_detail(ctx, SOURCE)
    assert cleared["settings"] == {"folder": str(inbox), "format": "xml"}
    assert cleared["connection"] is None


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"settings": {"format": "json"}}, InvalidInput, "settings.format"),
        ({"settings": {"folder": None}}, InvalidInput, "settings.folder"),
        ({"kind": "poll"}, InvalidInput, "kind"),
        ({"cron": "0 6 * * *", "interval_seconds": 60}, InvalidInput, "cron"),
        ({"connection": "nowhere"}, NotFound, "connection"),
    ],
)
async def test_an_update_that_cannot_work_changes_nothing(
    ctx: ServiceContext,
    inbox: Path,
    changes: dict[str, Any],
    error: type[Exception],
    field: str,
) -> None:
    await _folder_source(ctx, inbox)
    before = await source_detail(ctx, SOURCE)

    with pytest.raises(error) as refused:
        await update_source(ctx, SOURCE, changes)

    assert getattr(refused.value, "field", None) == field
    assert await source_detail(ctx, SOURCE) == before
    assert [entry["action"] for entry in await _audit(ctx)] == ["create"]


async def test_a_disabled_source_is_not_run_by_the_schedule(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _folder_source(ctx, inbox)
    await update_source(ctx, SOURCE, {"enabled": False})

    assert await run_due_sources(ctx, owner="worker") == 0
    # A manual Run still works on a disabled source.
    assert (await run_source(ctx, SOURCE, owner="test")).error is None

    await update_source(ctx, SOURCE, {"enabled": True})
    enabled = await source_detail(ctx, SOURCE)
    assert enabled["enabled"] is True
    assert enabled["next_run_at"] == enabled["updated_at"] + timedelta(seconds=60)


async def test_remove_deletes_the_source_but_not_a_running_one(
    ctx: ServiceContext, inbox: Path
) -> None:
    await _folder_source(ctx, inbox)
    async with ctx.db.write() as conn:
        source_id = (await conn.execute(select(status_sources.c.id))).scalar_one()
        await schedule.try_lease(
            conn, source_id, owner="worker-1", now=ctx.clock(), lease=timedelta(seconds=30)
        )

    with pytest.raises(Conflict, match="is running now"):
        await delete_source(ctx, SOURCE)

    async with ctx.db.write() as conn:
        await conn.execute(update(status_sources).values(lease_until=None, lease_owner=None))
    await delete_source(ctx, SOURCE)

    with pytest.raises(NotFound):
        await source_detail(ctx, SOURCE)
    with pytest.raises(NotFound):
        await delete_source(ctx, SOURCE)


# Audit log


async def test_status_source_create_update_run_delete_are_audited(
    ctx: ServiceContext, inbox: Path
) -> None:
    await create_source(
        ctx,
        name="oms-feed",
        kind="poll",
        settings={"url": "http://127.0.0.1:9/status-updates"},
        secret=POLL_TOKEN,
        actor="api:ops",
    )
    await _folder_source(ctx, inbox, actor="cli")
    await update_source(
        ctx, SOURCE, {"interval_seconds": 300, "settings": {"format": "auto"}}, actor="cli"
    )
    await update_source(ctx, SOURCE, {"interval_seconds": 300}, actor="cli")  # no change
    await update_source(ctx, "oms-feed", {"secret": "a-new-token-5c1"}, actor="api:ops")
    await run_source(ctx, SOURCE, owner="cli", actor="cli")
    await run_due_sources(ctx, owner="worker")  # the scheduler's runs are not audited
    await delete_source(ctx, SOURCE, actor="api:ops")

    entries = await _audit(ctx, subject_kind="status_source")

    assert [(e["actor"], e["action"], e["subject_name"]) for e in entries] == [
        ("api:ops", "create", "oms-feed"),
        ("cli", "create", SOURCE),
        ("cli", "update", SOURCE),
        ("api:ops", "update", "oms-feed"),
        ("cli", "run", SOURCE),
        ("api:ops", "delete", SOURCE),
    ]
    created_feed, created, changed, new_token, ran, deleted = (e["changes"] for e in entries)
    assert created_feed["secret"] == SECRET_CHANGED
    assert created == {
        "kind": "folder",
        "settings": {"folder": str(inbox), "format": "csv"},
        "connection": None,
        "enabled": True,
        "interval_seconds": 60,
        "cron": None,
    }
    assert changed == {
        "interval_seconds": {"old": 60, "new": 300},
        "settings": {
            "old": {"folder": str(inbox), "format": "csv"},
            "new": {"folder": str(inbox), "format": "auto"},
        },
    }
    assert new_token == {"secret": SECRET_CHANGED}
    assert ran == {
        "applied": 0,
        "failed": 0,
        "files_processed": 0,
        "files_failed": 0,
        "error": None,
    }
    assert deleted["settings"] == {"folder": str(inbox), "format": "auto"}
    assert deleted["interval_seconds"] == 300
    assert all(e["at"].tzinfo is not None for e in entries)
    text = repr(entries)
    assert POLL_TOKEN not in text and "a-new-token-5c1" not in text


async def test_connection_and_export_target_changes_are_audited(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    await create_export_target(
        ctx,
        name="oms",
        kind="webhook",
        settings={"url": "https://oms.example.com/orders"},
        secret=WEBHOOK_SECRET,
        actor="cli",
    )
    await create_export_target(
        ctx,
        name="files",
        kind="file",
        settings={"folder": str(tmp_path)},
        secret=None,
        actor="cli",
    )
    await create_connection(
        ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=AMAZON_CREDENTIALS,
            options={"marketplace_ids": ["A1PA6795UKMFR9"]},
            export_target="oms",
        ),
        actor="api:ops",
    )
    await update_connection(
        ctx,
        "amazon-de",
        {
            "import_interval_seconds": 900,
            "export_target": "files",
            "credentials": {"refresh_token": "new-refresh-token-77"},
        },
        actor="api:ops",
    )
    await update_connection(ctx, "amazon-de", {"import_interval_seconds": 900}, actor="cli")
    await update_export_target(ctx, "oms", secret="another-secret-41", actor="cli")
    await update_export_target(ctx, "oms", settings={"timeout_seconds": 20}, actor="cli")
    await delete_export_target(ctx, "oms", actor="api:ops")

    connection = await _audit(ctx, subject_kind="connection")
    assert [(e["actor"], e["action"]) for e in connection] == [
        ("api:ops", "create"),
        ("api:ops", "update"),
    ]
    assert connection[0]["changes"]["export_target"] == "oms"
    assert connection[0]["changes"]["credentials"] == SECRET_CHANGED
    assert connection[1]["changes"] == {
        "import_interval_seconds": {"old": 300, "new": 900},
        "export_target": {"old": "oms", "new": "files"},
        "credentials": SECRET_CHANGED,
    }
    target = await _audit(ctx, subject_kind="export_target", subject_name="oms")
    assert [(e["actor"], e["action"]) for e in target] == [
        ("cli", "create"),
        ("cli", "update"),
        ("cli", "update"),
        ("api:ops", "delete"),
    ]
    assert target[0]["changes"]["secret"] == SECRET_CHANGED
    assert target[1]["changes"] == {"secret": SECRET_CHANGED}
    assert target[2]["changes"]["settings"]["new"]["timeout_seconds"] == 20
    text = repr(await _audit(ctx))
    for secret in (WEBHOOK_SECRET, "another-secret-41", "new-refresh-token-77", "token"):
        assert f"'{secret}'" not in text


# The actor from the API and the CLI


@pytest.fixture
async def api(ctx: ServiceContext) -> AsyncIterator[httpx.AsyncClient]:
    token = await create_token(ctx, "ops-team")
    app = create_app(ctx, run_embedded_runner=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://orderbridge.test",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


@pytest.fixture
def cli(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ORDERBRIDGE_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("ORDERBRIDGE_SECRET_KEY", ctx.settings.secret_key)
    monkeypatch.setenv("ORDERBRIDGE_LOG_LEVEL", "WARNING")
    # Wide enough that no table cell is wrapped in the middle of what a test looks for.
    monkeypatch.setattr(common.console, "width", 240)
    return CliRunner()


async def _cli(runner: CliRunner, *args: str) -> str:
    # The CLI runs its own event loop, so it runs beside this test's loop, not in it.
    result = await asyncio.to_thread(runner.invoke, cli_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def test_the_api_and_the_cli_are_named_as_actors(
    ctx: ServiceContext, api: httpx.AsyncClient, cli: CliRunner, inbox: Path, tmp_path: Path
) -> None:
    created = await api.post(
        "/api/v1/status-sources",
        json={"name": SOURCE, "kind": "folder", "settings": {"folder": str(inbox)}},
    )
    assert created.status_code == 201, created.text
    await _cli(cli, "status-sources", "update", SOURCE, "--cron", "0 5 * * *")
    await _cli(cli, "status-sources", "update", SOURCE, "--expected-file", "status.csv")
    assert (await api.post(f"/api/v1/status-sources/{SOURCE}/run")).status_code == 200
    await _cli(cli, "status-sources", "disable", SOURCE)
    await _cli(cli, "targets", "add", "files", "--kind", "file", "--folder", str(tmp_path))
    changed = await api.patch("/api/v1/export-targets/files", json={"settings": {"format": "csv"}})
    assert changed.status_code == 200, changed.text
    await _cli(
        cli,
        "connections",
        "add",
        "amazon-de",
        "--channel",
        "amazon",
        "-c",
        "client_id=id",
        "-c",
        "client_secret=secret",
        "-c",
        "refresh_token=token",
        "-o",
        'marketplace_ids=["A1PA6795UKMFR9"]',
    )
    disabled = await api.post("/api/v1/connections/amazon-de/disable")
    assert disabled.status_code == 200, disabled.text
    await _cli(cli, "status-sources", "remove", SOURCE)

    entries = await _audit(ctx)

    assert [(e["actor"], e["action"], e["subject_kind"]) for e in entries] == [
        ("api:ops-team", "create", "status_source"),
        ("cli", "update", "status_source"),
        ("cli", "update", "status_source"),
        ("api:ops-team", "run", "status_source"),
        ("cli", "update", "status_source"),
        ("cli", "create", "export_target"),
        ("api:ops-team", "update", "export_target"),
        ("cli", "create", "connection"),
        ("api:ops-team", "update", "connection"),
        ("cli", "delete", "status_source"),
    ]
    assert entries[1]["changes"]["cron"] == {"old": None, "new": "0 5 * * *"}
    assert entries[3]["changes"]["error"] == (
        f"expected status file status.csv not found in status folder {inbox}"
    )
    assert entries[8]["changes"] == {"import_enabled": {"old": True, "new": False}}

    shown = await _cli(cli, "audit", "--kind", "status_source", "--limit", "3")
    assert "delete" in shown and "status_source oms-files" in shown
    assert "older entries: orderbridge audit --before" in shown
