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
    """The stored form of a token: only its SHA-256, so a database leak hands out no tokens."""
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
