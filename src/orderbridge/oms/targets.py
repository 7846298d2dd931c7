"""The registry of export-target kinds: validate a target's settings and build it.

Validation runs when a target is saved (so the form can name the bad field) and again
when it is built, so a settings row edited by hand cannot reach a delivery half-valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from orderbridge.oms.base import ExportTarget, TargetConfig
from orderbridge.oms.files import FORMATS, FileTarget
from orderbridge.oms.webhook import DEFAULT_TIMEOUT_SECONDS, RESERVED_HEADERS, WebhookTarget

TARGET_KINDS = ("webhook", "file")
WEBHOOK_SETTINGS = frozenset({"url", "timeout_seconds", "headers"})
FILE_SETTINGS = frozenset({"folder", "format"})
MAX_TIMEOUT_SECONDS = 300


def validate_target_settings(kind: str, settings: Mapping[str, Any], secret: str | None) -> None:
    """Raise ValueError naming the first bad field; return quietly when the settings are usable."""
    if kind == "webhook":
        _validate_webhook(settings, secret)
    elif kind == "file":
        _validate_file(settings)
    else:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(TARGET_KINDS)}")


def build_target(config: TargetConfig, client: httpx.AsyncClient | None = None) -> ExportTarget:
    """The export target of ``config``; ``client`` is shared by webhook targets when given."""
    validate_target_settings(config.kind, config.settings, config.secret)
    settings = config.settings
    if config.kind == "webhook":
        assert config.secret is not None  # validated above
        return WebhookTarget(
            settings["url"],
            config.secret,
            timeout_seconds=float(settings.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)),
            headers=settings.get("headers"),
            client=client,
        )
    return FileTarget(settings["folder"], settings.get("format", "json"))


def _validate_webhook(settings: Mapping[str, Any], secret: str | None) -> None:
    _refuse_unknown(settings, WEBHOOK_SETTINGS)
    url = settings.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError("url: the OMS webhook URL is required")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"url: must start with http:// or https://, got {parts.scheme or url!r}")
    if not parts.hostname:
        raise ValueError("url: has no host name")
    if parts.username or parts.password:
        # Credentials in a URL end up in logs and error messages; the secret has its own field.
        raise ValueError("url: must not contain a user name or password")
    if not secret:
        raise ValueError("secret: a webhook needs a signing secret shared with the OMS")
    timeout = settings.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout <= MAX_TIMEOUT_SECONDS
    ):
        raise ValueError(
            f"timeout_seconds: must be a number above 0 and at most {MAX_TIMEOUT_SECONDS}, "
            f"got {timeout!r}"
        )
    headers = settings.get("headers", {})
    if headers is None:
        return
    if not isinstance(headers, Mapping):
        raise ValueError("headers: must be a mapping of header name to value")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError(f"headers: {name!r} must map a text name to a text value")
        if not name or any(c in name for c in " :\r\n") or any(c in value for c in "\r\n"):
            raise ValueError(f"headers: {name!r} is not a valid header")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"headers: {name} is set by orderbridge and cannot be overridden")


def _validate_file(settings: Mapping[str, Any]) -> None:
    _refuse_unknown(settings, FILE_SETTINGS)
    folder = settings.get("folder")
    if not isinstance(folder, str) or not folder.strip():
        raise ValueError("folder: the export folder is required")
    file_format = settings.get("format", "json")
    if file_format not in FORMATS:
        raise ValueError(f"format: must be one of {', '.join(FORMATS)}, got {file_format!r}")


def _refuse_unknown(settings: Mapping[str, Any], known: frozenset[str]) -> None:
    # A misspelt key ("timeout") would otherwise be ignored and its default used silently.
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ValueError(
            f"{unknown[0]}: unknown setting; expected one of {', '.join(sorted(known))}"
        )
