"""Live updates in a real Chromium: two pages of one person follow each other's writing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Visitor

pytestmark = pytest.mark.browser


def second_page(visitor: Visitor) -> Visitor:
    """Another tab of the same person (same browser context, same session)."""
    return Visitor(visitor.page.context.new_page(), visitor.server)


def test_an_entry_written_in_one_tab_is_announced_in_another(visitor: Visitor) -> None:
    visitor.register("maya")
    reader = second_page(visitor)
    reader.goto("/")
    # The socket is open once the page has had its hello (no visible sign: wait a moment).
    reader.page.wait_for_timeout(500)
    visitor.write_entry("Written on the phone", "Hello from the other tab.")
    notice = reader.page.locator(".live-notice")
    expect(notice).to_have_text("1 new entry — show")
    notice.get_by_role("button", name="show").click()
    expect(reader.page.get_by_role("link", name="Written on the phone")).to_be_visible()
    visitor.assert_clean()
    reader.assert_clean()


def test_two_editors_one_warns_and_its_save_shows_the_merge_view(visitor: Visitor) -> None:
    visitor.register("maya")
    entry_id = visitor.write_entry("Two places", "The first words.")
    laptop = second_page(visitor)
    for editor in (visitor, laptop):
        editor.goto(f"/entries/{entry_id}/edit")
    laptop.page.wait_for_timeout(500)

    visitor.page.get_by_label("Entry").fill("Written on the phone.")
    visitor.page.get_by_role("button", name="Save").click()
    visitor.expect_flash("Entry updated.")

    notice = laptop.page.locator(".live-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("This entry was changed elsewhere at ")
    laptop.page.get_by_label("Entry").fill("Written on the laptop.")
    laptop.problems.expect_status(laptop.server.at(f"/entries/{entry_id}/edit"), 409)
    laptop.page.get_by_role("button", name="Save").click()
    expect(laptop.page.locator(".form-errors")).to_contain_text("changed elsewhere")
    texts = laptop.page.locator(".merge-column .merge-text")
    expect(texts).to_have_text(["Written on the phone.", "Written on the laptop."])
    expect(laptop.page.get_by_label("Entry")).to_have_value("Written on the laptop.")
    # Saving again now keeps the merged text.
    laptop.page.get_by_label("Entry").fill("Phone and laptop, merged.")
    laptop.page.get_by_role("button", name="Save").click()
    laptop.expect_flash("Entry updated.")
    expect(laptop.page.get_by_text("Phone and laptop, merged.")).to_be_visible()
    visitor.assert_clean()
    laptop.assert_clean()
