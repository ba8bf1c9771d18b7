"""Password reset by mail: signed links that expire, and die once the password changes."""

from __future__ import annotations

import hmac
import logging

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, select

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.models import User, UserSession
from journal.services.accounts import normalise_email
from journal.services.mailer import send_mail
from journal.services.passwords import hash_password, password_problems
from journal.services.tokens import end_tokens_of
from journal.urls import external_url
from journal.wording import in_words

log = logging.getLogger(__name__)

SALT = "password-reset"
# The tail of the current hash goes into the token: a new password makes old links fail.
HASH_PART = 16


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _hash_part(user: User) -> str:
    return user.password_hash[-HASH_PART:]


def make_reset_token(user: User) -> str:
    """A signed token naming the user and bound to their current password hash."""
    return str(_serializer().dumps({"user": user.id, "hash": _hash_part(user)}))


def user_for_reset_token(token: str) -> User | None:
    """The user a valid token was made for; ``None`` when used, expired, forged or stale."""
    try:
        payload = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadData:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, hash_part = payload.get("user"), payload.get("hash")
    if not isinstance(user_id, int) or not isinstance(hash_part, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(_hash_part(user), hash_part):
        return None
    return user


def request_reset(email: str) -> None:
    """Mail a reset link when an account has this address; say nothing either way."""
    try:
        address = normalise_email(email)
    except ValidationFailed:
        return
    user = db.session.scalar(select(User).where(User.email_key == address.lower()))
    if user is None:
        log.info("password reset asked for an address with no account")
        return
    link = external_url("auth.reset_password_with_token", token=make_reset_token(user))
    valid_for = in_words(current_app.config["PASSWORD_RESET_MAX_AGE"])
    send_mail(
        user.email,
        "Reset your Journal password",
        f"Hello {user.username},\n\n"
        f"Someone (we hope you) asked to reset the password of your Journal account.\n"
        f"Choose a new one here within {valid_for}; the link works once:\n\n"
        f"{link}\n\n"
        "If you did not ask, ignore this message: your password stays as it is.\n",
    )


def reset_password(user: User, password: str) -> None:
    """Set a new password and end every session and API token of the user, in one transaction."""
    if problems := password_problems(password, user.username):
        raise ValidationFailed({"password": problems})
    user.password_hash = hash_password(password)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    end_tokens_of(user)
    db.session.commit()
