"""What a person does with the journal, in a real Chromium against the real app."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Visitor
from tests.e2e.live import inline_code

pytestmark = pytest.mark.browser

MARKDOWN = """\
A day by the sea, with **bold** waves.

## Packing list

- towel
- sun cream

> The sea, once it casts its spell, holds one in its net of wonder forever.
"""


def test_register_sign_in_write_read_and_sign_out(visitor: Visitor) -> None:
    page = visitor.page
    visitor.register("maya")
    visitor.sign_out()
    visitor.sign_in("maya")

    entry_id = visitor.write_entry("Day at the beach", MARKDOWN, tags="Travel, sea", public=True)
    expect(page).to_have_title("Day at the beach · Journal")
    prose = page.locator(".prose")
    expect(prose.get_by_role("heading", name="Packing list", level=2)).to_be_visible()
    expect(prose.locator("strong")).to_have_text("bold")
    expect(prose.get_by_role("listitem")).to_have_text(["towel", "sun cream"])
    expect(prose.locator("blockquote")).to_contain_text("holds one in its net")
    expect(page.get_by_role("list", name="Tags").get_by_role("listitem")).to_have_text(
        ["sea", "travel"]
    )

    page.get_by_role("link", name="Journal", exact=True).click()
    expect(page).to_have_title("Your journal · Journal")
    card = page.locator(".entry-card").filter(has_text="Day at the beach")
    expect(card).to_have_count(1)
    expect(card.locator(".author")).to_have_text("maya")
    expect(card.locator(".tag")).to_have_text(["sea", "travel"])
    expect(card.locator(".badge-private")).to_have_count(0)

    card.get_by_role("link", name="Day at the beach").click()
    expect(page).to_have_url(visitor.server.at(f"/entries/{entry_id}"))
    assert inline_code(page) == []

    visitor.sign_out()
    expect(page.get_by_role("banner").get_by_role("link", name="Write")).to_have_count(0)
    visitor.assert_clean()


def test_flashed_message_can_be_dismissed(visitor: Visitor) -> None:
    visitor.register("maya")
    flash = visitor.page.locator(".flash")
    expect(flash).to_have_count(1)
    visitor.page.get_by_role("button", name="Dismiss message").click()
    expect(flash).to_have_count(0)
    expect(visitor.page.locator("#main")).to_be_focused()
    visitor.assert_clean()


def test_editor_counts_words_and_shows_the_limit_only_near_it(visitor: Visitor) -> None:
    visitor.register("maya")
    visitor.goto("/entry")
    body = visitor.page.get_by_label("Entry", exact=True)
    counter = visitor.page.locator(".counter")
    expect(counter).to_have_text("0 words")
    body.fill("Hello")
    expect(counter).to_have_text("1 word")
    body.fill("Hello **bold** world - 日記")
    expect(counter).to_have_text("5 words")
    body.fill("word " * 18_000)
    expect(counter).to_have_text("18,000 words · 90,000 / 100,000 characters")
    assert "body-counter" in (body.get_attribute("aria-describedby") or "")
    visitor.assert_clean()


def test_keyboard_only_sign_in(visitor: Visitor, another_visitor: Callable[..., Visitor]) -> None:
    another_visitor().register("maya")
    page = visitor.page
    visitor.goto("/register")  # no field starts focused here: the first stop is the skip link
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    visitor.goto("/login")  # sign-in starts in its first field
    username = page.get_by_label("Username or email")
    expect(username).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused field shows no focus ring"
    page.keyboard.type("maya")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("a long and unusual passphrase")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Keep me signed in on this device")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator("main").get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")

    visitor.expect_flash("Signed in as maya.")
    expect(page.get_by_role("banner")).to_contain_text("maya")
    visitor.assert_clean()


def test_private_entry_is_not_visible_to_another_user(
    visitor: Visitor, another_visitor: Callable[..., Visitor]
) -> None:
    visitor.register("maya")
    secret = visitor.write_entry("My secret plans", "Nobody else may read this.", tags="secret")
    expect(visitor.page.locator(".badge-private")).to_have_text("Private")
    visitor.write_entry("Open letter", "Everyone may read this.", public=True)
    visitor.goto("/")
    expect(visitor.page.locator(".entry-card h2")).to_have_text(["Open letter", "My secret plans"])
    visitor.assert_clean()

    jonas = another_visitor()
    jonas.register("jonas")
    jonas.goto("/explore")
    expect(jonas.page.locator(".entry-card h2")).to_have_text(["Open letter"])
    expect(jonas.page.get_by_text("My secret plans")).to_have_count(0)
    jonas.goto(f"/entries/{secret}", status=404)
    expect(jonas.page.get_by_role("heading", level=1)).to_have_text("Not Found")
    expect(jonas.page.get_by_text("Nobody else may read this.")).to_have_count(0)
    jonas.assert_clean()


def test_pages_work_without_javascript(
    visitor: Visitor, another_visitor: Callable[..., Visitor]
) -> None:
    visitor.register("maya")
    reader = another_visitor(java_script_enabled=False)
    reader.sign_in("maya")
    expect(reader.page.locator(".flash-close")).to_have_count(0)
    reader.goto("/entry")  # the Preview button sends the form and shows it back, rendered
    expect(reader.page.get_by_role("button", name="Write")).to_have_count(0)
    reader.page.get_by_label("Title").fill("Previewed")
    reader.page.get_by_label("Entry", exact=True).fill("- [x] *seen* first")
    reader.page.get_by_role("button", name="Preview").click()
    expect(reader.page.locator("#preview em")).to_have_text("seen")
    expect(reader.page.get_by_label("Title")).to_have_value("Previewed")
    entry_id = reader.write_entry("Written without scripts", "Plain *Markdown*.", tags="plain")
    expect(reader.page.locator(".prose em")).to_have_text("Markdown")
    reader.goto("/")
    expect(reader.page.locator(f"a[href='/entries/{entry_id}']")).to_be_visible()
    reader.sign_out()
    reader.assert_clean()


def test_errors_are_announced_with_their_fields(visitor: Visitor) -> None:
    page = visitor.page
    visitor.goto("/register")
    visitor.problems.expect_status(page.url, 422)
    page.get_by_label("Username").fill("x")
    page.get_by_role("button", name="Register").click()

    username = page.get_by_label("Username")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_have_accessible_description(re.compile(r"3-32 letters.*between 3 and 32"))
    expect(page.get_by_label("Email")).to_have_accessible_description("This field is required.")
    expect(page.get_by_label("Password", exact=True)).to_have_accessible_description(
        re.compile("At least 8 characters.*This field is required.")
    )
    visitor.assert_clean()
