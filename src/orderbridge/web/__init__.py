"""The HTTP interface: the REST API (``api/``), health and metrics, built by ``create_app``."""

from __future__ import annotations

from orderbridge.web.app import create_app

__all__ = ["create_app"]
