"""Static files under fingerprinted URLs (``style.css?v=<digest>``), cached for a year."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.wrappers import Response

ONE_YEAR = 365 * 24 * 3600


def init_static_files(app: Flask) -> None:
    """Add a content digest to every ``url_for('static', ...)`` and cache such URLs for good.

    The digest changes with the file, so a new release is fetched at once although browsers
    keep each version for a year; a URL without it keeps Flask's revalidating default.
    """
    digests: dict[str, str] = {}

    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "filename" not in values or app.static_folder is None:
            return
        filename = str(values["filename"])
        if filename not in digests or app.debug:
            try:
                content = (Path(app.static_folder) / filename).read_bytes()
            except OSError:
                return
            digests[filename] = hashlib.sha256(content).hexdigest()[:12]
        values["v"] = digests[filename]

    def cache_fingerprinted(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code == 200:
            digest = digests.get((request.view_args or {}).get("filename", ""))
            if digest is not None and request.args.get("v") == digest:
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
        return response

    app.url_defaults(fingerprint)
    app.after_request(cache_fingerprinted)
