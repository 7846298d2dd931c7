"""API tokens: create, check, list and revoke the bearer tokens of the REST API.

Only the SHA-256 of a token is stored, so a copy of the database grants no access. A
token is found by its hash through the unique index, which never compares the secret
byte by byte with anything an attacker can time.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from orderbridge.services.context import ServiceContext
from orderbridge.services.errors import InvalidInput, NotFound
from orderbridge.store.tables import api_tokens

TOKEN_PREFIX = "obt_"  # noqa: S105 - a public marker, not a secret
# "obt_" plus 8 characters: enough to tell tokens apart in a list, far too few to guess one.
SHOWN_PREFIX_CHARS = 12
MAX_TOKEN_CHARS = 200
# The name is the actor of what a token does ("api:<name>" in order events, 100 characters).
MAX_NAME_CHARS = 60
# Writing last_used_at on every request would make each API read a write (and on SQLite
# take the one write lock); once a minute is precise enough to see which tokens are used.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(ctx: ServiceContext, name: str) -> str:
    """A new token named ``name``; the only time its full text is ever shown."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"a token name needs 1 to {MAX_NAME_CHARS} characters", field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with ctx.db.write() as conn:
        await conn.execute(
            api_tokens.insert().values(
                name=name,
                token_hash=token_digest(token),
                prefix=token[:SHOWN_PREFIX_CHARS],
                created_at=ctx.clock(),
            )
        )
    return token


async def authenticate(ctx: ServiceContext, token: str) -> TokenInfo | None:
    """The live token this text is, or None (unknown, malformed or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_CHARS:
        return None
    digest = token_digest(token)
    async with ctx.db.read() as conn:
        row = (
            (await conn.execute(select(api_tokens).where(api_tokens.c.token_hash == digest)))
            .mappings()
            .first()
        )
    if row is None or row["revoked_at"] is not None:
        return None
    now = ctx.clock()
    last_used = row["last_used_at"]
    if last_used is None or now - last_used >= TOUCH_INTERVAL:
        async with ctx.db.write() as conn:
            # The condition repeats the check, so concurrent requests write once at most.
            await conn.execute(
                update(api_tokens)
                .where(
                    api_tokens.c.id == row["id"],
                    or_(
                        api_tokens.c.last_used_at.is_(None),
                        api_tokens.c.last_used_at <= now - TOUCH_INTERVAL,
                    ),
                )
                .values(last_used_at=now)
            )
        last_used = now
    return TokenInfo(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        last_used_at=last_used,
        revoked_at=None,
    )


async def verify_token(ctx: ServiceContext, token: str) -> bool:
    return await authenticate(ctx, token) is not None


async def list_tokens(ctx: ServiceContext) -> list[TokenInfo]:
    """All tokens, revoked ones included, without anything that could be used to log in."""
    async with ctx.db.read() as conn:
        rows = (
            await conn.execute(
                select(
                    api_tokens.c.id,
                    api_tokens.c.name,
                    api_tokens.c.prefix,
                    api_tokens.c.created_at,
                    api_tokens.c.last_used_at,
                    api_tokens.c.revoked_at,
                ).order_by(api_tokens.c.id)
            )
        ).mappings()
        return [TokenInfo(**row) for row in rows]


async def revoke_token(ctx: ServiceContext, token_id: int) -> None:
    """Refuse the token from now on; revoking twice keeps the first time."""
    async with ctx.db.write() as conn:
        found = (
            await conn.execute(select(api_tokens.c.id).where(api_tokens.c.id == token_id))
        ).scalar()
        if found is None:
            raise NotFound(f"API token {token_id} does not exist")
        await conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=ctx.clock())
        )
