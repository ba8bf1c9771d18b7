"""Absolute links for mail and feeds, built from PUBLIC_URL and never from the Host header."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask.sansio.app import App
from werkzeug.routing import BuildError, Rule


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint``: under ``PUBLIC_URL`` when set, else the request's host."""
    public_url: str | None = current_app.config.get("PUBLIC_URL")
    if not public_url:
        return url_for(endpoint, _external=True, **values)
    return public_url + url_for(endpoint, **values)


class PathTo:
    """``url_for(endpoint, **{argument: value})`` for one endpoint of one app, as a filter.

    A listing links every card to its entry, author and tags: sixty links a page. Jinja
    calls a filter directly, and the endpoint's URL rule builds the path, which makes a
    link about five times cheaper than ``url_for`` from a template (see ``make bench``).
    Only for endpoints with one rule and no URL defaults, as the tests check.
    """

    def __init__(self, app: App, endpoint: str, argument: str) -> None:
        self.app = app
        self.endpoint = endpoint
        self.argument = argument
        self._rule: Rule | None = None

    def __call__(self, value: object) -> str:
        if self._rule is None:  # looked up on first use, once every route is registered
            self._rule = next(self.app.url_map.iter_rules(self.endpoint))
        built = self._rule.build({self.argument: value}, append_unknown=False)
        if built is None:  # pragma: no cover - only a converter's ValidationError gives None
            raise BuildError(self.endpoint, {self.argument: value}, None)
        return request.script_root + built[1]
