"""A person's whole journey in a real Chromium: write, find, hide, delete, reset a password."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.e2e.conftest import Visitor, wait_for_mail
from tests.e2e.live import LiveServer
from tests.helpers import PASSWORD
from tests.servers import SMTPServer

pytestmark = pytest.mark.browser

BODY = """\
We walked to the **lighthouse** at low tide.

- shells
- a crab, very cross
"""
NEW_PASSWORD = "a brand new and rather long phrase"


def test_write_tag_edit_search_hide_and_sign_out(
    visitor: Visitor, another_visitor: Callable[..., Visitor]
) -> None:
    page = visitor.page
    visitor.register("maya")
    visitor.sign_out()
    visitor.sign_in("maya")
    entry_id = visitor.write_entry("Day at the beach", BODY, tags="Travel, sea", public=True)
    expect(page.locator(".prose strong")).to_have_text("lighthouse")

    # On the main page, and through its tag on the tag page.
    page.get_by_role("link", name="Journal", exact=True).click()
    card = page.locator(".entry-card").filter(has_text="Day at the beach")
    expect(card.locator(".tag")).to_have_text(["sea", "travel"])
    card.get_by_role("link", name="travel").click()
    expect(page).to_have_url(visitor.server.at("/tags/travel"))
    expect(page).to_have_title("#travel · Journal")
    expect(page.locator(".entry-card h2")).to_have_text(["Day at the beach"])

    # Edit it: the form shows what is stored, the page shows what was changed.
    page.get_by_role("link", name="Day at the beach").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page).to_have_title("Edit entry · Journal")
    expect(page.get_by_label("Title")).to_have_value("Day at the beach")
    expect(page.get_by_label("Tags")).to_have_value("sea, travel")
    expect(page.get_by_label("Everyone")).to_be_checked()
    page.get_by_label("Title").fill("Low tide at the lighthouse")
    page.get_by_label("Tags").fill("travel, sea, tides")
    page.get_by_role("button", name="Save").click()
    visitor.expect_flash("Entry updated.")
    expect(page).to_have_url(visitor.server.at(f"/entries/{entry_id}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Low tide at the lighthouse")
    expect(page.get_by_role("list", name="Tags").get_by_role("listitem")).to_have_text(
        ["sea", "tides", "travel"]
    )

    # Find it with the search box in the header.
    search = page.get_by_role("banner").get_by_role("searchbox", name="Search entries")
    search.fill("lighthouse")
    search.press("Enter")
    expect(page).to_have_url(visitor.server.at("/search?q=lighthouse"))
    expect(page).to_have_title("Search: lighthouse · Journal")
    # The results page has one search box, its own, holding the words.
    expect(page.get_by_role("searchbox")).to_have_count(1)
    expect(page.get_by_role("searchbox", name="Words to find")).to_have_value("lighthouse")
    hits = page.locator(".entry-card")
    expect(hits.locator("h2")).to_have_text(["Low tide at the lighthouse"])
    expect(hits.locator(".snippet mark").first).to_have_text(re.compile("lighthouse", re.I))

    # Make it private: the author still sees it, with the lock.
    hits.get_by_role("link", name="Low tide at the lighthouse").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Only me").check()
    page.get_by_role("button", name="Save").click()
    visitor.expect_flash("Entry updated.")
    expect(page.locator(".entry .badge-private")).to_have_text("Private")
    visitor.goto("/")
    expect(page.locator(".entry-card .badge-private")).to_have_count(1)
    visitor.assert_clean()

    # Another person finds it nowhere, and its address is a 404 page.
    jonas = another_visitor()
    jonas.register("jonas")
    for path in ("/", "/tags/travel", "/u/maya", "/search?q=lighthouse"):
        jonas.goto(path)
        expect(jonas.page.locator(".entry-card")).to_have_count(0)
        expect(jonas.page.locator("main")).not_to_contain_text("Low tide")
    expect(jonas.page.locator(".empty")).to_have_text("Nothing matches “lighthouse”.")
    jonas.goto(f"/entries/{entry_id}", status=404)
    expect(jonas.page.get_by_role("heading", level=1)).to_have_text("Not Found")
    expect(jonas.page.get_by_text("Low tide")).to_have_count(0)
    jonas.assert_clean()

    visitor.sign_out()
    visitor.goto(f"/entries/{entry_id}", status=404)
    visitor.assert_clean()


def answer_dialogs(page: Page, accept: bool, asked: list[str]) -> None:
    """Answer the next dialog the page opens, noting its question in ``asked``."""

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)


def test_delete_asks_before_it_removes_the_entry(visitor: Visitor) -> None:
    page = visitor.page
    visitor.register("maya")
    entry_id = visitor.write_entry("Draft to throw away", "Not worth keeping.", tags="scrap")
    question = "Delete “Draft to throw away”? This cannot be undone."
    asked: list[str] = []

    # Saying no in the browser's dialog keeps the entry.
    page.get_by_text("Delete…").click()
    answer_dialogs(page, accept=False, asked=asked)
    page.get_by_role("button", name="Yes, delete this entry").click()
    visitor.goto(f"/entries/{entry_id}")
    assert asked == [question]
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft to throw away")

    # Saying yes deletes it.
    page.get_by_text("Delete…").click()
    answer_dialogs(page, accept=True, asked=asked)
    page.get_by_role("button", name="Yes, delete this entry").click()
    visitor.expect_flash("Entry deleted.")
    assert asked == [question, question]
    expect(page).to_have_url(visitor.server.at("/"))
    expect(page.get_by_text("Draft to throw away")).to_have_count(0)
    visitor.goto(f"/entries/{entry_id}", status=404)
    visitor.goto("/tags/scrap")
    expect(page.locator(".empty")).to_have_text("No entries with this tag.")
    visitor.assert_clean()


def test_password_reset_through_the_mailed_link(
    smtp: SMTPServer, mailing_server: LiveServer, page: Page
) -> None:
    visitor = Visitor(page, mailing_server)
    visitor.register("maya")
    visitor.sign_out()

    visitor.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_title("Reset your password · Journal")
    page.get_by_label("Email").fill("Maya@Example.org")
    page.get_by_role("button", name="Mail me a link").click()
    visitor.expect_flash("a link to choose a new password is on its way")
    expect(page).to_have_url(mailing_server.at("/login"))

    [message] = wait_for_mail(smtp)
    assert message["To"] == "maya@example.org"
    assert message["Subject"] == "Reset your Journal password"
    found = re.search(r"(http://\S+)(/reset-password/\S+)", message.get_content())
    assert found, message.get_content()
    assert found.group(1) == mailing_server.url
    link = found.group(2)

    visitor.goto(link)
    expect(page).to_have_title("Choose a new password · Journal")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    visitor.expect_flash("Your password is changed. Sign in with it now.")
    expect(page).to_have_url(mailing_server.at("/login"))

    # The old password no longer works; the new one does.
    visitor.problems.expect_status(page.url, 422)
    page.get_by_label("Username or email").fill("maya")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-errors")).to_have_text(
        "Unknown username or email, or wrong password."
    )
    visitor.sign_in("maya", NEW_PASSWORD)
    visitor.sign_out()

    # The link worked once.
    visitor.goto(link, status=400)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    visitor.assert_clean()
