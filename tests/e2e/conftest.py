"""Browser fixtures: Debian's Chromium through pytest-playwright, the real app on loopback.

Browser tests run on SQLite only (a copy of the migrated template file per test): they
prove what a person sees and does in the pages; the database tests cover PostgreSQL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from journal import create_app
from tests.conftest import ENVIRONMENT_KEYS
from tests.e2e.demo import Demo, seed_demo
from tests.e2e.live import (
    AXE_RESULTS,
    HEIGHTS,
    WIDTHS,
    BrowserProblems,
    LiveServer,
    chromium_path,
    copy_database,
    launch_args,
    serve,
    summarise,
)
from tests.helpers import PASSWORD
from tests.servers import SMTPServer, unavailable


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List axe-core's findings for every page view checked in this run."""
    results = terminalreporter.config.stash.get(AXE_RESULTS, None)
    if not results:
        return
    terminalreporter.section("axe-core results")
    for view, violations in sorted(results.items()):
        found = summarise(violations).replace("\n", "; ") or "no violations"
        terminalreporter.write_line(f"{view}: {found}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium: ``playwright install`` cannot download browsers here."""
    if chromium_path() is None:
        unavailable("Chromium is not installed; apt-get install chromium")
    return {**browser_type_launch_args, **launch_args()}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop-sized window, English, UTC, no service workers."""
    return {
        **browser_context_args,
        "viewport": {"width": WIDTHS["desktop"], "height": HEIGHTS["desktop"]},
        "locale": "en-GB",
        "timezone_id": "UTC",
        "service_workers": "block",
    }


@pytest.fixture
def live_server(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """The app in its testing configuration on an empty migrated SQLite file, on loopback."""
    monkeypatch.setenv("DATABASE_URL", copy_database(sqlite_template, tmp_path / "journal.sqlite3"))
    app = create_app("testing")
    with serve(app) as server:
        yield server


@pytest.fixture
def mailing_server(
    smtp: SMTPServer, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """Like ``live_server``, but the app sends its mail to the ``smtp`` server."""
    monkeypatch.setenv("DATABASE_URL", copy_database(sqlite_template, tmp_path / "journal.sqlite3"))
    # ``smtp`` has set MAIL_SERVER and MAIL_PORT: the app reads them when it is made.
    app = create_app("testing")
    with serve(app) as server:
        yield server


def wait_for_mail(smtp: SMTPServer, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
    """The messages ``smtp`` got, once there are ``count`` (mail is sent in the background)."""
    deadline = time.monotonic() + timeout
    while len(smtp.messages) < count:
        assert time.monotonic() < deadline, f"{len(smtp.messages)} of {count} messages arrived"
        time.sleep(0.05)
    return list(smtp.messages)


class Visitor:
    """One person in one browser context: navigation and the app's forms, as a user does them."""

    def __init__(self, page: Page, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.problems = BrowserProblems()
        self.problems.watch(page)

    def goto(self, path: str, status: int = 200) -> None:
        """Open ``path`` and check the answer's status."""
        url = self.server.at(path)
        if status >= 400:
            self.problems.expect_status(url, status)
        response = self.page.goto(url)
        assert response is not None and response.status == status, (
            path,
            response and response.status,
        )

    def expect_flash(self, text: str) -> None:
        """A flashed message containing ``text`` is shown."""
        expect(self.page.locator(".flash").filter(has_text=text)).to_be_visible()

    def register(self, username: str, password: str = PASSWORD) -> None:
        """Create an account through the form (which signs it in)."""
        self.goto("/register")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Email").fill(f"{username}@example.org")
        self.page.get_by_label("Password", exact=True).fill(password)
        self.page.get_by_label("Repeat password").fill(password)
        self.page.get_by_role("button", name="Register").click()
        self.expect_flash(f"Welcome, {username}!")

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the form."""
        self.goto("/login")
        self.page.get_by_label("Username or email").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.locator("main").get_by_role("button", name="Sign in").click()
        self.expect_flash(f"Signed in as {username}.")

    def sign_out(self) -> None:
        """Sign out with the button in the header."""
        self.page.get_by_role("banner").get_by_role("button", name="Sign out").click()
        self.expect_flash("You are signed out.")
        expect(self.page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()

    def write_entry(self, title: str, body: str, tags: str = "", public: bool = False) -> int:
        """Write an entry through the editor; returns its id from the address it lands on."""
        self.page.get_by_role("banner").get_by_role("link", name="Write").click()
        expect(self.page).to_have_title("New entry · Journal")
        self.page.get_by_label("Title").fill(title)
        self.page.get_by_label("Entry").fill(body)
        self.page.get_by_label("Tags").fill(tags)
        self.page.get_by_label("Everyone" if public else "Only me").check()
        self.page.get_by_role("button", name="Save").click()
        self.expect_flash("Entry saved.")
        match = re.search(r"/entries/(\d+)$", self.page.url)
        assert match, self.page.url
        return int(match.group(1))

    def assert_favicon(self) -> None:
        """The icon the page links to loads as an image."""
        href = self.page.locator("link[rel=icon]").get_attribute("href")
        assert href
        response = self.page.request.get(self.server.at(href))
        assert response.status == 200
        assert response.headers["content-type"].startswith("image/")
        assert len(response.body()) > 0

    def assert_clean(self) -> None:
        """No console error or CSP violation on any page visited, and the favicon loads."""
        self.assert_favicon()
        self.problems.assert_clean()


@pytest.fixture
def visitor(page: Page, live_server: LiveServer) -> Visitor:
    """A person with a fresh browser context on the live server."""
    return Visitor(page, live_server)


@pytest.fixture
def another_visitor(
    browser: Browser, browser_context_args: dict[str, Any], live_server: LiveServer
) -> Iterator[Callable[..., Visitor]]:
    """Make more people, each in a separate browser context (separate cookies)."""
    contexts: list[Any] = []

    def make(**context_args: Any) -> Visitor:
        context = browser.new_context(**{**browser_context_args, **context_args})
        contexts.append(context)
        return Visitor(context.new_page(), live_server)

    yield make
    for context in contexts:
        context.close()


# --- a seeded site, shared by a module's read-only page checks ----------------------------


class SeededSite:
    """A server with demo people and entries, and the signed-in browser state of one of them."""

    def __init__(self, server: LiveServer, demo: Demo, signed_in_state: dict[str, Any]) -> None:
        self.server = server
        self.demo = demo
        self.signed_in_state = signed_in_state


@pytest.fixture(scope="module")
def seeded_site(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    browser: Browser,
    browser_context_args: dict[str, Any],
) -> Iterator[SeededSite]:
    """Demo data served for a whole module; pages are only read, so tests cannot disturb it."""
    url = copy_database(sqlite_template, tmp_path_factory.mktemp("seeded") / "journal.sqlite3")
    with pytest.MonkeyPatch.context() as patch:
        for key in ENVIRONMENT_KEYS:
            patch.delenv(key, raising=False)
        patch.setenv("DATABASE_URL", url)
        app = create_app("testing")
    demo = seed_demo(app)
    with serve(app) as server:
        context = browser.new_context(**browser_context_args)
        visitor = Visitor(context.new_page(), server)
        visitor.sign_in(demo.author)
        state = context.storage_state()
        context.close()
        yield SeededSite(server, demo, state)
