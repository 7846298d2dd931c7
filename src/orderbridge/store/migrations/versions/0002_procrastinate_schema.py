"""procrastinate's job tables (PostgreSQL only)

In distributed mode procrastinate carries the wake-ups and the periodic tick between
worker processes; its schema lives beside ours so one ``db upgrade`` sets up both.
SQLite has no procrastinate: the embedded runner needs nothing extra.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    exists = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").scalar()
    if not exists:
        # The driver parses % as a placeholder even without parameters.
        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    # procrastinate's schema is its own; removing it is left to its tooling on purpose.
    pass
