"""API tokens: issued for a username and password, sent as bearer tokens, revoked on request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from journal.extensions import db
from journal.models import ApiToken, User, utcnow

TOKEN_LIFETIME = timedelta(days=30)


def hash_token(token: str) -> str:
    """The stored form of an API or session token: only its SHA-256, so a leak hands out none.

    The one hash of both kinds of token. ``surrogatepass`` gives the same digest as plain
    UTF-8 for every token ever issued, and a forged token holding a lone surrogate finds
    no row instead of raising.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new token for ``user`` and its record; the user's expired tokens are cleared away."""
    now = utcnow()
    db.session.execute(
        delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at <= now)
    )
    token = secrets.token_urlsafe(32)
    record = ApiToken(
        token_hash=hash_token(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    db.session.add(record)
    db.session.commit()
    return token, record


def token_owner(token: str) -> tuple[ApiToken, User] | None:
    """The live token record and its user, or ``None`` for an unknown, expired or revoked token."""
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    record, user = row
    if record.expires_at <= utcnow():
        return None
    return record, user


def revoke_token(record: ApiToken) -> None:
    """End a token: it authenticates nothing from now on."""
    db.session.execute(delete(ApiToken).where(ApiToken.id == record.id))
    db.session.commit()
