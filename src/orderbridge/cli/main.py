"""The ``orderbridge`` command: assembles the command groups."""

from __future__ import annotations

import typer

from orderbridge.cli import (
    audit,
    catalog,
    connections,
    demo,
    errors_cmd,
    export_configurations,
    imports,
    orders,
    returns,
    serve,
    status_sources,
    tokens,
    users,
)

app = typer.Typer(
    name="orderbridge",
    help="Marketplace order hub: import orders from marketplaces and export them to your OMS.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("run")(serve.run)
app.command("worker")(serve.worker)
app.command("sandbox")(serve.sandbox)
app.command("secret-key")(serve.secret_key)
app.command("demo")(demo.demo)
app.add_typer(serve.db_app, name="db")
app.add_typer(connections.app, name="connections")
app.add_typer(connections.targets_app, name="targets")
app.add_typer(export_configurations.app, name="export-configs")
app.add_typer(imports.app, name="import")
app.add_typer(orders.orders_app, name="orders")
app.add_typer(returns.returns_app, name="returns")
app.add_typer(orders.export_app, name="export")
app.add_typer(errors_cmd.errors_app, name="errors")
app.add_typer(errors_cmd.scheduled_app, name="exports")
app.add_typer(tokens.app, name="tokens")
app.add_typer(users.app, name="users")
app.add_typer(status_sources.app, name="status-sources")
app.add_typer(catalog.catalog_app, name="catalog")
app.add_typer(catalog.mappings_app, name="mappings")
app.command("notices")(catalog.notices)
app.command("audit")(audit.audit)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
