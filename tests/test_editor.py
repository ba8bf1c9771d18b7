"""The editor's preview: the Preview button without JavaScript, and ``POST /preview``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from journal.models import Entry, User
from journal.services.entries import BODY_MAX
from tests.helpers import count, csrf_token, post_form, soup, text_of

HOSTILE = """\
# Plans

<script>alert("x")</script>

[click me](javascript:alert(1)) and **bold**

- [x] packed
"""

ENTRY_FIELDS = {
    "title": "Island diary",
    "body": HOSTILE,
    "tags": "travel, sea",
    "date": "2026-03-01T21:14",
    "visibility": "public",
}


def assert_sanitised(html: str) -> None:
    """The hostile body rendered: Markdown kept, no script element, no ``javascript:`` link."""
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one("h1").get_text() == "Plans"
    assert page.select_one("strong").get_text() == "bold"
    assert page.select_one("input[type=checkbox][checked][disabled]") is not None
    assert page.select("script") == [] and "<script" not in html
    assert "click me" in page.get_text()
    attributes = [value for node in page.find_all(True) for value in node.attrs.values()]
    assert not any("javascript" in str(value) for value in attributes)


# --- the Preview button, without JavaScript ------------------------------------------------


@pytest.mark.parametrize("where", ["new", "edit"])
def test_preview_button_shows_the_rendered_body_and_keeps_every_field(
    app: Flask,
    signed_in: FlaskClient,
    user: User,
    make_entry: Callable[..., int],
    where: str,
) -> None:
    entry_id = make_entry(user, "Before", "Stored text.") if where == "edit" else None
    path = "/entry" if entry_id is None else f"/entries/{entry_id}/edit"
    before = count(app, Entry)

    response = post_form(signed_in, path, preview="1", **ENTRY_FIELDS)

    assert response.status_code == 200
    page = soup(response)
    preview = page.select_one("#preview")
    assert preview is not None and not preview.has_attr("hidden")
    assert_sanitised(str(preview.select_one(".prose")))
    assert page.select_one("#title")["value"] == "Island diary"
    assert page.select_one("#body").get_text().removeprefix("\r\n") == HOSTILE
    assert page.select_one("#tags")["value"] == "travel, sea"
    assert page.select_one("#date")["value"] == "2026-03-01T21:14"
    assert page.select_one("input[name=visibility][value=public]").has_attr("checked")
    assert page.select(".flash") == []
    assert page.select_one("[data-editor]").has_attr("data-unsaved")
    assert count(app, Entry) == before
    if entry_id is not None:
        assert "Stored text." in text_of(signed_in.get(f"/entries/{entry_id}"))


def test_preview_button_previews_even_without_a_title(app: Flask, signed_in: FlaskClient) -> None:
    response = post_form(signed_in, "/entry", preview="1", title="", body="Just *words*")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#preview em").get_text() == "words"
    assert page.select(".errors") == []
    assert count(app, Entry) == 0


def test_preview_button_refuses_a_body_over_the_limit_beside_the_field(
    app: Flask, signed_in: FlaskClient
) -> None:
    body = "a" * (BODY_MAX + 1)
    response = post_form(signed_in, "/entry", preview="1", title="Long", body=body)
    assert response.status_code == 422
    page = soup(response)
    assert "at most 100,000 characters" in page.select_one("#body-error").get_text()
    assert page.select_one("#preview").has_attr("hidden")
    assert page.select_one("#body").get_text().removeprefix("\r\n") == body
    assert count(app, Entry) == 0


def test_editor_without_preview_hides_the_preview_and_offers_the_button(
    signed_in: FlaskClient,
) -> None:
    page = soup(signed_in.get("/entry"))
    assert page.select_one("#preview").has_attr("hidden")
    button = page.select_one("button[name=preview]")
    assert button.get_text(strip=True) == "Preview"
    assert button["type"] == "submit"
    buttons = [b.get_text(strip=True) for b in page.select(".actions button[type=submit]")]
    assert buttons[0] == "Save", "Enter in a field must save, not preview"


def test_editor_names_its_draft_by_person_and_entry(
    signed_in: FlaskClient, user: User, make_entry: Callable[..., int]
) -> None:
    entry_id = make_entry(user)
    new = soup(signed_in.get("/entry")).select_one("[data-editor]")
    edit = soup(signed_in.get(f"/entries/{entry_id}/edit")).select_one("[data-editor]")
    assert new["data-draft-key"] == f"journal-draft:{user.id}:new"
    assert new["data-saved-at"] == ""
    assert edit["data-draft-key"] == f"journal-draft:{user.id}:{entry_id}"
    assert edit["data-saved-at"].startswith("20")
    assert new["data-preview-url"] == "/preview"
    assert not new.has_attr("data-unsaved") and not edit.has_attr("data-unsaved")
    refused = soup(post_form(signed_in, "/entry", title="", body="Kept"))
    assert refused.select_one("[data-editor]").has_attr("data-unsaved")


# --- POST /preview -----------------------------------------------------------------------


def test_preview_answers_the_sanitised_fragment(app: Flask, signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/preview", data={"body": HOSTILE, "csrf_token": csrf_token(signed_in, "/entry")}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "no-store" in response.headers["Cache-Control"]
    html = text_of(response)
    assert not html.lstrip().startswith("<!doctype")
    assert "<script" not in html
    assert_sanitised(html)
    assert count(app, Entry) == 0


def test_preview_of_an_empty_body_is_empty(signed_in: FlaskClient) -> None:
    token = csrf_token(signed_in, "/entry")
    response = signed_in.post("/preview", data={"csrf_token": token})
    assert response.status_code == 200
    assert text_of(response) == ""


@pytest.mark.parametrize(
    ("size", "status"),
    [
        pytest.param(BODY_MAX, 200, id="at-the-limit"),
        pytest.param(BODY_MAX + 1, 413, id="over-the-limit"),
    ],
)
def test_preview_refuses_a_body_over_the_limit(
    signed_in: FlaskClient, size: int, status: int
) -> None:
    token = csrf_token(signed_in, "/entry")
    response = signed_in.post("/preview", data={"body": "a" * size, "csrf_token": token})
    assert response.status_code == status


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_preview_without_a_valid_token_is_400(signed_in: FlaskClient, token: str | None) -> None:
    data = {"body": "Hello"} if token is None else {"body": "Hello", "csrf_token": token}
    response = signed_in.post("/preview", data=data)
    assert response.status_code == 400
    assert "Hello" not in text_of(response)


def test_preview_refuses_a_signed_out_visitor(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/preview", data={"body": "**Hello**", "csrf_token": token})
    assert response.status_code == 401
    assert "<strong>Hello</strong>" not in text_of(response)


def test_preview_is_post_only(signed_in: FlaskClient) -> None:
    assert signed_in.get("/preview").status_code == 405
