"""Accounts: registration, sign-in, the sessions that can be ended, password changes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.models import User, UserSession, utcnow
from journal.services import events, zones
from journal.services.passwords import check_password, hash_password, password_problems
from journal.services.storable import is_storable
from journal.services.tokens import end_tokens_of, hash_token

USERNAME_TAKEN = "That username is already taken."
EMAIL_TAKEN = "An account with that email already exists."
USERNAME_RE = re.compile(r"[A-Za-z0-9_.\-]{3,32}")
SESSION_LIFETIME = timedelta(days=30)
# last_seen_at is refreshed at most this often, so reading pages does not mean writing rows.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class Registration:
    """What a new account is made from."""

    username: str
    email: str
    password: str
    # The IANA zone to show dates in; an unknown or missing one is UTC.
    timezone: str = ""


def normalise_email(email: str) -> str:
    """The address in email-validator's normal form; raises ``ValidationFailed`` on bad syntax."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValidationFailed.on("email", str(error)) from None


def username_problems(username: str) -> list[str]:
    """Every rule the username breaks."""
    if not USERNAME_RE.fullmatch(username):
        return ["Use 3-32 letters, digits, '_', '-' or '.'."]
    return []


def register_user(data: Registration) -> User:
    """Create an account after checking every rule; raises ``ValidationFailed`` naming fields."""
    errors: dict[str, list[str]] = {}
    username = data.username.strip()
    if problems := username_problems(username):
        errors["username"] = problems
    email = ""
    try:
        email = normalise_email(data.email)
    except ValidationFailed as error:
        errors.update(error.errors)
    # A well-formed name or address may still belong to someone: each field says so itself.
    errors.update(
        _taken(
            None if "username" in errors else username.lower(),
            None if "email" in errors else email.lower(),
        )
    )
    if problems := password_problems(data.password, username):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    user = User(
        username=username,
        username_key=username.lower(),
        email=email,
        email_key=email.lower(),
        password_hash=hash_password(data.password),
        timezone=data.timezone if zones.is_valid_zone(data.timezone) else "UTC",
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # A registration that arrived at the same moment took the name or the address.
        db.session.rollback()
        raise ValidationFailed(
            _taken(username.lower(), email.lower()) or {"username": [USERNAME_TAKEN]}
        ) from None
    return user


def _taken(username_key: str | None, email_key: str | None) -> dict[str, list[str]]:
    """Which of these keys (``None``: not checked) already belong to an account, as errors."""
    errors: dict[str, list[str]] = {}
    if username_key and db.session.scalar(select(User.id).where(User.username_key == username_key)):
        errors["username"] = [USERNAME_TAKEN]
    if email_key and db.session.scalar(select(User.id).where(User.email_key == email_key)):
        errors["email"] = [EMAIL_TAKEN]
    return errors


def find_user(login: str) -> User | None:
    """The account whose username or email is ``login``, in any case."""
    key = login.strip().lower()
    if not is_storable(key):
        return None
    column = User.email_key if "@" in key else User.username_key
    return db.session.scalar(select(User).where(column == key))


def authenticate(login: str, password: str) -> User | None:
    """The account for these credentials, or ``None``; costs one hash check either way."""
    user = find_user(login)
    if not check_password(user.password_hash if user else None, password):
        return None
    return user


def start_session(user: User, user_agent: str = "") -> str:
    """Record a new sign-in and return the token its cookie carries."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=hash_token(token),
            user=user,
            # A header may carry a NUL, which no database stores; the rest still names it.
            user_agent=user_agent.replace("\x00", "")[:200],
        )
    )
    db.session.commit()
    user.session_token = token
    return token


def load_session(token: str) -> User | None:
    """The user signed in under this token, or ``None`` once it was ended or expired.

    Runs on every signed-in request: one statement, one ORM object (the user).
    """
    row = db.session.execute(
        select(User, UserSession.id, UserSession.last_seen_at)
        .join_from(UserSession, User, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    user, session_id, last_seen_at = row
    now = utcnow()
    if now - last_seen_at > SESSION_LIFETIME:
        return None
    if now - last_seen_at > LAST_SEEN_RESOLUTION:
        db.session.execute(
            update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
        )
        db.session.commit()
    user.session_token = token
    return user


def current_session_id(user: User) -> int | None:
    """The id of the session record the user's request runs under."""
    if user.session_token is None:
        return None
    return db.session.scalar(
        select(UserSession.id).where(UserSession.token_hash == hash_token(user.session_token))
    )


def end_session(token: str) -> None:
    """End one session: its cookie, and any copy of it, stops working (and its sockets close)."""
    ended = db.session.execute(
        delete(UserSession)
        .where(UserSession.token_hash == hash_token(token))
        .returning(UserSession.id, UserSession.user_id)
    ).all()
    db.session.commit()
    for session_id, user_id in ended:
        events.publish(events.sessions_ended(user_id, [session_id]))


def end_other_sessions(user: User) -> int:
    """End every session of the user but the current one, and every API token of theirs.

    Returns how many sessions ended. Password changes call this too.
    """
    end_tokens_of(user)
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if user.session_token is not None:
        statement = statement.where(UserSession.token_hash != hash_token(user.session_token))
    result = db.session.execute(statement)
    db.session.commit()
    if result.rowcount:  # type: ignore[attr-defined]
        keep = current_session_id(user)
        events.publish(events.sessions_ended(user.id, keep=keep))
    return int(result.rowcount)  # type: ignore[attr-defined]
