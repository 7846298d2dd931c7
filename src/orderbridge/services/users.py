"""People who sign in to the web admin: accounts with roles, passwords and sessions.

Roles: ``admin`` may do everything (connections, users); ``operator`` imports, exports,
retries and cancels; ``viewer`` only reads, with buyers' personal data masked. Passwords
are hashed with argon2; a session is a random token in a cookie, stored hashed, with its
own CSRF token for the forms it signs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import Conflict, InvalidInput, NotFound
from orderbridge.store.admin_tables import users, web_sessions
from orderbridge.store.audit_trail import SECRET_CHANGED, record_change

SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so a wrong name takes as long as a wrong
# password and the answer time does not tell which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


class Permission(StrEnum):
    VIEW = "view"  # every page
    OPERATE = "operate"  # import, export, retry, cancel, resolve
    ADMINISTER = "administer"  # connections and users
    PERSONAL_DATA = "personal_data"  # buyers' names, addresses, e-mail unmasked


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OPERATOR: frozenset({Permission.VIEW, Permission.OPERATE, Permission.PERSONAL_DATA}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who is signed in, as a page sees it."""

    user_id: int
    username: str
    role: Role
    csrf_token: str

    def can(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    role: str
    created_at: datetime
    last_sign_in_at: datetime | None
    disabled: bool


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(
            f"role {role!r} is unknown; use admin, operator or viewer", field="role"
        ) from None


async def create_user(
    ctx: ServiceContext, username: str, password: str, role: str, *, actor: str = "system"
) -> int:
    username = username.strip()
    if not username or len(username) > 100:
        raise InvalidInput("a username has 1 to 100 characters", field="username")
    _check_password(password)
    chosen = _role(role)
    now = ctx.clock()
    try:
        async with ctx.db.write() as conn:
            result = await conn.execute(
                users.insert()
                .values(
                    username=username,
                    password_hash=_HASHER.hash(password),
                    role=chosen.value,
                    created_at=now,
                    updated_at=now,
                )
                .returning(users.c.id)
            )
            user_id = int(result.scalar_one())
            await record_change(
                conn,
                at=now,
                actor=actor,
                action="create",
                subject_kind="user",
                subject_name=username,
                changes={"role": chosen.value, "password": SECRET_CHANGED},
            )
    except IntegrityError:
        raise Conflict(f"a user named {username!r} exists already", field="username") from None
    return user_id


async def list_users(ctx: ServiceContext) -> list[UserView]:
    async with ctx.db.read() as conn:
        rows = await conn.execute(select(users).order_by(users.c.username))
        return [
            UserView(
                id=row.id,
                username=row.username,
                role=row.role,
                created_at=row.created_at,
                last_sign_in_at=row.last_sign_in_at,
                disabled=row.disabled_at is not None,
            )
            for row in rows
        ]


async def update_user(
    ctx: ServiceContext,
    username: str,
    *,
    role: str | None = None,
    password: str | None = None,
    disabled: bool | None = None,
    actor: str = "system",
) -> None:
    """Change a role, a password or whether the account may sign in; a password change or a
    disabling ends the user's sessions."""
    now = ctx.clock()
    values: dict[str, object] = {"updated_at": now}
    changes: dict[str, object] = {}
    if role is not None:
        values["role"] = changes["role"] = _role(role).value
    if password is not None:
        _check_password(password)
        values["password_hash"] = _HASHER.hash(password)
        changes["password"] = SECRET_CHANGED
    if disabled is not None:
        values["disabled_at"] = now if disabled else None
        changes["disabled"] = disabled
    async with ctx.db.write() as conn:
        user_id = (
            await conn.execute(select(users.c.id).where(users.c.username == username))
        ).scalar()
        if user_id is None:
            raise NotFound(f"no user named {username!r}", field="username")
        await conn.execute(update(users).where(users.c.id == user_id).values(**values))
        if password is not None or disabled:
            await conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
        await record_change(
            conn,
            at=now,
            actor=actor,
            action="update",
            subject_kind="user",
            subject_name=username,
            changes=changes,
        )


async def remove_user(ctx: ServiceContext, username: str, *, actor: str = "system") -> None:
    async with ctx.db.write() as conn:
        result = await conn.execute(delete(users).where(users.c.username == username))
        if not result.rowcount:
            raise NotFound(f"no user named {username!r}", field="username")
        await record_change(
            conn,
            at=ctx.clock(),
            actor=actor,
            action="delete",
            subject_kind="user",
            subject_name=username,
        )


async def sign_in(ctx: ServiceContext, username: str, password: str) -> str | None:
    """A new session's cookie token, or None when the name or password is wrong (one
    answer for both, so the page tells nobody which names exist)."""
    async with ctx.db.read() as conn:
        row = (
            await conn.execute(
                select(users.c.id, users.c.password_hash, users.c.disabled_at).where(
                    users.c.username == username.strip()
                )
            )
        ).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled_at is not None:
        return None
    token = secrets.token_urlsafe(32)
    now = ctx.clock()
    async with ctx.db.write() as conn:
        if _HASHER.check_needs_rehash(stored):
            await conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(password_hash=_HASHER.hash(password))
            )
        await conn.execute(
            web_sessions.insert().values(
                token_hash=_token_hash(token),
                user_id=row.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        await conn.execute(update(users).where(users.c.id == row.id).values(last_sign_in_at=now))
    return token


async def session_user(ctx: ServiceContext, token: str | None) -> SessionUser | None:
    """Who holds this cookie token, or None (unknown, expired, or the account disabled)."""
    if not token:
        return None
    now = ctx.clock()
    async with ctx.db.read() as conn:
        row = (
            await conn.execute(
                select(
                    users.c.id,
                    users.c.username,
                    users.c.role,
                    users.c.disabled_at,
                    web_sessions.c.csrf_token,
                    web_sessions.c.expires_at,
                )
                .join(users, users.c.id == web_sessions.c.user_id)
                .where(web_sessions.c.token_hash == _token_hash(token))
            )
        ).first()
    if row is None or row.expires_at <= now or row.disabled_at is not None:
        return None
    return SessionUser(row.id, row.username, Role(row.role), row.csrf_token)


async def sign_out(ctx: ServiceContext, token: str | None) -> None:
    if token:
        async with ctx.db.write() as conn:
            await conn.execute(
                delete(web_sessions).where(web_sessions.c.token_hash == _token_hash(token))
            )


def csrf_matches(user: SessionUser, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(user.csrf_token, given or "")
