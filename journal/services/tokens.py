"""API tokens: issued for a username and password, sent as bearer tokens, revoked on request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, select, update

from journal.extensions import db
from journal.models import ApiToken, User, utcnow

TOKEN_LIFETIME = timedelta(days=30)
# last_used_at is refreshed at most this often, so API reads do not each write a row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The stored form of an API or session token: only its SHA-256, so a leak hands out none.

    The one hash of both kinds of token. ``surrogatepass`` gives the same digest as plain
    UTF-8 for every token ever issued, and a forged token holding a lone surrogate finds
    no row instead of raising.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(user: User, client: str = "") -> tuple[str, ApiToken]:
    """A new token for ``user`` and its record; the user's expired tokens are cleared away.

    ``client`` names what asked for it (its User-Agent), to tell tokens apart on the
    account page.
    """
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
        # A header may carry a NUL, which no database stores; the rest still names it.
        client=client.replace("\x00", "")[:200],
    )
    db.session.add(record)
    db.session.commit()
    return token, record


def token_owner(token: str) -> tuple[ApiToken, User] | None:
    """The live token record and its user, or ``None`` for an unknown, expired or revoked token.

    Marks the token used, writing only when the last mark is older than a minute.
    """
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    record, user = row
    now = utcnow()
    if record.expires_at <= now:
        return None
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        db.session.execute(
            update(ApiToken).where(ApiToken.id == record.id).values(last_used_at=now)
        )
        db.session.commit()
    return record, user


def live_tokens(user: User) -> Sequence[ApiToken]:
    """The user's tokens that still work, most recently used (or issued) first."""
    return db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
        .order_by(
            ApiToken.last_used_at.desc().nulls_last(),
            ApiToken.created_at.desc(),
            ApiToken.id.desc(),
        )
    ).all()


def revoke_token(record: ApiToken) -> None:
    """End a token: it authenticates nothing from now on."""
    db.session.execute(delete(ApiToken).where(ApiToken.id == record.id))
    db.session.commit()


def revoke_token_of(user: User, token_id: int) -> bool:
    """End one of the user's own tokens; ``False`` when it is not theirs or already gone."""
    result = db.session.execute(
        delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_tokens_of(user: User) -> int:
    """End every token of the user, in the caller's transaction; returns how many ended.

    A new password, a password reset and "sign out everywhere" all call this: a token
    must not outlive the password it was issued for.
    """
    result = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return int(result.rowcount)  # type: ignore[attr-defined]
