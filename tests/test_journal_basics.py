"""The main page, writing a new entry and reading one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.models import Entry, Tag, User
from journal.services.entries import EntryInput, create_entry
from tests.conftest import AuthActions
from tests.helpers import count, csrf_token, post_form, text_of, titles, write_entry

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def write_many(app: Flask, author: User, number: int) -> None:
    """``number`` public entries, one an hour from ``START``, titled ``Entry 1`` and onward."""
    for n in range(1, number + 1):
        with time_machine.travel(START + timedelta(hours=n), tick=False):
            write_entry(app, author, f"Entry {n}")


def field_error(response: object, field: str) -> str:
    """The message shown beside ``field``."""
    soup = BeautifulSoup(text_of(response), "html.parser")  # type: ignore[arg-type]
    node = soup.select_one(f"#{field}-error")
    assert node is not None, f"no message beside {field}"
    return node.get_text(" ", strip=True)


# --- the main page ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/?page=1"])
def test_empty_journal_tells_a_visitor_how_to_start(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert "No one has shared an entry yet." in soup.select_one(".empty").get_text()
    links = {a["href"] for a in soup.select_one(".intro").select("a")}
    assert links == {"/register", "/login"}
    assert soup.select_one(".pagination") is None


def test_empty_journal_offers_a_signed_in_user_to_write(signed_in: FlaskClient) -> None:
    soup = BeautifulSoup(text_of(signed_in.get("/")), "html.parser")
    link = soup.select_one(".empty a")
    assert link.get_text(strip=True) == "Write your first entry"
    assert link["href"] == "/entry"


def test_main_page_lists_newest_first(app: Flask, client: FlaskClient, user: User) -> None:
    with time_machine.travel(START + timedelta(days=2), tick=False):
        write_entry(app, user, "Tuesday")
    with time_machine.travel(START, tick=False):
        write_entry(app, user, "Sunday")  # saved later, but written about an earlier time
    with time_machine.travel(START + timedelta(days=1), tick=False):
        write_entry(app, user, "Monday")
    assert titles(client.get("/")) == ["Tuesday", "Monday", "Sunday"]


def test_main_page_shows_what_the_viewer_may_see(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], user: User
) -> None:
    bob = make_user("bob")
    write_entry(app, user, "Alice public")
    write_entry(app, user, "Alice private", visibility="private")
    write_entry(app, bob, "Bob private", visibility="private")
    assert sorted(titles(client.get("/"))) == ["Alice public"]
    post_form(client, "/login", username="alice", password="a long and unusual passphrase")
    assert sorted(titles(client.get("/"))) == ["Alice private", "Alice public"]
    soup = BeautifulSoup(text_of(client.get("/")), "html.parser")
    private_card = [c for c in soup.select(".entry-card") if "Alice private" in c.get_text()][0]
    assert private_card.select_one(".badge-private")


def test_main_page_shows_20_a_page(app: Flask, client: FlaskClient, user: User) -> None:
    write_many(app, user, 45)
    first = client.get("/")
    assert titles(first) == [f"Entry {n}" for n in range(45, 25, -1)]
    soup = BeautifulSoup(text_of(first), "html.parser")
    # Page links carry ?page=N, plus a cursor so a deep page needs no scan of those before it.
    next_link = soup.select_one("a[rel=next]")["href"]
    assert next_link.startswith("/?page=2")
    assert soup.select_one("a[rel=prev]") is None

    for second in (client.get("/?page=2"), client.get(next_link)):
        assert titles(second) == [f"Entry {n}" for n in range(25, 5, -1)]
        soup = BeautifulSoup(text_of(second), "html.parser")
        assert soup.select_one("a[rel=prev]")["href"].startswith("/?page=1")
        assert soup.select_one("a[rel=next]")["href"].startswith("/?page=3")
    assert titles(client.get(soup.select_one("a[rel=prev]")["href"])) == titles(first)

    for third in (client.get("/?page=3"), client.get(soup.select_one("a[rel=next]")["href"])):
        assert titles(third) == [f"Entry {n}" for n in range(5, 0, -1)]
        assert BeautifulSoup(text_of(third), "html.parser").select_one("a[rel=next]") is None


def test_exactly_20_entries_make_one_page(app: Flask, client: FlaskClient, user: User) -> None:
    write_many(app, user, 20)
    soup = BeautifulSoup(text_of(client.get("/")), "html.parser")
    assert len(soup.select(".entry-card")) == 20
    assert soup.select_one(".pagination") is None
    assert client.get("/?page=2").status_code == 404


@pytest.mark.parametrize(
    "number", ["0", "-1", "abc", "", "1.5", "2", "99999999999999999999999", "²"]
)
def test_page_that_does_not_exist_is_404(
    app: Flask, client: FlaskClient, user: User, number: str
) -> None:
    write_entry(app, user, "Only one")
    response = client.get("/", query_string={"page": number})
    assert response.status_code == 404


# --- writing an entry ------------------------------------------------------------------


def test_new_entry_page_requires_sign_in(client: FlaskClient) -> None:
    response = client.get("/entry")
    assert response.status_code == 302
    assert response.location == "/login?next=/entry"
    assert "Please sign in to see that page." in text_of(client.get("/login?next=/entry"))


def test_new_entry_form_has_the_fields(signed_in: FlaskClient) -> None:
    response = signed_in.get("/entry")
    assert response.status_code == 200
    soup = BeautifulSoup(text_of(response), "html.parser")
    form = soup.select_one("main form")
    assert form["action"] == "/entry"
    assert form.select_one('input[name="title"]')
    assert form.select_one('textarea[name="body"]')
    assert form.select_one('input[name="tags"]')
    checked = form.select_one('input[name="visibility"][checked]')
    assert checked["value"] == "private"


def test_writing_an_entry_saves_it_and_shows_it(
    app: Flask, signed_in: FlaskClient, user: User
) -> None:
    response = post_form(
        signed_in,
        "/entry",
        title="  First day  ",
        body="It *began*.",
        visibility="public",
        tags="Travel, ideas, travel",
    )
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalars(select(Entry)).one()
        assert response.location == f"/entries/{entry.id}"
        assert entry.title == "First day"
        assert entry.body == "It *began*."
        assert entry.body_html == "<p>It <em>began</em>.</p>\n"
        assert entry.is_public
        assert entry.author_id == user.id
        assert [tag.name for tag in entry.tags] == ["ideas", "travel"]
    page = signed_in.get(response.location)
    assert "Entry saved." in text_of(page)


def test_an_entry_is_private_unless_chosen_otherwise(app: Flask, signed_in: FlaskClient) -> None:
    response = post_form(signed_in, "/entry", title="Secret", body="Mine.")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Entry.is_public)) is False


# One row per rule: the fields that differ from a valid entry, the field that complains and
# (part of) its message.
ENTRY_RULES = [
    pytest.param({"title": ""}, "title", "required", id="title-missing"),
    pytest.param({"title": "   "}, "title", "required", id="title-blank"),
    pytest.param({"title": "t" * 201}, "title", "200", id="title-201-chars"),
    pytest.param({"body": ""}, "body", "required", id="body-missing"),
    pytest.param({"body": " \n "}, "body", "required", id="body-blank"),
    pytest.param({"body": "b" * 100_001}, "body", "100000", id="body-100001-chars"),
    pytest.param({"visibility": "friends"}, "visibility", "Not a valid choice", id="visibility"),
    pytest.param({"tags": "a b"}, "tags", "'a b' is not a tag", id="tag-space"),
    pytest.param({"tags": "c++"}, "tags", "'c++' is not a tag", id="tag-punctuation"),
    pytest.param({"tags": "a/b"}, "tags", "'a/b' is not a tag", id="tag-slash"),
    pytest.param({"tags": "t" * 33}, "tags", "is not a tag", id="tag-33-chars"),
    pytest.param(
        {"tags": ", ".join(f"tag{n}" for n in range(11))}, "tags", "at most 10", id="11-tags"
    ),
]


@pytest.mark.parametrize(("fields", "field", "message"), ENTRY_RULES)
def test_new_entry_refuses_input_that_breaks_a_rule(
    app: Flask, signed_in: FlaskClient, fields: dict[str, str], field: str, message: str
) -> None:
    data = {"title": "A title", "body": "A body.", "visibility": "private", "tags": "x"}
    data.update(fields)
    response = post_form(signed_in, "/entry", **data)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert count(app, Entry) == 0
    assert count(app, Tag) == 0


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"title": "t"}, {"title": "t"}, id="title-1-char"),
        pytest.param({"title": "t" * 200}, {"title": "t" * 200}, id="title-200-chars"),
        pytest.param({"title": "  " + "t" * 200 + "  "}, {"title": "t" * 200}, id="title-trimmed"),
        pytest.param({"body": "b"}, {"body": "b"}, id="body-1-char"),
        pytest.param({"body": "b" * 100_000}, {"body": "b" * 100_000}, id="body-100000-chars"),
        pytest.param({"visibility": "public"}, {"is_public": True}, id="public"),
        pytest.param({"visibility": "private"}, {"is_public": False}, id="private"),
        pytest.param({"tags": ""}, {"tags": []}, id="no-tags"),
        pytest.param({"tags": " , ,, "}, {"tags": []}, id="empty-tag-pieces"),
        pytest.param({"tags": "Work, WORK,work"}, {"tags": ["work"]}, id="tags-lower-cased-once"),
        pytest.param({"tags": "t" * 32}, {"tags": ["t" * 32]}, id="tag-32-chars"),
        pytest.param({"tags": "a-1, 2-b"}, {"tags": ["2-b", "a-1"]}, id="tag-digits-hyphen"),
        pytest.param(
            {"tags": ",".join(f"tag{n}" for n in range(10))},
            {"tags": sorted(f"tag{n}" for n in range(10))},
            id="10-tags",
        ),
    ],
)
def test_new_entry_accepts_the_bounds(
    app: Flask, signed_in: FlaskClient, fields: dict[str, str], expected: dict[str, object]
) -> None:
    data = {"title": "A title", "body": "A body.", "visibility": "private", "tags": ""}
    data.update(fields)
    response = post_form(signed_in, "/entry", **data)
    assert response.status_code == 302, field_error(response, next(iter(fields)))
    with app.app_context():
        entry = db.session.scalars(select(Entry)).one()
        stored = {
            "title": entry.title,
            "body": entry.body,
            "is_public": entry.is_public,
            "tags": [tag.name for tag in entry.tags],
        }
        assert {key: stored[key] for key in expected} == expected


def test_new_entry_without_csrf_token_is_400_and_shows_the_writing_again(
    app: Flask, signed_in: FlaskClient
) -> None:
    body = "Three hours of writing\n\nthat must not be lost <3"
    response = signed_in.post(
        "/entry",
        data={"title": "My long day", "body": body, "visibility": "public", "tags": "day, long"},
    )
    assert response.status_code == 400
    assert count(app, Entry) == 0
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert "nothing was saved" in soup.select_one(".form-errors").get_text()
    assert soup.select_one("main form")["action"] == "/entry"
    assert soup.select_one('input[name="title"]')["value"] == "My long day"
    # HTML drops the newline that follows <textarea>; WTForms writes one.
    assert soup.select_one('textarea[name="body"]').get_text().removeprefix("\r\n") == body
    assert soup.select_one('input[name="tags"]')["value"] == "day, long"
    assert soup.select_one('input[name="visibility"][checked]')["value"] == "public"
    # The form shown again carries a fresh token: pressing Save works.
    token = soup.select_one('input[name="csrf_token"]')["value"]
    response = signed_in.post(
        "/entry", data={"title": "My long day", "body": body, "csrf_token": token}
    )
    assert response.status_code == 302
    assert count(app, Entry) == 1


def test_writing_survives_being_signed_out_in_another_tab(
    app: Flask, client: FlaskClient, auth: AuthActions, user: User
) -> None:
    auth.login()
    token = csrf_token(client, "/entry")
    auth.logout()  # in another tab
    typed = {"title": "Long day", "body": "Hours of writing.", "csrf_token": token}
    response = client.post("/entry", data=typed)
    assert response.status_code == 400
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert "You are signed out, so nothing was saved." in soup.select_one(".form-errors").get_text()
    assert soup.select_one('input[name="title"]')["value"] == "Long day"
    assert soup.select_one('textarea[name="body"]').get_text().strip() == "Hours of writing."
    assert count(app, Entry) == 0
    # Signed in again (in the other tab), Save on the same page still gets the text home.
    auth.login()
    typed["csrf_token"] = soup.select_one('input[name="csrf_token"]')["value"]
    response = client.post("/entry", data=typed)
    assert response.status_code == 400  # that token belonged to the signed-out session
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert "This form had expired" in soup.select_one(".form-errors").get_text()
    typed["csrf_token"] = soup.select_one('input[name="csrf_token"]')["value"]
    response = client.post("/entry", data=typed)
    assert response.status_code == 302
    assert count(app, Entry) == 1


# --- reading an entry ------------------------------------------------------------------


def test_anyone_can_read_a_public_entry(app: Flask, client: FlaskClient, user: User) -> None:
    with time_machine.travel(START, tick=False):
        entry_id = write_entry(
            app, user, "Open letter", "Body of Open letter.", tags=["letters", "open"]
        )
    response = client.get(f"/entries/{entry_id}")
    assert response.status_code == 200
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert soup.select_one("h1").get_text(strip=True) == "Open letter"
    assert soup.select_one(".prose").decode_contents() == "<p>Body of Open letter.</p>\n"
    assert soup.select_one(".author").get_text() == "alice"
    assert soup.select_one("time.dated")["datetime"] == "2026-03-01T09:00+00:00"
    assert [li.get_text() for li in soup.select(".tags li")] == ["letters", "open"]
    assert soup.select_one(".badge-private") is None
    assert "edited" not in soup.select_one(".meta").get_text()


def test_the_author_can_read_their_private_entry(
    app: Flask, signed_in: FlaskClient, user: User
) -> None:
    entry_id = write_entry(app, user, "Diary", visibility="private")
    response = signed_in.get(f"/entries/{entry_id}")
    assert response.status_code == 200
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert soup.select_one(".badge-private")


def test_another_users_private_entry_is_404(
    app: Flask, signed_in: FlaskClient, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob")
    entry_id = write_entry(app, bob, "Bob's diary", visibility="private")
    response = signed_in.get(f"/entries/{entry_id}")
    assert response.status_code == 404
    assert "Bob's diary" not in text_of(response)


def test_a_private_entry_is_404_to_a_visitor(app: Flask, client: FlaskClient, user: User) -> None:
    entry_id = write_entry(app, user, "Diary", visibility="private")
    assert client.get(f"/entries/{entry_id}").status_code == 404


def test_an_entry_that_does_not_exist_is_404(client: FlaskClient) -> None:
    response = client.get("/entries/12345")
    assert response.status_code == 404
    assert "There is no entry at this address." in text_of(response)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("<script>alert(1)</script>", id="raw-script"),
        pytest.param('<img src=x onerror="alert(1)">', id="raw-html"),
        pytest.param("[click](javascript:alert(1))", id="javascript-link"),
        pytest.param("[click](JaVaScRiPt:alert(1))", id="javascript-link-case"),
        pytest.param("![x](data:image/png;base64,AAAA)", id="data-image"),
        pytest.param("[x](vbscript:msgbox(1))", id="vbscript-link"),
    ],
)
def test_entry_body_is_shown_sanitised(
    app: Flask, client: FlaskClient, user: User, source: str
) -> None:
    entry_id = write_entry(app, user, "T", body=source)
    soup = BeautifulSoup(text_of(client.get(f"/entries/{entry_id}")), "html.parser")
    prose = soup.select_one(".prose")
    assert prose.select("script, img[onerror], iframe, object") == []
    for element in prose.find_all(True):
        assert not [name for name in element.attrs if name.startswith("on")]
        for name in ("href", "src"):
            value = element.get(name, "").strip().lower()
            assert value.startswith(("http:", "https:", "mailto:", "/", "#")) or not value


# The same rules hold for callers without a form (the API, imports, the command line).
SERVICE_RULES = [
    pytest.param({"title": ""}, "title", id="title-empty"),
    pytest.param({"title": " \t "}, "title", id="title-blank"),
    pytest.param({"title": "t" * 201}, "title", id="title-201-chars"),
    pytest.param({"body": ""}, "body", id="body-empty"),
    pytest.param({"body": "\n \n"}, "body", id="body-blank"),
    pytest.param({"body": "b" * 100_001}, "body", id="body-100001-chars"),
    pytest.param({"visibility": "Public"}, "visibility", id="visibility-case"),
    pytest.param({"visibility": ""}, "visibility", id="visibility-empty"),
    pytest.param({"tags": ["ok", "not ok"]}, "tags", id="tag-space"),
    pytest.param({"tags": [""]}, "tags", id="tag-empty"),
    pytest.param({"tags": [f"t{n}" for n in range(11)]}, "tags", id="11-tags"),
]


@pytest.mark.parametrize(("fields", "field"), SERVICE_RULES)
def test_create_entry_service_refuses_input_that_breaks_a_rule(
    app: Flask, user: User, fields: dict[str, object], field: str
) -> None:
    data = {"title": "A title", "body": "A body.", "visibility": "private", "tags": ["x"]}
    data.update(fields)
    with app.app_context(), pytest.raises(ValidationFailed) as failure:
        create_entry(db.session.merge(user), EntryInput(**data))  # type: ignore[arg-type]
    assert list(failure.value.errors) == [field]
    assert count(app, Entry) == 0


def test_create_entry_service_trims_the_title(app: Flask, user: User) -> None:
    entry_id = write_entry(app, user, "  " + "t" * 200 + " ", tags=["A", "a", "b"])
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.title == "t" * 200
        assert [tag.name for tag in entry.tags] == ["a", "b"]


def test_tags_are_shared_between_entries(app: Flask, user: User) -> None:
    write_entry(app, user, "One", tags=["common", "first"])
    write_entry(app, user, "Two", tags=["Common"])
    with app.app_context():
        assert sorted(db.session.scalars(select(Tag.name))) == ["common", "first"]


def test_favicon_is_served(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as response:  # a file response is closed by its server
        assert response.status_code == 200
        assert response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon"}
        assert response.data
        assert response.headers["Cache-Control"] == "public, max-age=604800"


def test_other_journal_posts_refused_for_their_token_get_the_plain_400_page(
    app: Flask, signed_in: FlaskClient, user: User
) -> None:
    entry_id = write_entry(app, user, "Keep me")
    response = signed_in.post(f"/entries/{entry_id}/delete")
    assert response.status_code == 400
    soup = BeautifulSoup(text_of(response), "html.parser")
    assert soup.select_one(".error-code").get_text() == "400"
    assert count(app, Entry) == 1
