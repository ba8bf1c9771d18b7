"""Absolute links for mail and feeds, built from PUBLIC_URL and never from the Host header."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint``: under ``PUBLIC_URL`` when set, else the request's host."""
    public_url: str | None = current_app.config.get("PUBLIC_URL")
    if not public_url:
        return url_for(endpoint, _external=True, **values)
    return public_url + url_for(endpoint, **values)
