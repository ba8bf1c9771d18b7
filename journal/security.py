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
    """400 for a NUL character in the path or query: no address names anything with one.

    Text sent in a form or JSON body is judged by the services' storable-text rule, which
    every write path goes through (``journal.services.storable``).
    """
    if request.path.startswith("/api/"):
        return
    if any("\x00" in value for value in (request.path, *request.args.values())):
        abort(400, description="The address contains a NUL character, which nothing accepts.")


def add_hsts(response: Response) -> Response:
    """In production, tell browsers to come back over HTTPS only (on HTTPS answers)."""
    if current_app.config.get("ENV_NAME") == "production" and request.is_secure:
        response.headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE}; includeSubDomains"
    return response
