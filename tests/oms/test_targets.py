"""Building export targets from their configuration, and refusing bad settings by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from orderbridge.oms.base import TargetConfig
from orderbridge.oms.files import FileTarget
from orderbridge.oms.targets import build_target, validate_target_settings
from orderbridge.oms.webhook import WebhookTarget


async def test_a_webhook_config_builds_a_webhook_target() -> None:
    config = TargetConfig(
        1,
        "ERP",
        "webhook",
        {"url": "https://oms.example/orders", "timeout_seconds": 3, "headers": {"X-Tenant": "a"}},
        secret="s3cret",
    )
    async with httpx.AsyncClient() as client:
        target = build_target(config, client)

        assert isinstance(target, WebhookTarget)
        assert target.kind == "webhook"
        assert target.timeout_seconds == 3
        assert "s3cret" not in repr(target) and "s3cret" not in repr(config)


def test_a_file_config_builds_a_file_target(tmp_path: Path) -> None:
    target = build_target(TargetConfig(2, "Drop", "file", {"folder": str(tmp_path)}))

    assert isinstance(target, FileTarget)
    assert (target.kind, target.format, target.folder) == ("file", "json", tmp_path)


def test_building_revalidates_the_settings() -> None:
    config = TargetConfig(3, "ERP", "webhook", {"url": "https://oms.example/x"}, secret=None)

    with pytest.raises(ValueError, match=r"^secret:"):
        build_target(config)


@pytest.mark.parametrize(
    ("settings", "secret", "field"),
    [
        ({}, "s", "url"),
        ({"url": ""}, "s", "url"),
        ({"url": "ftp://oms.example/in"}, "s", "url"),
        ({"url": "oms.example/in"}, "s", "url"),
        ({"url": "https:///in"}, "s", "url"),
        ({"url": "https://user:pw@oms.example/in"}, "s", "url"),
        ({"url": "https://oms.example/in"}, None, "secret"),
        ({"url": "https://oms.example/in"}, "", "secret"),
        ({"url": "https://oms.example/in", "timeout_seconds": 0}, "s", "timeout_seconds"),
        ({"url": "https://oms.example/in", "timeout_seconds": "10"}, "s", "timeout_seconds"),
        ({"url": "https://oms.example/in", "timeout_seconds": True}, "s", "timeout_seconds"),
        ({"url": "https://oms.example/in", "timeout_seconds": 301}, "s", "timeout_seconds"),
        ({"url": "https://oms.example/in", "headers": ["X-A"]}, "s", "headers"),
        ({"url": "https://oms.example/in", "headers": {"X-A": 1}}, "s", "headers"),
        ({"url": "https://oms.example/in", "headers": {"X-A": "a\r\nX-B: b"}}, "s", "headers"),
        (
            {"url": "https://oms.example/in", "headers": {"x-orderbridge-signature": "x"}},
            "s",
            "headers",
        ),
        ({"url": "https://oms.example/in", "timeout": 5}, "s", "timeout"),
    ],
)
def test_bad_webhook_settings_name_the_field(
    settings: dict[str, Any], secret: str | None, field: str
) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        validate_target_settings("webhook", settings, secret)


def test_good_webhook_settings_pass() -> None:
    validate_target_settings(
        "webhook",
        {"url": "http://127.0.0.1:8201/webhooks/orders", "timeout_seconds": 2.5, "headers": {}},
        "s",
    )


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({}, "folder"),
        ({"folder": "  "}, "folder"),
        ({"folder": 5}, "folder"),
        ({"folder": "/srv/orders", "format": "xml"}, "format"),
        ({"folder": "/srv/orders", "format": "JSON"}, "format"),
        ({"folder": "/srv/orders", "path": "/x"}, "path"),
    ],
)
def test_bad_file_settings_name_the_field(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        validate_target_settings("file", settings, None)


@pytest.mark.parametrize("file_format", ["json", "csv"])
def test_good_file_settings_pass(file_format: str) -> None:
    validate_target_settings("file", {"folder": "/srv/orders", "format": file_format}, None)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^kind: 'ftp'"):
        validate_target_settings("ftp", {}, None)
