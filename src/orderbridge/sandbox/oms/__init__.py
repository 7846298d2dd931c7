"""Sandbox OMS: a stand-in for the merchant's order management system, reached over HTTP.

It receives orderbridge's signed order webhooks, checks them like a careful OMS would and
keeps what it received in memory. Run it alone with
``python -m orderbridge.sandbox.oms --port 8201 --secret S``.
"""

from orderbridge.sandbox.oms.app import create_app
from orderbridge.sandbox.oms.settings import SandboxOmsSettings

__all__ = ["SandboxOmsSettings", "create_app"]
