"""The CONNECTIONS tab over HTTP: the list with import health and rate-limit state, adding
and editing (admins only, audited as ui:<name>), write-only credentials, messages beside
the fields, testing a connection, and import on or off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select, update

from orderbridge.sandbox.amazon import AmazonSimulatorSettings
from orderbridge.sandbox.amazon import create_app as amazon_app
from orderbridge.services.connections import (
    ConnectionSpec,
    connection_row,
    connector_for,
    create_connection,
    create_export_target,
)
from orderbridge.services.queries import connection_detail
from orderbridge.services.queries.audit_log import list_audit_entries
from orderbridge.store.dialect_insert import insert_for
from orderbridge.store.tables import connections, import_feeds, rate_budgets
from tests.support.servers import serving
from tests.web.conftest import Admin, csrf_of

SECRETS = {
    "client_id": "amzn1.application-oa2-client.ui-test-4471",
    "client_secret": "amzn1.oa2-cs.v1.ui-test-secret-9083",
    "refresh_token": "Atzr|ui-test-refresh-token-2261",
}
NEW_SECRET = "amzn1.oa2-cs.v1.rotated-secret-6620"


@pytest.fixture
def amazon() -> Iterator[tuple[str, AmazonSimulatorSettings]]:
    settings = AmazonSimulatorSettings(seed=3, speed_factor=None, initial_orders_per_marketplace=1)
    with serving(amazon_app(settings)) as url:
        yield url, settings


def _form(csrf: str, **overrides: Any) -> dict[str, Any]:
    """A complete add form for an Amazon connection, as a browser posts it."""
    form: dict[str, Any] = {
        "csrf_token": csrf,
        "channel": "amazon",
        "name": "amazon-fr",
        "credential.client_id": SECRETS["client_id"],
        "credential.client_secret": SECRETS["client_secret"],
        "credential.refresh_token": SECRETS["refresh_token"],
        "options": 'marketplace_ids=["A13V1IB3VIYZZH"]\nbase_url=http://127.0.0.1:9',
        "import_enabled": "1",
        "import_interval_seconds": "300",
        "overlap_seconds": "600",
        "tracking_wait_seconds": "10800",
        "late_warning_seconds": "86400",
        "auto_export": "1",
        "export_target": "files",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


async def _setup(admin: Admin, base_url: str = "http://127.0.0.1:9") -> int:
    await create_export_target(
        admin.ctx, name="files", kind="file", settings={"folder": "/tmp"}, secret=None
    )
    return await create_connection(
        admin.ctx,
        ConnectionSpec(
            name="amazon-de",
            channel="amazon",
            credentials=dict(SECRETS),
            options={
                "marketplace_ids": ["A1PA6795UKMFR9"],
                "base_url": base_url,
                "token_url": f"{base_url}/auth/o2/token",
            },
            export_target="files",
        ),
    )


def _no_secret_in(page: str) -> None:
    for value in (*SECRETS.values(), NEW_SECRET):
        assert value not in page


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert found, f"no message beside {field}"
    return found.group(1)


async def test_the_list_shows_import_health_and_the_rate_limit_state(admin: Admin) -> None:
    connection_id = await _setup(admin)
    now = admin.ctx.clock()
    async with admin.ctx.db.write() as conn:
        await conn.execute(
            update(import_feeds).values(
                last_success_at=now - timedelta(minutes=5),
                last_error="throttled: searchOrders answered 429",
                blocked_until=now + timedelta(minutes=10),
            )
        )
    async with admin.client("vera") as browser:
        page = (await browser.get("/connections")).text
    assert f'<a href="/connections/{connection_id}">amazon-de</a>' in page
    assert "<td>amazon</td>" in page and "300 s (5 min)" in page
    assert "throttled: searchOrders answered 429" in page
    assert "imports wait" in page and "(the marketplace answered 429)" in page
    assert '<button type="button" disabled aria-describedby="why-not">Add connection' in page
    _no_secret_in(page)


async def test_the_rate_limits_of_a_connection_and_what_they_mean(admin: Admin) -> None:
    connection_id = await _setup(admin)
    ctx = admin.ctx
    if ctx.db.is_sqlite:
        # Embedded mode: this process's own buckets are the truth.
        connector = await connector_for(ctx, await connection_row(ctx, connection_id))
        connector.limiter.throttled("searchOrders", 600)  # type: ignore[attr-defined]
    else:
        async with ctx.db.write() as conn:
            await conn.execute(
                insert_for(conn, rate_budgets).values(
                    connection_id=connection_id,
                    operation="searchOrders",
                    tokens=0.0,
                    updated_at=ctx.clock(),
                    blocked_until=ctx.clock() + timedelta(minutes=10),
                )
            )
    async with admin.client("vera") as browser:
        detail = (await browser.get(f"/connections/{connection_id}")).text
        listing = (await browser.get("/connections")).text
    mode = "Embedded mode" if ctx.db.is_sqlite else "Distributed mode"
    assert mode in detail
    assert "No import is waiting for the marketplace" in detail
    row = detail.split('<th scope="row">searchOrders</th>')[1].split("</tr>")[0]
    assert "1 call every 3 min" in row and ">20<" in row and "429" in row
    assert '<th scope="row">getOrder</th>' in detail
    assert "searchOrders</span> waits until" in listing
    _no_secret_in(detail)


async def test_an_admin_adds_a_connection_and_its_credentials_never_show(admin: Admin) -> None:
    await _setup(admin)
    async with admin.client("ada") as browser:
        form_page = await browser.get("/connections/new", params={"channel": "amazon"})
        assert form_page.status_code == 200
        for key in SECRETS:
            assert f'type="password" id="credential-{key}" name="credential.{key}" value=""' in (
                form_page.text
            )
        added = await browser.post("/connections/new", data=_form(csrf_of(form_page.text)))
        assert added.status_code == 303, added.text
        location = added.headers["location"]
        detail = await browser.get(location)
        assert "Connection amazon-fr added." in detail.text
        connection_id = int(location.split("/")[2].split("?")[0])
        pages = [
            detail.text,
            (await browser.get("/connections")).text,
            (await browser.get(f"/connections/{connection_id}/edit")).text,
        ]
    for page in pages:
        _no_secret_in(page)
    view = await connection_detail(admin.ctx, "amazon-fr")
    assert view.options["marketplace_ids"] == ["A13V1IB3VIYZZH"]
    assert view.export_target == "files" and view.import_interval_seconds == 300
    audit = await list_audit_entries(admin.ctx, subject_kind="connection", subject_name="amazon-fr")
    assert [(e.actor, e.action) for e in audit.items] == [("ui:ada", "create")]
    assert audit.items[0].changes["credentials"] == "(changed)"


async def test_mistakes_are_shown_beside_their_fields_with_the_values_kept(admin: Admin) -> None:
    await _setup(admin)
    async with admin.client("ada") as browser:
        csrf = csrf_of((await browser.get("/connections/new")).text)

        async def refused(**overrides: Any) -> str:
            answer = await browser.post("/connections/new", data=_form(csrf, **overrides))
            assert answer.status_code == 422
            _no_secret_in(answer.text)
            assert 'role="alert"' in answer.text
            return answer.text

        page = await refused(options="marketplace_ids=[broken", name="amazon-it")
        # Not JSON, so read as text; Amazon's check refuses a text where a list belongs.
        assert "option &#39;marketplace_ids&#39; must be a list" in _field_error(page, "options")
        assert 'aria-invalid="true"' in page.split('id="options"')[1].split(">")[0]
        assert 'value="amazon-it"' in page and "marketplace_ids=[broken</textarea>" in page
        page = await refused(options='{"marketplace_ids": ')
        assert "the options are not valid JSON" in _field_error(page, "options")
        page = await refused(import_interval_seconds="10")
        assert "below the minimum of 30s" in _field_error(page, "import_interval_seconds")
        page = await refused(overlap_seconds="ten")
        assert _field_error(page, "overlap_seconds") == "Enter a whole number of seconds."
        page = await refused(**{"credential.refresh_token": ""})
        assert "credential &#39;refresh_token&#39; is missing" in _field_error(page, "credentials")
        page = await refused(name="amazon-de")
        assert "exists already" in _field_error(page, "name")
        page = await refused(name="no spaces/here")
        assert "letters, digits" in _field_error(page, "name")
        page = await refused(export_target="nowhere")
        assert "does not exist" in _field_error(page, "export_target")
    async with admin.ctx.db.read() as conn:
        names = (await conn.execute(select(connections.c.name))).scalars().all()
    assert names == ["amazon-de"]


async def test_an_admin_edits_a_connection_and_the_audit_log_names_her(admin: Admin) -> None:
    connection_id = await _setup(admin)
    async with admin.client("ada") as browser:
        edit = await browser.get(f"/connections/{connection_id}/edit")
        assert 'value="300"' in edit.text and "marketplace_ids=" in edit.text
        _no_secret_in(edit.text)
        form = _form(
            csrf_of(edit.text),
            name=None,
            options=unescape(
                edit.text.split('name="options"')[1].split(">", 1)[1].split("</textarea>")[0]
            ),
            import_enabled=None,
            import_interval_seconds="900",
            **{f"credential.{key}": "" for key in SECRETS},
        )
        saved = await browser.post(f"/connections/{connection_id}/edit", data=form)
        assert saved.status_code == 303, saved.text
        listing = (await browser.get("/connections")).text
    assert "900 s (15 min)" in listing
    view = await connection_detail(admin.ctx, connection_id)
    assert view.import_interval_seconds == 900 and not view.import_enabled
    # Credentials left empty are kept as they were.
    row = await connection_row(admin.ctx, connection_id)
    assert admin.ctx.box.decrypt_json(row["credentials_encrypted"]) == SECRETS
    audit = await list_audit_entries(admin.ctx, subject_kind="connection", subject_name="amazon-de")
    latest = audit.items[0]
    assert (latest.actor, latest.action) == ("ui:ada", "update")
    assert latest.changes == {
        "import_enabled": {"old": True, "new": False},
        "import_interval_seconds": {"old": 300, "new": 900},
    }


async def test_a_new_credential_replaces_only_its_own_and_is_audited_as_changed(
    admin: Admin,
) -> None:
    connection_id = await _setup(admin)
    async with admin.client("ada") as browser:
        edit = await browser.get(f"/connections/{connection_id}/edit")
        form = _form(
            csrf_of(edit.text),
            name=None,
            options='marketplace_ids=["A1PA6795UKMFR9"]\nbase_url=http://127.0.0.1:9',
            **{"credential.client_id": "", "credential.refresh_token": ""},
            **{"credential.client_secret": NEW_SECRET},
        )
        saved = await browser.post(f"/connections/{connection_id}/edit", data=form)
        assert saved.status_code == 303, saved.text
        _no_secret_in((await browser.get(saved.headers["location"])).text)
    row = await connection_row(admin.ctx, connection_id)
    assert admin.ctx.box.decrypt_json(row["credentials_encrypted"]) == {
        **SECRETS,
        "client_secret": NEW_SECRET,
    }
    # The token URL line was removed: it is sent as null, which means the default.
    assert row["options"]["token_url"] is None
    audit = await list_audit_entries(admin.ctx, subject_kind="connection", subject_name="amazon-de")
    assert audit.items[0].changes["credentials"] == "(changed)"
    assert NEW_SECRET not in str(audit.items[0].changes)


async def test_test_connection_says_ok_or_the_reason(
    admin: Admin, amazon: tuple[str, AmazonSimulatorSettings]
) -> None:
    url, settings = amazon
    bad = await _setup(admin, url)
    good = await create_connection(
        admin.ctx,
        ConnectionSpec(
            name="amazon-good",
            channel="amazon",
            credentials={
                "client_id": settings.client_id,
                "client_secret": settings.client_secret,
                "refresh_token": settings.refresh_token,
            },
            options={
                "marketplace_ids": ["A1PA6795UKMFR9"],
                "base_url": url,
                "token_url": f"{url}/auth/o2/token",
            },
        ),
    )
    async with admin.client("otto") as browser:
        page = await browser.get(f"/connections/{good}")
        csrf = csrf_of(page.text)
        ok = await browser.post(f"/connections/{good}/test", data={"csrf_token": csrf})
        assert "Test connection: ok" in (await browser.get(ok.headers["location"])).text
        failed = await browser.post(f"/connections/{bad}/test", data={"csrf_token": csrf})
        shown = (await browser.get(failed.headers["location"])).text
    assert "Test connection failed — configuration: client id or client secret rejected" in shown
    _no_secret_in(shown)


async def test_an_admin_turns_import_off_and_on(admin: Admin) -> None:
    connection_id = await _setup(admin)
    async with admin.client("ada") as browser:
        page = await browser.get(f"/connections/{connection_id}")
        csrf = csrf_of(page.text)
        off = await browser.post(f"/connections/{connection_id}/disable", data={"csrf_token": csrf})
        shown = (await browser.get(off.headers["location"])).text
        assert "Import turned off." in shown and "Turn import on" in shown
        assert not (await connection_detail(admin.ctx, connection_id)).import_enabled
        await browser.post(f"/connections/{connection_id}/enable", data={"csrf_token": csrf})
    assert (await connection_detail(admin.ctx, connection_id)).import_enabled
    audit = await list_audit_entries(admin.ctx, subject_kind="connection", subject_name="amazon-de")
    assert [e.changes for e in audit.items[:2]] == [
        {"import_enabled": {"old": False, "new": True}},
        {"import_enabled": {"old": True, "new": False}},
    ]


async def test_operators_and_viewers_may_look_but_not_change(admin: Admin) -> None:
    connection_id = await _setup(admin)
    async with admin.client("vera") as browser:
        page = await browser.get(f"/connections/{connection_id}")
        assert page.status_code == 200
        assert 'disabled aria-describedby="why-not-admin">Edit' in page.text
        assert 'disabled aria-describedby="why-not-operate">Test connection' in page.text
        assert 'disabled aria-describedby="why-not-admin">Turn import off' in page.text
        refused = await browser.post(
            f"/connections/{connection_id}/test", data={"csrf_token": csrf_of(page.text)}
        )
        assert refused.status_code == 403
    async with admin.client("otto") as browser:
        page = await browser.get(f"/connections/{connection_id}")
        csrf = csrf_of(page.text)
        assert (await browser.get("/connections/new")).status_code == 403
        assert (await browser.get(f"/connections/{connection_id}/edit")).status_code == 403
        for action in ("edit", "disable"):
            refused = await browser.post(
                f"/connections/{connection_id}/{action}",
                data=_form(csrf, import_interval_seconds="60"),
            )
            assert refused.status_code == 403
            assert "may not change connections or users" in refused.text
        refused = await browser.post("/connections/new", data=_form(csrf))
        assert refused.status_code == 403
    view = await connection_detail(admin.ctx, connection_id)
    assert view.import_enabled and view.import_interval_seconds == 300


async def test_a_form_without_the_sessions_csrf_token_is_refused(admin: Admin) -> None:
    connection_id = await _setup(admin)
    async with admin.client("ada") as browser:
        forged = await browser.post(
            f"/connections/{connection_id}/edit",
            data=_form("forged", import_interval_seconds="60"),
        )
        assert forged.status_code == 403 and "did not come from this site" in forged.text
        missing = await browser.get("/connections/999999")
        assert missing.status_code == 404
    assert (await connection_detail(admin.ctx, connection_id)).import_interval_seconds == 300
