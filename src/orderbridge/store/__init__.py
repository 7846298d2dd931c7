"""Storage: SQLAlchemy tables, the engine for SQLite and PostgreSQL, repositories, migrations."""
