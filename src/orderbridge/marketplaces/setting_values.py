"""Reading a connection's credentials and options: the checks every channel shares.

Each failure is a ConfigurationError that names the channel and the setting, so the
operator knows what to correct; a default applies when an option is absent or null.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from orderbridge.marketplaces.errors import ConfigurationError


def credential(channel: str, credentials: Mapping[str, Any], name: str, *, hint: str = "") -> str:
    value = credentials.get(name)
    if not isinstance(value, str) or not value.strip():
        where = f" ({hint})" if hint else ""
        raise ConfigurationError(f"{channel}: credential {name!r} is missing or empty{where}")
    return value.strip()


def text_option(channel: str, options: Mapping[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{channel}: option {name!r} must be a non-empty string")
    return value.strip()


def url_option(channel: str, options: Mapping[str, Any], name: str, default: str) -> str:
    value = options.get(name, default)
    if value is None:
        return default
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"{channel}: option {name!r} must be an http(s) URL, got {value!r}"
        )
    return value.rstrip("/")


def positive_option(channel: str, options: Mapping[str, Any], name: str, default: float) -> float:
    value = options.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigurationError(f"{channel}: option {name!r} must be a positive number")
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(
            f"{channel}: option {name!r} must be a positive number, got {value!r}"
        ) from None
    if not (number > 0 and math.isfinite(number)):
        raise ConfigurationError(f"{channel}: option {name!r} must be a positive number")
    return number
