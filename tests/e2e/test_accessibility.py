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
from playwright.sync_api import Browser, Page, expect

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


def submit_empty_registration(page: Page) -> None:
    """Send the registration form empty, to see its errors beside their fields."""
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".errors").first).to_be_visible()


def submit_empty_entry(page: Page) -> None:
    """Save the editor empty, to see its errors beside their fields."""
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errors").first).to_be_visible()


# name: (path, signed in, status, what to do on the page before checking it)
PAGES: dict[str, tuple[str, bool, int, Callable[[Page], None] | None]] = {
    "main": ("/", False, 200, None),
    "main, signed in": ("/", True, 200, None),
    "login": ("/login", False, 200, None),
    "register": ("/register", False, 200, None),
    "register with errors": ("/register", False, 200, submit_empty_registration),
    "new entry": ("/entry", True, 200, None),
    "new entry with errors": ("/entry", True, 200, submit_empty_entry),
    "entry": ("/entries/{rich}", True, 200, None),
    "private entry": ("/entries/{private}", True, 200, None),
    "404": ("/no-such-page", False, 404, None),
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
        path.format(rich=site.demo.rich_entry_id, private=site.demo.private_entry_id), status
    )
    if action is not None:
        # A refused form answers 422: the page shows it on purpose.
        visitor.problems.expect_status(visitor.page.url, 422)
        action(visitor.page)
    return visitor


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
