"""The layout holds from a 360 px phone to a 1280 px desktop, even with unruly content."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from journal.extensions import db
from journal.models import User
from journal.services import entries
from journal.services.entries import EntryInput
from tests.e2e.conftest import Visitor
from tests.e2e.live import overflow, serious_violations, summarise

pytestmark = pytest.mark.browser

LONG_WORD = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft" * 3
UNRULY_BODY = f"""\
{LONG_WORD}

A link with a long address: <https://example.org/{"very-long-path-segment/" * 12}>

```
{"wide_code_line = " + "x" * 240}
```

| {" | ".join(f"column {n}" for n in range(1, 13))} |
|{"---|" * 12}
| {" | ".join(f"value {n}" for n in range(1, 13))} |
"""
UNRULY_TITLE = "A title that goes on " + "and on " * 20 + LONG_WORD[:60]
MANY_TAGS = [f"tag-number-{n}" for n in range(10)]


@pytest.fixture
def unruly_entry(visitor: Visitor) -> int:
    """An entry by maya with a long title, an unbreakable word, wide code and a wide table."""
    visitor.register("maya")
    with visitor.server.app.app_context():
        maya = db.session.scalar(select(User).where(User.username == "maya"))
        assert maya is not None
        entry = entries.create_entry(
            maya,
            EntryInput(title=UNRULY_TITLE[:200], body=UNRULY_BODY, tags=MANY_TAGS),
        )
        return entry.id


@pytest.mark.parametrize("width", [360, 375, 1280])
def test_no_page_scrolls_sideways(visitor: Visitor, unruly_entry: int, width: int) -> None:
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 800})
    for path in ["/", f"/entries/{unruly_entry}", "/entry", "/logout"]:
        visitor.goto(path)
        assert overflow(page) == 0, f"{path} is wider than {width} px"
    visitor.goto(f"/entries/{unruly_entry}")
    # The wide code block and table scroll inside themselves instead of widening the page.
    for selector in (".prose pre", ".prose table"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    visitor.page.context.clear_cookies()
    for path in ["/", "/login", "/register", "/missing"]:
        visitor.goto(path, status=404 if path == "/missing" else 200)
        assert overflow(page) == 0, f"{path} is wider than {width} px"
    visitor.assert_clean()


def test_unruly_entry_is_accessible_on_a_phone(visitor: Visitor, unruly_entry: int) -> None:
    visitor.page.set_viewport_size({"width": 375, "height": 800})
    visitor.goto(f"/entries/{unruly_entry}")
    expect(visitor.page.locator(".prose pre")).to_be_visible()
    results = Axe().run(visitor.page).response
    serious = serious_violations(results)
    assert serious == [], summarise(serious)
    visitor.assert_clean()
