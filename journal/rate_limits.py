"""Rate limits that several views share: every password check for sign-in, and writing entries.

One function each, so that the sign-in form and ``POST /api/v1/tokens`` count failed
passwords in the same buckets, and the writing form and ``POST /api/v1/entries`` count
entries in the same bucket. The limiter itself is bound to the app with the other
extensions; these functions only read its settings and its storage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import current_app, request
from limits import RateLimitItem, parse_many
from werkzeug.wrappers import Response

from journal.extensions import limiter
from journal.models import User
from journal.services import accounts

# The 429 page adds how long to wait, in words, from Retry-After.
TOO_MANY_SIGN_INS = "Too many failed sign-ins."
P = ParamSpec("P")
R = TypeVar("R")


def _setting(name: str) -> str:
    value: str = current_app.config[name]
    return value


# --- every place a password is checked to sign in -----------------------------------------


def sign_in_login() -> str:
    """The name a sign-in attempt gives: HTTP Basic's username, else the form's ``username``."""
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return auth.username or ""
    return request.form.get("username", "")


def sign_in_account_key() -> str:
    """The rate-limit key of the account an attempt names (its id when it exists).

    Username and email of one account share the key, whichever way the attempt came in.
    """
    login = sign_in_login().strip().lower()
    user = accounts.find_user(login) if login else None
    return f"account:{user.id}" if user is not None else f"login:{login}"


def sign_in_failed(response: Response) -> bool:
    """Only refused passwords count: the sign-in form answers 422, the API 401."""
    return response.status_code in (401, 422)


def sign_in_limits(view: Callable[P, R]) -> Callable[P, R]:
    """Limit a view that checks a password: per account and per address, shared by every view.

    ``RATELIMIT_LOGIN_PER_ACCOUNT`` and ``RATELIMIT_LOGIN_PER_ADDRESS`` count failures
    across all views so decorated (the scopes are shared); while either is exhausted even
    the right password gets 429 with ``Retry-After``.
    """
    per_account = limiter.shared_limit(
        lambda: _setting("RATELIMIT_LOGIN_PER_ACCOUNT"),
        scope="sign-in-per-account",
        key_func=sign_in_account_key,
        methods=["POST"],
        deduct_when=sign_in_failed,
        error_message=TOO_MANY_SIGN_INS,
    )
    per_address = limiter.shared_limit(
        lambda: _setting("RATELIMIT_LOGIN_PER_ADDRESS"),
        scope="sign-in-per-address",
        methods=["POST"],
        deduct_when=sign_in_failed,
        error_message=TOO_MANY_SIGN_INS,
    )
    return per_account(per_address(view))


# --- writing entries ----------------------------------------------------------------------


def _entry_write_limits(user: User) -> list[tuple[RateLimitItem, str, str]]:
    """Each ``ENTRY_WRITE_LIMIT`` item with its storage key parts (per account)."""
    key = f"account:{user.id}"
    return [(item, "entry-write", key) for item in parse_many(_setting("ENTRY_WRITE_LIMIT"))]


def entry_write_wait(user: User) -> int:
    """0 when ``user`` may write an entry now, else the seconds until they may.

    ``ENTRY_WRITE_LIMIT`` (for example ``"60 per minute"``) is per account and shared by
    the writing form and the API. Only entries written count (``count_entry_written``).
    """
    if not limiter.enabled:
        return 0
    strategy = limiter.limiter
    wait = 0
    for item, *key in _entry_write_limits(user):
        if not strategy.test(item, *key):
            reset_at = strategy.get_window_stats(item, *key).reset_time
            wait = max(wait, math.ceil(reset_at - time.time()), 1)
    return wait


def count_entry_written(user: User) -> None:
    """Count one entry that ``user`` wrote against ``ENTRY_WRITE_LIMIT``."""
    if limiter.enabled:
        for item, *key in _entry_write_limits(user):
            limiter.limiter.hit(item, *key)
