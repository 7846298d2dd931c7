"""Alembic migrations; run them with ``orderbridge db upgrade``."""
