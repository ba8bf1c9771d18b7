"""Who a page request is from, read from Flask-Login in one place.

The API does not use these: its caller is ``token_auth.current_user()`` (Flask-HTTPAuth),
so a browser's session cookie counts for nothing there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from flask import g
from flask_login import current_user
from werkzeug.exceptions import Unauthorized

if TYPE_CHECKING:
    from journal.models import User


@overload
def signed_in_user() -> User | None: ...
@overload
def signed_in_user(*, required: Literal[True]) -> User: ...
def signed_in_user(*, required: bool = False) -> User | None:
    """The user this request is signed in as, else ``None`` (or 401 when ``required``).

    The user itself, not Flask-Login's proxy, so services can add, delete or compare it.
    """
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
        return user
    if required:
        raise Unauthorized()
    return None


def loaded_login_user(*, replace_with: Any = None) -> Any:
    """The user Flask-Login has loaded for this request so far, or ``None``; never a query.

    With ``replace_with``, that user (or anonymous user) stands in for the rest of the
    request. The only place that touches Flask-Login's private ``g._login_user``.
    """
    if replace_with is not None:
        g._login_user = replace_with
    return g.get("_login_user")
