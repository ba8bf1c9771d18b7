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


# --- the header: one compact row (plus the search on a phone), targets a finger can hit -----

HEADER_TARGETS = ".site-header .brand, .site-header .nav-links a, .site-header .nav-links button"
# Most a header may take: a phone has the links' row and the search under it.
HEADER_HEIGHT = {360: 110, 375: 110, 1280: 72}
HEADER_HEIGHT_WITHOUT_SEARCH = 64


def header_boxes(visitor: Visitor) -> tuple[float, list[tuple[str, float, float]]]:
    """The header's height and each link's or button's (text, width, height)."""
    page = visitor.page
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    boxes = []
    for target in page.locator(HEADER_TARGETS).all():
        if not target.is_visible():
            continue  # the brand gives way to your name on a phone
        box = target.bounding_box()
        assert box is not None, target
        boxes.append((target.inner_text().strip(), box["width"], box["height"]))
    return header["height"], boxes


@pytest.mark.parametrize(
    ("width", "scheme"),
    [(360, "light"), (375, "light"), (375, "dark"), (1280, "light"), (1280, "dark")],
)
def test_header_is_one_compact_row_with_targets_a_finger_can_hit(
    visitor: Visitor, width: int, scheme: str
) -> None:
    page = visitor.page
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 800})
    for signed_in in (False, True):
        if signed_in:
            visitor.register("maya")
        visitor.goto("/")
        height, boxes = header_boxes(visitor)
        print(
            f"{width} px {scheme}, signed {'in' if signed_in else 'out'}: header {height:.0f} px,",
            ", ".join(f"{text} {w:.0f}×{h:.0f}" for text, w, h in boxes),
        )
        assert height <= HEADER_HEIGHT[width], (signed_in, height)
        # Signed in: your name (the way to your journal), Explore, Account, Sign out, Write,
        # and the brand too where there is room.
        assert len(boxes) == ((6 if width > 640 else 5) if signed_in else 3)
        if signed_in:
            assert "maya" in [text for text, _, _ in boxes]
        for text, box_width, box_height in boxes:
            assert box_width >= 24 and box_height >= 24, (text, box_width, box_height)
        # Brand and links share one row.
        shown = "els => els.filter(e => e.getClientRects().length)"
        tops = page.eval_on_selector_all(
            HEADER_TARGETS,
            f"els => ({shown})(els).map(e => Math.round(e.getBoundingClientRect().top))",
        )
        centres = page.eval_on_selector_all(
            HEADER_TARGETS,
            f"els => ({shown})(els).map(e => {{ const r = e.getBoundingClientRect(); "
            "return r.top + r.height / 2; })",
        )
        assert max(centres) - min(centres) <= 4, (tops, centres)
        assert overflow(page) == 0
    visitor.assert_clean()


@pytest.mark.parametrize("width", [375, 1280])
def test_search_page_has_one_search_box(visitor: Visitor, width: int) -> None:
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 800})
    visitor.goto("/search?q=zeppelin")
    expect(page.get_by_role("searchbox")).to_have_count(1)
    expect(page.get_by_role("searchbox")).to_have_value("zeppelin")
    height, _ = header_boxes(visitor)
    print(f"search page at {width} px: header {height:.0f} px")
    assert height <= HEADER_HEIGHT_WITHOUT_SEARCH
    visitor.assert_clean()


# --- account page: a refused form is seen without scrolling; reload never posts again ------


def in_viewport(visitor: Visitor, selector: str) -> bool:
    """Whether the element is wholly inside the window as the page now stands."""
    inside: bool = visitor.page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
    )
    return inside


@pytest.mark.parametrize(("width", "height"), [(375, 812), (1280, 900)])
def test_refused_delete_is_seen_at_once_and_reload_does_not_post(
    visitor: Visitor, width: int, height: int
) -> None:
    page = visitor.page
    page.set_viewport_size({"width": width, "height": height})
    visitor.register("maya")
    visitor.goto("/account")
    page.get_by_label("Your password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(visitor.server.at("/account#delete-account"))
    expect(page.locator("#delete-password-error")).to_be_visible()
    assert in_viewport(visitor, "#delete-password-error")
    assert in_viewport(visitor, "#delete-password")
    expect(page.locator("#delete-password")).to_be_focused()
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#delete-password")
    serious = serious_violations(Axe().run(page).response)
    assert serious == [], summarise(serious)
    top = page.evaluate("document.scrollingElement.scrollTop")
    print(f"{width} px: scrolled to {top} px, error in view")
    # Reloading asks for /account again: no form is posted a second time.
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    response = page.reload()
    assert response is not None and response.status == 200
    assert response.request.method == "GET"
    assert posts == []
    expect(page.locator(".error-summary")).to_have_count(0)
    visitor.assert_clean()


def test_refused_import_is_seen_at_once(visitor: Visitor) -> None:
    page = visitor.page
    page.set_viewport_size({"width": 375, "height": 812})
    visitor.register("maya")
    visitor.goto("/account")
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(visitor.server.at("/account#import"))
    expect(page.locator("#file-error")).to_contain_text("Choose a file to import")
    assert in_viewport(visitor, "#file-error")
    visitor.assert_clean()


# --- the API reference: in the site's layout, readable on a phone ------------------------


@pytest.mark.parametrize("width", [375, 1280])
def test_api_reference_fits_the_window(visitor: Visitor, width: int) -> None:
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 800})
    visitor.goto("/api/v1/docs")
    expect(page.get_by_role("banner").get_by_role("link", name="Journal")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the journal")).to_be_visible()
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    print(f"API reference at {width} px: scrollWidth {scroll_width}")
    assert scroll_width <= width
    # Tables fit inside the column rather than scrolling on their own.
    widest = page.eval_on_selector_all(
        ".api-docs .table-wrap",
        "els => Math.max(...els.map(e => e.scrollWidth - e.clientWidth))",
    )
    assert widest <= 1
    serious = serious_violations(Axe().run(page).response)
    assert serious == [], summarise(serious)
    visitor.assert_clean()
