"""Serving the real app on loopback for a real browser, and watching what the browser reports.

Shared by the browser tests (``tests/e2e``) and ``make screenshots``. Browser tests run on
SQLite only: what they prove is the pages, and the database tests already cover PostgreSQL.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The contract's policy (no inline script or style). The server below adds it to every
# answer, so the browser enforces it even where the app sends a looser one: a browser
# applies every Content-Security-Policy header it gets.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Where the accessibility tests leave each page view's axe-core violations for the summary.
AXE_RESULTS = pytest.StashKey[dict[str, list[dict[str, Any]]]]()

WIDTHS = {"phone": 375, "desktop": 1280}
HEIGHTS = {"phone": 812, "desktop": 900}


def chromium_path() -> str | None:
    """Debian's Chromium, or ``None`` when it is not installed."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def launch_args() -> dict[str, Any]:
    """Playwright launch options for the system Chromium (nothing can be downloaded here)."""
    return {"executable_path": chromium_path(), "headless": True, "args": CHROMIUM_ARGS}


class StrictCSP:
    """WSGI middleware adding the contract's Content-Security-Policy to every answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            return start_response(
                status, [*headers, ("Content-Security-Policy", STRICT_CSP)], *args
            )

        return self.app(environ, start)


@dataclass
class LiveServer:
    """The app answering on ``url`` from a thread of this process."""

    app: Flask
    url: str

    def at(self, path: str) -> str:
        """The absolute address of ``path``."""
        return self.url + path


@contextmanager
def serve(app: Flask) -> Iterator[LiveServer]:
    """Serve ``app`` on a free loopback port until the block ends."""
    server = make_server("127.0.0.1", 0, StrictCSP(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# Chromium reports a document answered with an error status as a console error; that is
# the page working as designed when the test asked for it.
_FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")
# The browser tests run on Werkzeug's development server, which may write bytes of its own
# on a WebSocket that the app has just closed (flask-sock issues #20 and #77): Chromium then
# reports an invalid frame header. gunicorn does not; the live layer's closes are checked
# under gunicorn and nginx in tests/test_live.py and tests/test_nginx.py.
_DEV_SERVER_SOCKET_CLOSE = re.compile(
    r"WebSocket connection to '[^']*/live' failed: Invalid frame header"
)


@dataclass
class BrowserProblems:
    """Console errors, uncaught exceptions, CSP violations and failed loads seen by a page."""

    errors: list[str] = field(default_factory=list)
    expected_statuses: dict[str, set[int]] = field(default_factory=dict)

    def watch(self, page: Any) -> Any:
        """Listen to ``page``; returns it."""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        return page

    def expect_status(self, url: str, status: int) -> None:
        """``url`` is meant to answer ``status`` (a 404 page, a refused form)."""
        self.expected_statuses.setdefault(url, set()).add(status)

    def expected(self, url: str, status: int) -> bool:
        """Whether ``url`` answering ``status`` is what the test asked for."""
        return status in self.expected_statuses.get(url, set())

    def _console(self, message: Any) -> None:
        if message.type not in {"error", "warning"}:
            return
        text = message.text
        if message.type == "warning" and "Content-Security-Policy" not in text:
            return
        if _DEV_SERVER_SOCKET_CLOSE.search(text):
            return
        failed = _FAILED_LOAD.search(text)
        url = (message.location or {}).get("url", "")
        if failed and self.expected(url, int(failed.group(1))):
            return
        self.errors.append(f"console {message.type}: {text} ({url})")

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        # A navigation that replaces the page cancels the old page's pending loads.
        if "ERR_ABORTED" in failure:
            return
        self.errors.append(f"request failed: {request.url} {failure}")

    def _response(self, response: Any) -> None:
        if response.status < 400 or self.expected(response.url, response.status):
            return
        self.errors.append(f"HTTP {response.status}: {response.url}")

    def assert_clean(self) -> None:
        """No console error, CSP violation, uncaught exception or unexpected error status."""
        assert self.errors == [], "\n".join(self.errors)


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


def inline_code(page: Any) -> list[str]:
    """Elements carrying inline style or script, which the CSP forbids."""
    found: list[str] = page.evaluate(
        """() => [
          ...[...document.querySelectorAll('[style]')].map(e => e.outerHTML.slice(0, 80)),
          ...[...document.querySelectorAll('script:not([src])')].map(e => e.outerHTML.slice(0, 80)),
          ...[...document.querySelectorAll('style')].map(e => e.outerHTML.slice(0, 80)),
          ...[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
              .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
        ]"""
    )
    return found


def serious_violations(response: dict[str, Any]) -> list[dict[str, Any]]:
    """axe-core violations of impact serious or critical."""
    return [v for v in response["violations"] if v.get("impact") in {"serious", "critical"}]


def summarise(violations: Iterable[dict[str, Any]]) -> str:
    """One line per violation: rule, impact, how many elements, the first target."""
    lines = []
    for violation in violations:
        first = violation["nodes"][0]["target"] if violation["nodes"] else []
        lines.append(
            f"{violation['id']} ({violation['impact']}): {len(violation['nodes'])} element(s),"
            f" e.g. {first} - {violation['help']}"
        )
    return "\n".join(lines)


def copy_database(template: Path, target: Path) -> str:
    """Copy a migrated SQLite file to ``target``; returns its URL."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
