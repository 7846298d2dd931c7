"""The ``orderbridge`` command line (Typer): one module per command group."""

from orderbridge.cli.main import app, main

__all__ = ["app", "main"]
