"""axe-core on every page a person can reach, light and dark, phone and desktop.

Zero serious or critical violations is the bar. Every page view's result (moderate and minor
violations too) is printed at the end of the run, under "axe-core results".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from journal.services import accounts
from journal.services.password_reset import make_reset_token
from tests.e2e.conftest import SeededSite, Visitor
from tests.e2e.live import (
    AXE_RESULTS,
    HEIGHTS,
    WIDTHS,
    inline_code,
    overflow,
    serious_violations,
    summarise,
)

pytestmark = pytest.mark.browser

AXE = Axe()
AXE_VERSION = re.search(r"axe v([\d.]+)", AXE.axe_script[:200]).group(1)  # type: ignore[union-attr]
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


def submit_empty_registration(visitor: Visitor) -> None:
    """Send the registration form empty, to see its errors beside their fields."""
    visitor.problems.expect_status(visitor.page.url, 422)
    visitor.page.get_by_role("button", name="Register").click()
    expect(visitor.page.locator(".errors").first).to_be_visible()


def submit_empty_entry(visitor: Visitor) -> None:
    """Save the editor empty, to see its errors beside their fields."""
    visitor.problems.expect_status(visitor.page.url, 422)
    visitor.page.get_by_role("button", name="Save").click()
    expect(visitor.page.locator(".errors").first).to_be_visible()


def show_preview(visitor: Visitor) -> None:
    """Write a little Markdown and switch the editor to its preview."""
    page = visitor.page
    page.get_by_label("Title").fill("A list")
    body = "- [x] done\n- [ ] to do\n\nSee[^1].\n\n[^1]: Note."
    page.get_by_label("Entry", exact=True).fill(body)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview .footnotes")).to_be_visible()


def offer_draft(visitor: Visitor) -> None:
    """Type a little, let the draft be kept, and open the editor again: it offers the draft."""
    page = visitor.page
    page.get_by_label("Title").fill("Half written")
    key = page.locator("[data-editor]").get_attribute("data-draft-key")
    page.wait_for_function("key => localStorage.getItem(key) !== null", arg=key)
    visitor.goto("/entry")
    expect(page.locator(".draft-offer")).to_be_visible()


def sign_in_too_often(visitor: Visitor) -> None:
    """Fail to sign in until the limit answers 429 (at once, when an earlier view got there)."""
    page = visitor.page
    visitor.problems.expect_status(page.url, 422)
    visitor.problems.expect_status(page.url, 429)
    for _ in range(10):
        page.get_by_label("Username or email").fill("nobody")
        page.get_by_label("Password").fill("not the password")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator("main").get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if answer.value.status == 429:
            break
    expect(page.get_by_role("heading", level=1)).to_have_text("Too Many Requests")


def post_without_csrf_token(visitor: Visitor) -> None:
    """Send the sign-out form without its CSRF token: the 400 page."""
    visitor.problems.expect_status(visitor.page.url, 400)
    visitor.page.locator("main input[name=csrf_token]").evaluate("input => input.remove()")
    visitor.page.locator("main").get_by_role("button", name="Sign out").click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Bad Request")


# name: (path, signed in, status, what to do on the page before checking it)
PAGES: dict[str, tuple[str, bool, int, Callable[[Visitor], None] | None]] = {
    "main": ("/", False, 200, None),
    "main, signed in": ("/", True, 200, None),
    "login": ("/login", False, 200, None),
    "register": ("/register", False, 200, None),
    "register with errors": ("/register", False, 200, submit_empty_registration),
    "new entry": ("/entry", True, 200, None),
    "new entry with errors": ("/entry", True, 200, submit_empty_entry),
    "new entry, preview shown": ("/entry", True, 200, show_preview),
    "new entry, draft offered": ("/entry", True, 200, offer_draft),
    "entry": ("/entries/{rich}", True, 200, None),
    "private entry": ("/entries/{private}", True, 200, None),
    "edit entry": ("/entries/{rich}/edit", True, 200, None),
    "tag": ("/tags/travel", False, 200, None),
    "user": ("/u/maya", False, 200, None),
    "user, signed in": ("/u/maya", True, 200, None),
    "search with hits": ("/search?q=ferry", False, 200, None),
    "search without hits": ("/search?q=zeppelin", False, 200, None),
    "search form": ("/search", False, 200, None),
    "account": ("/account", True, 200, None),
    "calendar year": ("/calendar", True, 200, None),
    "calendar month": ("/calendar/2024/2", True, 200, None),
    "day": ("/day/2024-02-29", True, 200, None),
    "on this day": ("/on-this-day", True, 200, None),
    "tags, signed in": ("/tags", True, 200, None),
    "reset password": ("/reset-password", False, 200, None),
    "reset password, new one": ("/reset-password/{reset_token}", False, 200, None),
    "reset link used up": ("/reset-password/not-a-token", False, 400, None),
    "404": ("/no-such-page", False, 404, None),
    "400": ("/logout", True, 200, post_without_csrf_token),
    "429": ("/login", False, 200, sign_in_too_often),
    "logout": ("/logout", True, 200, None),
}
SCHEMES = ["light", "dark"]


@pytest.fixture
def axe_results(request: pytest.FixtureRequest) -> dict[str, list[dict[str, Any]]]:
    """Every page view's violations, printed in the run's summary (see conftest)."""
    return request.config.stash.setdefault(AXE_RESULTS, {})


def open_page(
    browser: Browser,
    context_args: dict[str, Any],
    site: SeededSite,
    name: str,
    scheme: str,
    device: str,
) -> Visitor:
    """A visitor on page ``name`` in the given colour scheme and window size."""
    path, signed_in, status, action = PAGES[name]
    context = browser.new_context(
        **{
            **context_args,
            "viewport": {"width": WIDTHS[device], "height": HEIGHTS[device]},
            "color_scheme": scheme,
            "storage_state": site.signed_in_state if signed_in else None,
        }
    )
    visitor = Visitor(context.new_page(), site.server)
    visitor.goto(
        path.format(
            rich=site.demo.rich_entry_id,
            private=site.demo.private_entry_id,
            reset_token=reset_token(site, site.demo.author),
        ),
        status,
    )
    if action is not None:
        action(visitor)
    return visitor


def reset_token(site: SeededSite, username: str) -> str:
    """A valid password-reset token of ``username``, as the mailed link carries it."""
    with site.server.app.app_context():
        user = accounts.find_user(username)
        assert user is not None
        return make_reset_token(user)


@pytest.mark.parametrize("size", list(WIDTHS))
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(
    browser: Browser,
    browser_context_args: dict[str, Any],
    seeded_site: SeededSite,
    axe_results: dict[str, list[dict[str, Any]]],
    record_property: Callable[[str, object], None],
    page_name: str,
    scheme: str,
    size: str,
) -> None:
    visitor = open_page(browser, browser_context_args, seeded_site, page_name, scheme, size)
    try:
        page = visitor.page
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.title().endswith(" · Journal") and len(page.title()) > len(" · Journal")
        for landmark in ("banner", "navigation", "main", "contentinfo"):
            expect(page.get_by_role(landmark).first).to_be_attached()
        assert inline_code(page) == []
        assert overflow(page) == 0, "the page scrolls sideways"

        results = AXE.run(page, options=AXE_OPTIONS).response
        violations = results["violations"]
        axe_results[f"{page_name}, {scheme}, {WIDTHS[size]} px"] = violations
        record_property("axe", summarise(violations) or "no violations")
        serious = serious_violations(results)
        assert serious == [], summarise(serious)
        visitor.assert_clean()
    finally:
        visitor.page.context.close()
