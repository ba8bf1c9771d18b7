"""Protections of every app: the security headers Talisman sends, HSTS, and NUL refusal."""

from __future__ import annotations

from typing import Any

from flask import Config, abort, current_app, request
from werkzeug.wrappers import Response

# No inline script or style anywhere, no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS_MAX_AGE = 31536000


def talisman_options(config: Config) -> dict[str, Any]:
    """Talisman's settings for an app with ``config``: the headers every response carries."""
    return {
        # TLS belongs to the proxy: the app never redirects to HTTPS itself.
        "force_https": False,
        # Talisman trusts any X-Forwarded-Proto; HSTS is set by add_hsts from request.is_secure,
        # which honours only the configured trusted proxies (ProxyFix).
        "strict_transport_security": False,
        "frame_options": "DENY",
        "content_security_policy": CONTENT_SECURITY_POLICY,
        "referrer_policy": "strict-origin-when-cross-origin",
        # Talisman rewrites the SESSION_COOKIE_* settings: hand it the configured ones.
        "session_cookie_secure": config["SESSION_COOKIE_SECURE"],
        "session_cookie_http_only": config["SESSION_COOKIE_HTTPONLY"],
        "session_cookie_samesite": config["SESSION_COOKIE_SAMESITE"],
    }


def refuse_nul_characters() -> None:
    """400 for a NUL character in the path, query or a plain form: no database stores one.

    Multipart bodies are left to their views, which may allow a larger upload first; the
    API validates its own input and answers 422 or 404 in its own format.
    """
    if request.path.startswith("/api/"):
        return
    values = [request.path, *request.args.values()]
    if request.mimetype == "application/x-www-form-urlencoded":
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400, description="The request contains a NUL character, which no field accepts.")


def add_hsts(response: Response) -> Response:
    """In production, tell browsers to come back over HTTPS only (on HTTPS answers)."""
    if current_app.config.get("ENV_NAME") == "production" and request.is_secure:
        response.headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE}; includeSubDomains"
    return response
