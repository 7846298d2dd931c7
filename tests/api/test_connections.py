"""Connections through the API: credentials go in and never come out."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import update

from orderbridge.secrets_box import SecretBox
from orderbridge.services.connections import connection_row
from orderbridge.services.context import ServiceContext
from orderbridge.store.tables import import_feeds
from tests.api.orders_data import AMAZON_CREDENTIALS, AMAZON_OPTIONS, SECRET_VALUES


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def connection_body(name: str = "de", **changes: Any) -> dict[str, Any]:
    return {
        "name": name,
        "channel": "amazon",
        "credentials": AMAZON_CREDENTIALS,
        "options": AMAZON_OPTIONS,
        **changes,
    }


def assert_no_secrets(response: httpx.Response) -> None:
    for secret in SECRET_VALUES:
        assert secret not in response.text
    assert '"credentials"' not in response.text


async def test_create_list_and_show_never_return_credentials(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/connections", json=connection_body())
    assert created.status_code == 201, created.text
    assert_no_secrets(created)
    body = created.json()
    assert body["name"] == "de"
    assert body["channel"] == "amazon"
    assert body["options"] == AMAZON_OPTIONS
    assert body["import_interval_seconds"] == 300
    assert body["export_target"] is None
    assert body["watermark"] is None
    assert body["last_success_at"] is None
    assert body["running"] is False
    assert body["next_poll_at"] is not None

    listed = await client.get("/api/v1/connections")
    assert listed.status_code == 200
    assert_no_secrets(listed)
    assert [item["name"] for item in listed.json()["items"]] == ["de"]

    shown = await client.get("/api/v1/connections/de")
    assert shown.status_code == 200
    assert_no_secrets(shown)
    assert shown.json() == listed.json()["items"][0]


async def test_interval_below_30_seconds_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/connections", json=connection_body(import_interval_seconds=10)
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == "import_interval_seconds"
    assert "30" in error["message"]


async def test_duplicate_name_conflicts(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/connections", json=connection_body())).status_code == 201
    response = await client.post("/api/v1/connections", json=connection_body())
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "a connection named 'de' exists already",
        "field": "name",
        "details": None,
    }


async def test_bad_settings_are_refused_by_the_connector(client: httpx.AsyncClient) -> None:
    credentials = {key: value for key, value in AMAZON_CREDENTIALS.items() if key != "client_id"}
    response = await client.post(
        "/api/v1/connections", json=connection_body(credentials=credentials)
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["field"] == "credentials"
    assert "client_id" in error["message"]

    response = await client.post("/api/v1/connections", json=connection_body(options={}))
    assert response.status_code == 422
    assert "marketplace_ids" in response.json()["error"]["message"]


async def test_unknown_fields_and_targets_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/connections", json=connection_body(interval=60))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "interval"

    response = await client.post("/api/v1/connections", json=connection_body(export_target="oms"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "export_target"


async def test_unknown_connection_is_404(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/v1/connections/nope"),
        ("PATCH", "/api/v1/connections/nope"),
        ("POST", "/api/v1/connections/nope/enable"),
        ("POST", "/api/v1/connections/nope/test"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"


async def test_patch_enable_and_disable(client: httpx.AsyncClient, tmp_path: Any) -> None:
    target = {"name": "files", "kind": "file", "settings": {"folder": str(tmp_path)}}
    assert (await client.post("/api/v1/export-targets", json=target)).status_code == 201
    await client.post("/api/v1/connections", json=connection_body())

    changed = await client.patch(
        "/api/v1/connections/de",
        json={
            "import_interval_seconds": 60,
            "export_target": "files",
            "credentials": {"client_secret": "another-secret-value"},
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["import_interval_seconds"] == 60
    assert changed.json()["export_target"] == "files"
    assert "another-secret-value" not in changed.text

    too_short = await client.patch("/api/v1/connections/de", json={"import_interval_seconds": 5})
    assert too_short.status_code == 422
    assert too_short.json()["error"]["field"] == "import_interval_seconds"
    null = await client.patch("/api/v1/connections/de", json={"auto_export": None})
    assert null.status_code == 422
    assert null.json()["error"]["field"] == "auto_export"

    cleared = await client.patch("/api/v1/connections/de", json={"export_target": None})
    assert cleared.json()["export_target"] is None
    assert cleared.json()["import_interval_seconds"] == 60

    disabled = await client.post("/api/v1/connections/de/disable")
    assert disabled.status_code == 200
    assert disabled.json()["import_enabled"] is False
    enabled = await client.post("/api/v1/connections/de/enable")
    assert enabled.json()["import_enabled"] is True


async def test_detail_shows_the_import_feed(
    ctx: ServiceContext, client: httpx.AsyncClient, connection_id: int
) -> None:
    now = ctx.clock()
    async with ctx.db.write() as conn:
        await conn.execute(
            update(import_feeds)
            .where(import_feeds.c.connection_id == connection_id)
            .values(
                watermark=now - timedelta(minutes=3),
                last_success_at=now - timedelta(minutes=1),
                last_attempt_at=now - timedelta(seconds=5),
                last_error="amazon getOrders: HTTP 503 after 4 attempts",
                consecutive_failures=2,
                lease_until=now + timedelta(minutes=2),
                lease_owner="worker-1",
            )
        )
    body = (await client.get("/api/v1/connections/de")).json()
    assert parse_time(body["watermark"]) == now - timedelta(minutes=3)
    assert parse_time(body["last_success_at"]) == now - timedelta(minutes=1)
    assert parse_time(body["last_attempt_at"]) == now - timedelta(seconds=5)
    assert body["last_error"] == "amazon getOrders: HTTP 503 after 4 attempts"
    assert body["consecutive_failures"] == 2
    assert body["running"] is True


class _RefusingLogin(BaseHTTPRequestHandler):
    """Login with Amazon refusing the refresh token, as it does for a revoked grant."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps(
            {"error": "invalid_grant", "error_description": "The request has an invalid grant"}
        ).encode()
        self.send_response(400)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def refusing_login() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RefusingLogin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/auth/o2/token"
    server.shutdown()
    server.server_close()


async def test_connection_test_reports_the_classified_error(
    client: httpx.AsyncClient, refusing_login: str
) -> None:
    options = {**AMAZON_OPTIONS, "token_url": refusing_login, "base_url": "http://127.0.0.1:9"}
    await client.post("/api/v1/connections", json=connection_body(options=options))
    response = await client.post("/api/v1/connections/de/test")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["connection"] == "de"
    assert body["ok"] is False
    assert body["message"].startswith("configuration:")
    assert_no_secrets(response)


async def test_unknown_channel_names_the_channel_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/connections", json=connection_body(channel="ebay-x"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "channel"
    assert "ebay-x" in error["message"]


async def test_a_lost_secret_key_still_lets_credentials_be_entered_again(
    ctx: ServiceContext, client: httpx.AsyncClient, connection_id: int
) -> None:
    # The error a user gets for an unreadable secret says "re-enter the credentials";
    # that, and any change not touching credentials, must work with the new key.
    ctx.box = SecretBox(Fernet.generate_key())
    disabled = await client.post("/api/v1/connections/de/disable")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["import_enabled"] is False

    partial = await client.patch(
        "/api/v1/connections/de", json={"credentials": {"client_secret": "new-client-secret"}}
    )
    assert partial.status_code == 422
    assert partial.json()["error"]["field"] == "credentials"

    renewed = {**AMAZON_CREDENTIALS, "refresh_token": "Atzr|renewed-refresh-token"}
    response = await client.patch("/api/v1/connections/de", json={"credentials": renewed})
    assert response.status_code == 200, response.text
    row = await connection_row(ctx, "de")
    assert ctx.box.decrypt_json(row["credentials_encrypted"]) == renewed


async def test_an_unreadable_secret_is_a_clear_error(
    ctx: ServiceContext, client: httpx.AsyncClient, connection_id: int
) -> None:
    ctx.box = SecretBox(Fernet.generate_key())
    response = await client.post("/api/v1/connections/de/test")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "secret_unreadable"
    assert "ORDERBRIDGE_SECRET_KEY" in error["message"]
