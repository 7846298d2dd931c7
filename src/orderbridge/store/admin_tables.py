"""Tables for the web admin: the people who sign in, and their sessions.

A password is stored only as its argon2 hash and a session only as the SHA-256 of the
cookie's random token, so a copy of the database signs nobody in.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from orderbridge.store.tables import Id, metadata
from orderbridge.store.types import UtcDateTime

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # admin, operator, viewer
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_sign_in_at", UtcDateTime),
    Column("disabled_at", UtcDateTime),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # Sent in every form and compared on every POST: a page of another site cannot know it.
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_web_sessions_user", "user_id"),
)
