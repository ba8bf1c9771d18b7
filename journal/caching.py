"""Caching: nothing meant for one person is kept by a browser's history or a shared proxy.

An answer is private when it is to a signed-in browser, to a request carrying credentials
(an API bearer token, HTTP Basic), or to a write; it is sent ``Cache-Control: private,
no-store`` so the back button after signing out and a proxy never show it again. Answers to
anonymous readers (public entries, listings, feeds) keep the default and may be cached.
"""

from __future__ import annotations

from flask import Flask, request, session
from werkzeug.wrappers import Response

PRIVATE = "private, no-store"
# Flask-Login keeps the signed-in user's id under this session key.
SIGNED_IN_SESSION_KEY = "_user_id"


def is_private_answer(response: Response) -> bool:
    """Whether ``response`` may show something only this requester may see."""
    if request.endpoint == "static" or response.cache_control.public:
        return False  # files anyone may fetch (the stylesheet, the favicon)
    return (
        request.method not in {"GET", "HEAD"}
        or "Authorization" in request.headers
        or SIGNED_IN_SESSION_KEY in session
    )


def forbid_storing_private_answers(response: Response) -> Response:
    """Send ``Cache-Control: private, no-store`` on every private answer."""
    if is_private_answer(response):
        response.headers["Cache-Control"] = PRIVATE
    return response


def init_app(app: Flask) -> None:
    """Mark every private answer of ``app`` as not to be stored."""
    app.after_request(forbid_storing_private_answers)
