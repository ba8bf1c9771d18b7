"""Who is calling: HTTP Basic to get a token, Bearer tokens for everything else.

Browser session cookies count for nothing here: nothing in the API reads Flask-Login's
``current_user``, only the user the Authorization header names.
"""

from __future__ import annotations

from flask import g
from flask_httpauth import HTTPBasicAuth, HTTPTokenAuth
from werkzeug.datastructures import Authorization, WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from journal.models import ApiToken, User
from journal.problems import problem_response
from journal.services import accounts, tokens

REALM = "Journal API"


class BearerAuth(HTTPTokenAuth):
    """Flask-HTTPAuth's bearer scheme, except that an empty token is refused, not ignored.

    ``Authorization: Bearer`` with no token (or only spaces) would otherwise count as no
    header at all and let the request through as anonymous.
    """

    def authenticate(self, auth: Authorization | None, stored_password: str | None) -> object:
        if auth is None or self.verify_token_callback is None:
            return None
        return self.ensure_sync(self.verify_token_callback)(getattr(auth, "token", None) or "")


basic_auth = HTTPBasicAuth(realm=REALM)
token_auth = BearerAuth(scheme="Bearer", realm=REALM)


@basic_auth.verify_password
def verify_password(username: str, password: str) -> User | None:
    """The account for these Basic credentials (username or email), or ``None``."""
    if not username or "\x00" in username:
        return None
    return accounts.authenticate(username, password)


@basic_auth.error_handler
def basic_auth_failed(status: int) -> Response:
    """401 with ``WWW-Authenticate: Basic`` (added by Flask-HTTPAuth)."""
    return problem_response(
        Unauthorized("Send your username (or email) and password with HTTP Basic authentication.")
    )


@token_auth.verify_token
def verify_token(token: str) -> User:
    """The user a bearer token belongs to (Flask-HTTPAuth calls this only when one is sent).

    A token that is sent but unknown, expired or revoked is refused outright, even where
    anonymous callers are welcome, so a client never mistakes a dead token for its data.
    """
    invalid = WWWAuthenticate("bearer", {"realm": REALM, "error": "invalid_token"})
    if not token:
        raise Unauthorized(
            "The Authorization header says Bearer but carries no token.",
            www_authenticate=invalid,
        )
    found = tokens.token_owner(token)
    if found is None:
        raise Unauthorized(
            "The bearer token is unknown, expired or revoked: ask for a new one.",
            www_authenticate=invalid,
        )
    record, user = found
    g.api_token = record
    return user


@token_auth.error_handler
def token_auth_failed(status: int) -> Response:
    """401 with ``WWW-Authenticate: Bearer`` (added by Flask-HTTPAuth)."""
    return problem_response(
        Unauthorized("Send Authorization: Bearer <token>; get a token from POST /api/v1/tokens.")
    )


def api_token() -> ApiToken:
    """The token record the request authenticated with."""
    record: ApiToken = g.api_token
    return record
