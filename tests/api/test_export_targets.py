"""Export targets through the API: the webhook secret goes in and never comes out."""

from __future__ import annotations

from pathlib import Path

import httpx

WEBHOOK = {
    "name": "oms",
    "kind": "webhook",
    "settings": {"url": "https://oms.example.com/orders", "timeout_seconds": 10},
    "secret": "shared-signing-secret-123",
}


async def test_create_and_list_without_secret(client: httpx.AsyncClient, tmp_path: Path) -> None:
    created = await client.post("/api/v1/export-targets", json=WEBHOOK)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "oms"
    assert body["kind"] == "webhook"
    assert body["settings"] == WEBHOOK["settings"]
    assert body["has_secret"] is True
    assert "shared-signing-secret-123" not in created.text
    assert '"secret"' not in created.text

    files = {"name": "files", "kind": "file", "settings": {"folder": str(tmp_path)}}
    assert (await client.post("/api/v1/export-targets", json=files)).json()["has_secret"] is False

    listed = await client.get("/api/v1/export-targets")
    assert [item["name"] for item in listed.json()["items"]] == ["files", "oms"]
    assert "shared-signing-secret-123" not in listed.text


async def test_bad_targets_are_refused(client: httpx.AsyncClient) -> None:
    no_secret = {**WEBHOOK, "secret": None}
    response = await client.post("/api/v1/export-targets", json=no_secret)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert "secret" in response.json()["error"]["message"]

    response = await client.post("/api/v1/export-targets", json={**WEBHOOK, "kind": "ftp"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "kind"

    assert (await client.post("/api/v1/export-targets", json=WEBHOOK)).status_code == 201
    duplicate = await client.post("/api/v1/export-targets", json=WEBHOOK)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["field"] == "name"


async def test_change_settings_and_secret(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/export-targets", json=WEBHOOK)).status_code == 201
    changed = await client.patch(
        "/api/v1/export-targets/oms",
        json={
            "settings": {"url": "https://oms.example.com/v2/orders", "timeout_seconds": None},
            "secret": "a-new-signing-secret",
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["settings"] == {"url": "https://oms.example.com/v2/orders"}
    assert "a-new-signing-secret" not in changed.text
    broken = await client.patch("/api/v1/export-targets/oms", json={"settings": {"url": "ftp://x"}})
    assert broken.status_code == 422
    assert broken.json()["error"]["field"] == "url"
    unchanged = await client.get("/api/v1/export-targets/oms")
    assert unchanged.json()["settings"] == {"url": "https://oms.example.com/v2/orders"}


async def test_a_target_in_use_is_not_removed(
    client: httpx.AsyncClient, connection_id: int
) -> None:
    assert (await client.post("/api/v1/export-targets", json=WEBHOOK)).status_code == 201
    used = await client.patch("/api/v1/connections/de", json={"export_target": "oms"})
    assert used.status_code == 200, used.text
    refused = await client.delete("/api/v1/export-targets/oms")
    assert refused.status_code == 409
    assert "used by de" in refused.json()["error"]["message"]
    assert (
        await client.patch("/api/v1/connections/de", json={"export_target": None})
    ).status_code == 200
    assert (await client.delete("/api/v1/export-targets/oms")).status_code == 204
    assert (await client.get("/api/v1/export-targets/oms")).status_code == 404
