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
