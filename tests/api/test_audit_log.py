"""The audit log over the API (auth, filters, pages), and status sources changed, removed
and run over the API with the token's name as the actor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

SOURCE = "oms-files"
TOKEN_TEXT = "bearer-token-for-the-oms-31c"


async def _folder_source(client: httpx.AsyncClient, folder: Path, **fields: Any) -> dict[str, Any]:
    body = {"name": SOURCE, "kind": "folder", "settings": {"folder": str(folder)}, **fields}
    created = await client.post("/api/v1/status-sources", json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


async def _audit(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/audit-log", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_the_audit_log_needs_a_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/api/v1/audit-log")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_changes_are_listed_newest_first_with_the_token_as_actor(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await _folder_source(client, tmp_path)
    changed = await client.patch(
        f"/api/v1/status-sources/{SOURCE}", json={"settings": {"format": "csv"}}
    )
    assert changed.status_code == 200, changed.text

    page = await _audit(client)

    assert page["next_before_id"] is None
    newest, oldest = page["items"]
    assert (newest["action"], oldest["action"]) == ("update", "create")
    assert newest["id"] > oldest["id"]
    assert newest["actor"] == "api:tests"
    assert (newest["subject_kind"], newest["subject_name"]) == ("status_source", SOURCE)
    assert newest["changes"] == {
        "settings": {
            "old": {"folder": str(tmp_path)},
            "new": {"folder": str(tmp_path), "format": "csv"},
        }
    }
    assert newest["at"].endswith("Z")


async def test_filters_and_pages(
    client: httpx.AsyncClient, tmp_path: Path, connection_id: int
) -> None:
    await _folder_source(client, tmp_path)
    for interval in (120, 180, 240):
        response = await client.patch(
            f"/api/v1/status-sources/{SOURCE}", json={"interval_seconds": interval}
        )
        assert response.status_code == 200, response.text
    assert (await client.post("/api/v1/connections/de/disable")).status_code == 200

    assert [item["subject_kind"] for item in (await _audit(client))["items"]] == [
        "connection",
        "status_source",
        "status_source",
        "status_source",
        "status_source",
        "connection",  # the fixture's connection, made before the source
    ]
    only_connection = await _audit(client, subject_kind="connection", subject_name="de")
    assert [(item["action"], item["actor"]) for item in only_connection["items"]] == [
        ("update", "api:tests"),
        ("create", "system"),
    ]
    assert (await _audit(client, subject_name="nothing"))["items"] == []

    first = await _audit(client, subject_kind="status_source", limit=2)
    second = await _audit(
        client, subject_kind="status_source", limit=2, before_id=first["next_before_id"]
    )
    assert [item["changes"]["interval_seconds"]["new"] for item in first["items"]] == [240, 180]
    assert second["items"][0]["changes"]["interval_seconds"]["new"] == 120
    assert second["items"][1]["action"] == "create"
    assert second["next_before_id"] is None

    refused = await client.get("/api/v1/audit-log", params={"before_id": 0})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "before_id"
    too_many = await client.get("/api/v1/audit-log", params={"limit": 501})
    assert too_many.status_code == 422


async def test_update_a_status_source(client: httpx.AsyncClient, tmp_path: Path) -> None:
    await _folder_source(client, tmp_path, interval_seconds=60)

    by_cron = await client.patch(
        f"/api/v1/status-sources/{SOURCE}",
        json={"cron": "15 6 * * *", "settings": {"expected_file": "status_*.csv"}},
    )
    assert by_cron.status_code == 200, by_cron.text
    body = by_cron.json()
    assert body["cron"] == "15 6 * * *"
    assert body["next_run_at"].endswith("06:15:00Z")
    assert body["settings"] == {"folder": str(tmp_path), "expected_file": "status_*.csv"}

    back = await client.patch(f"/api/v1/status-sources/{SOURCE}", json={"cron": None})
    assert back.json()["cron"] is None and back.json()["interval_seconds"] == 60

    disabled = await client.post(f"/api/v1/status-sources/{SOURCE}/disable")
    assert disabled.json()["enabled"] is False
    enabled = await client.post(f"/api/v1/status-sources/{SOURCE}/enable")
    assert enabled.json()["enabled"] is True


async def test_a_poll_source_secret_is_replaced_and_never_shown(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(
        "/api/v1/status-sources",
        json={
            "name": "oms-feed",
            "kind": "poll",
            "settings": {"url": "https://oms.example.com/status-updates"},
        },
    )
    assert created.json()["has_secret"] is False

    changed = await client.patch(
        "/api/v1/status-sources/oms-feed",
        json={"secret": TOKEN_TEXT, "settings": {"timeout_seconds": 10}},
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["has_secret"] is True
    assert changed.json()["settings"]["timeout_seconds"] == 10
    audit = await client.get("/api/v1/audit-log")
    assert TOKEN_TEXT not in audit.text and TOKEN_TEXT not in changed.text
    assert audit.json()["items"][0]["changes"]["secret"] == "(changed)"


async def test_updates_that_cannot_work_are_refused(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await _folder_source(client, tmp_path)
    path = f"/api/v1/status-sources/{SOURCE}"

    cases = [
        ({"settings": {"format": "json"}}, 422, "settings.format"),
        ({"cron": "at dawn"}, 422, "cron"),
        ({"interval_seconds": 5}, 422, "interval_seconds"),
        ({"enabled": None}, 422, "enabled"),
        ({"kind": "poll"}, 422, "kind"),
        ({"connection": "nowhere"}, 404, "connection"),
    ]
    for body, status, field in cases:
        response = await client.patch(path, json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (status, field), body
    missing = await client.patch("/api/v1/status-sources/nope", json={"enabled": False})
    assert missing.status_code == 404
    assert [item["action"] for item in (await _audit(client))["items"]] == ["create"]


async def test_remove_a_status_source(client: httpx.AsyncClient, tmp_path: Path) -> None:
    await _folder_source(client, tmp_path)

    removed = await client.delete(f"/api/v1/status-sources/{SOURCE}")

    assert removed.status_code == 204
    assert (await client.get(f"/api/v1/status-sources/{SOURCE}")).status_code == 404
    assert (await client.delete(f"/api/v1/status-sources/{SOURCE}")).status_code == 404
    latest = (await _audit(client))["items"][0]
    assert (latest["action"], latest["actor"]) == ("delete", "api:tests")
    assert latest["changes"]["settings"] == {"folder": str(tmp_path)}


async def test_a_manual_run_answers_the_missing_folder_and_logs_it_once(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    missing = tmp_path / "not-mounted"
    await _folder_source(client, missing)

    runs = [(await client.post(f"/api/v1/status-sources/{SOURCE}/run")) for _ in range(2)]

    for run in runs:
        assert run.status_code == 200, run.text
        assert run.json()["error"] == (
            f"status folder {missing} does not exist: create it or correct the source's "
            "folder setting"
        )
    errors = (await client.get("/api/v1/errors", params={"operation": "status_import"})).json()
    (entry,) = errors["items"]
    assert str(missing) in entry["title"]
    assert entry["attributes"]["folder"] == str(missing)
    audit = (await _audit(client, subject_kind="status_source"))["items"]
    assert [(item["action"], item["actor"]) for item in audit] == [
        ("run", "api:tests"),
        ("run", "api:tests"),
        ("create", "api:tests"),
    ]
    assert str(missing) in audit[0]["changes"]["error"]
