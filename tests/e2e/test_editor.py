"""The editor in Chromium: preview, local draft, word count, font, and dates in your zone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from journal.text import word_count
from tests.e2e.conftest import Visitor

pytestmark = pytest.mark.browser

BODY = """\
## Packing list

- [x] towel
- [ ] sun cream

Ferry at dawn[^1], see https://example.org/ferry <script>alert(1)</script>

[^1]: The early one.
"""


def draft_key(page: Page) -> str:
    key = page.locator("[data-editor]").get_attribute("data-draft-key")
    assert key
    return key


def stored_draft(page: Page, key: str) -> object:
    return page.evaluate("key => localStorage.getItem(key)", key)


def test_write_preview_and_save(visitor: Visitor) -> None:
    page = visitor.page
    visitor.register("maya")
    visitor.goto("/entry")
    body = page.get_by_label("Entry", exact=True)
    expect(page.get_by_text("Press Ctrl+Enter to save.")).to_be_visible()

    # A proportional font that grows with the text; monospace on request, remembered.
    assert "mono" not in body.evaluate("area => getComputedStyle(area).fontFamily").lower()
    empty_height = body.bounding_box()["height"]  # type: ignore[index]
    page.get_by_label("Title").fill("Island")
    long_text = BODY + "\nMore.\n" * 30
    body.fill(long_text)
    assert body.bounding_box()["height"] > empty_height + 200  # type: ignore[index]
    # The same count as the entry page's (journal.text), here on the Markdown as typed.
    expect(page.locator("#body-counter")).to_have_text(f"{word_count(long_text)} words")
    page.get_by_label("Monospace font").check()
    expect(body).to_have_class(re.compile(r"\beditor-font-mono\b"))

    # The preview: rendered by the server's sanitiser, shown without a page load.
    body.fill(BODY)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Packing list")).to_be_visible()
    expect(preview.locator("input[type=checkbox]:checked")).to_have_count(1)
    expect(preview.get_by_role("link", name="https://example.org/ferry")).to_be_visible()
    expect(preview.locator(".footnotes")).to_contain_text("The early one.")
    expect(preview).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
    expect(body).to_be_hidden()
    expect(page.get_by_role("button", name="Preview")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Write").click()
    expect(preview).to_be_hidden()
    expect(body).to_be_visible()

    # A refused save keeps the draft; Ctrl+Enter saves, and the draft goes with the save.
    key = draft_key(page)
    page.get_by_label("Title").fill("")
    visitor.problems.expect_status(page.url, 422)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#title-error")).to_be_visible()
    assert stored_draft(page, key) is not None
    page.get_by_label("Title").fill("Island")
    body.press("Control+Enter")
    visitor.expect_flash("Entry saved.")
    expect(page.locator(".prose").get_by_role("heading", name="Packing list")).to_be_visible()
    assert stored_draft(page, key) is None

    visitor.goto("/entry")  # the font choice stays
    expect(page.get_by_label("Monospace font")).to_be_checked()
    expect(page.locator(".draft-offer")).to_have_count(0)
    visitor.assert_clean()


def test_closed_tab_gives_the_draft_back(visitor: Visitor) -> None:
    page = visitor.page
    visitor.register("maya")
    visitor.goto("/entry")
    key = draft_key(page)
    page.get_by_label("Title").fill("Half written")
    page.get_by_label("Entry", exact=True).fill("The ferry was late, and")
    page.get_by_label("Tags").fill("travel")
    page.get_by_label("Everyone").check()

    # Leaving with unsaved changes asks first; staying keeps the page.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    expect(page.get_by_label("Title")).to_have_value("Half written")
    assert asked == ["beforeunload"]

    page.wait_for_function("key => localStorage.getItem(key) !== null", arg=key)
    visitor.problems.assert_clean()
    page.close()  # the tab is gone, as after a crash

    again = Visitor(page.context.new_page(), visitor.server)
    again.goto("/entry")
    new_page = again.page
    offer = new_page.locator(".draft-offer")
    expect(offer).to_contain_text(re.compile(r"Restore your unsaved draft from \d\d:\d\d\?"))
    expect(new_page.get_by_label("Title")).to_have_value("")
    offer.get_by_role("button", name="Restore").click()
    expect(offer).to_have_count(0)
    expect(new_page.get_by_label("Title")).to_have_value("Half written")
    expect(new_page.get_by_label("Entry", exact=True)).to_have_value("The ferry was late, and")
    expect(new_page.get_by_label("Entry", exact=True)).to_be_focused()
    expect(new_page.get_by_label("Tags")).to_have_value("travel")
    expect(new_page.get_by_label("Everyone")).to_be_checked()

    new_page.get_by_role("button", name="Save").click()  # no warning on saving
    again.expect_flash("Entry saved.")
    assert stored_draft(new_page, key) is None
    again.goto("/entry")
    expect(new_page.locator(".draft-offer")).to_have_count(0)

    # Signing out leaves no draft behind in the browser (after asking, as text is unsaved).
    new_page.get_by_label("Title").fill("Not for the next person")
    new_page.wait_for_function("key => localStorage.getItem(key) !== null", arg=key)
    new_page.once("dialog", lambda dialog: dialog.accept())
    again.sign_out()
    drafts = "Object.keys(localStorage).filter(name => name.startsWith('journal-draft:'))"
    assert new_page.evaluate(drafts) == []
    again.assert_clean()


ZONES = {
    # zone: (the date typed, as the entry page shows it, the UTC day it falls on)
    "America/New_York": ("2026-03-01T23:30", "1 March 2026, 23:30 EST", "2026-03-02"),
    "Asia/Tokyo": ("2026-03-01T07:30", "1 March 2026, 07:30 JST", "2026-02-28"),
}


def test_dates_follow_the_browser_time_zone(another_visitor: Callable[..., Visitor]) -> None:
    for zone, (typed, shown, utc_day) in ZONES.items():
        person = another_visitor(timezone_id=zone)
        page = person.page
        name = zone.split("/")[1].lower()
        person.register(name)
        person.goto("/account")
        expect(page.locator("#timezone")).to_have_value(zone)

        person.goto("/entry")
        page.get_by_label("Title").fill("Late ferry")
        page.get_by_label("Entry", exact=True).fill("Home at last.")
        page.get_by_label("Date").fill(typed)
        page.get_by_role("button", name="Save").click()
        person.expect_flash("Entry saved.")
        dated = page.locator("time.dated")
        expect(dated).to_have_text(shown)
        instant = datetime.fromisoformat(dated.get_attribute("datetime") or "")
        assert instant.astimezone(ZoneInfo("UTC")).date().isoformat() == utc_day

        person.write_entry("Written now", "Today's words.")
        today = datetime.now(ZoneInfo(zone)).strftime("%-d %B %Y")
        person.goto("/")
        cards = page.locator(".entry-card")
        expect(cards.filter(has_text="Written now")).to_contain_text(today)
        expect(cards.filter(has_text="Late ferry")).to_contain_text("1 March 2026")
        person.assert_clean()
