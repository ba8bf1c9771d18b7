"""The journal pages: visibility on every listing, entry pages, edit and delete, tags, users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.models import Entry, Tag
from journal.services.entries import normalise_tags, parse_tags
from tests.helpers import post_form, soup, text_of, titles

LISTINGS = ["/", "/u/alice", "/tags/shared", "/search?q=shared"]


@pytest.fixture
def mixed(make_user, make_entry, user):
    """alice and bob each with a public and a private entry, all tagged and searchable."""
    bob = make_user("bob")
    for author in (user, bob):
        for visibility in ("public", "private"):
            make_entry(
                author,
                title=f"{author.username} {visibility}",
                body="shared words",
                visibility=visibility,
                tags=("shared",),
            )
    return user, bob


# --- visibility on every listing -------------------------------------------------------


@pytest.mark.parametrize("path", LISTINGS)
def test_anonymous_sees_only_public_entries(client, mixed, path):
    shown = titles(client.get(path.replace("/u/alice", "/u/bob"))) + titles(client.get(path))
    assert "alice private" not in shown and "bob private" not in shown
    assert "alice public" in shown


@pytest.mark.parametrize("path", LISTINGS)
def test_author_sees_own_private_entries_but_not_others(signed_in, mixed, path):
    shown = titles(signed_in.get(path))
    assert "alice private" in shown
    assert "bob private" not in shown
    assert "alice public" in shown


def test_other_users_page_hides_their_private_entries_from_a_signed_in_viewer(signed_in, mixed):
    assert titles(signed_in.get("/u/bob")) == ["bob public"]


# --- the entry page --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "visibility", "status"),
    [
        ("anonymous", "public", 200),
        ("anonymous", "private", 404),
        ("author", "private", 200),
        ("other", "public", 200),
        ("other", "private", 404),
    ],
)
def test_entry_page_visibility(app, client, auth, make_user, make_entry, who, visibility, status):
    alice = make_user("alice")
    make_user("bob")
    entry_id = make_entry(alice, visibility=visibility)
    if who != "anonymous":
        auth.login("alice" if who == "author" else "bob")
    assert client.get(f"/entries/{entry_id}").status_code == status


def test_entry_page_shows_author_dates_tags_and_actions_to_its_author(signed_in, user, make_entry):
    entry_id = make_entry(user, title="Trip", tags=("travel", "rome"))
    page = soup(signed_in.get(f"/entries/{entry_id}"))
    article = page.select_one("article.entry")
    assert article.select_one("a.author")["href"] == "/u/alice"
    assert article.select_one("time.created")["datetime"]
    assert article.select_one("time.edited") is None
    tags = {a.get_text(): a["href"] for a in article.select("ul.tags a")}
    assert tags == {"rome": "/tags/rome", "travel": "/tags/travel"}
    assert article.select_one(f'a[href="/entries/{entry_id}/edit"]')
    form = article.select_one(f'details form[action="/entries/{entry_id}/delete"]')
    assert form["method"] == "post"
    assert form.select_one('input[name="csrf_token"]')["value"]


def test_entry_page_has_no_actions_for_other_viewers(client, auth, make_user, make_entry, user):
    entry_id = make_entry(user)
    make_user("bob")
    auth.login("bob")
    page = soup(client.get(f"/entries/{entry_id}"))
    assert page.select_one(".entry-actions") is None


def test_edited_entry_shows_its_edit_date(app, signed_in, user, make_entry):
    entry_id = make_entry(user, title="Old")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2)):
        response = post_form(
            signed_in,
            f"/entries/{entry_id}/edit",
            title="New",
            body="b",
            visibility="public",
            tags="",
        )
    assert response.status_code == 302
    page = soup(signed_in.get(f"/entries/{entry_id}"))
    assert page.select_one("h1").get_text() == "New"
    assert page.select_one("article.entry time.edited")["datetime"]


def test_every_card_links_to_its_author_and_tags(client, mixed):
    for card in soup(client.get("/")).select("article.entry-card"):
        author = card.select_one("a.author")
        assert author["href"] == f"/u/{author.get_text()}"
        assert [a["href"] for a in card.select("ul.tags a")] == ["/tags/shared"]


# --- edit and delete: who may ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", "edit"), ("post", "edit"), ("post", "delete")]
)
def test_anonymous_change_redirects_to_login(app, client, user, make_entry, method, suffix):
    entry_id = make_entry(user, title="Kept")
    path = f"/entries/{entry_id}/{suffix}"
    if method == "get":
        response = client.get(path)
    else:  # a valid token from the sign-in page, so only the sign-in rule can refuse
        response = post_form(client, path, form_page="/login", title="x", body="x")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/entries/{entry_id}/{suffix}"
    with app.app_context():
        assert db.session.get(Entry, entry_id).title == "Kept"


@pytest.mark.parametrize(("visibility", "status"), [("public", 403), ("private", 404)])
@pytest.mark.parametrize("suffix", ["edit", "delete"])
def test_other_user_cannot_change_an_entry(
    app, client, auth, make_user, make_entry, user, visibility, status, suffix
):
    entry_id = make_entry(user, title="Mine", visibility=visibility)
    make_user("bob")
    auth.login("bob")
    data = {"title": "Hacked", "body": "x", "visibility": "public", "tags": ""}
    response = post_form(client, f"/entries/{entry_id}/{suffix}", form_page="/entry", **data)
    assert response.status_code == status
    if suffix == "edit":
        assert client.get(f"/entries/{entry_id}/edit").status_code == status
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry is not None and entry.title == "Mine"


def test_author_deletes_an_entry(app, signed_in, user, make_entry):
    entry_id = make_entry(user, tags=("gone",))
    response = post_form(signed_in, f"/entries/{entry_id}/delete", form_page=f"/entries/{entry_id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Entry deleted." in text_of(signed_in.get("/"))
    assert signed_in.get(f"/entries/{entry_id}").status_code == 404
    assert titles(signed_in.get("/search?q=words")) == []
    with app.app_context():
        assert db.session.get(Entry, entry_id) is None


def test_edit_refused_for_its_token_shows_the_typed_text_again(app, signed_in, user, make_entry):
    entry_id = make_entry(user, title="Before", body="old body")
    typed = "A long paragraph I would hate to lose."
    response = signed_in.post(
        f"/entries/{entry_id}/edit",
        data={
            "title": "After",
            "body": typed,
            "visibility": "public",
            "tags": "x",
            "csrf_token": "bad",
        },
    )
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("textarea[name=body]").get_text().strip() == typed
    assert page.select_one("input[name=title]")["value"] == "After"
    assert page.select_one("main form")["action"] == f"/entries/{entry_id}/edit"
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry is not None and entry.title == "Before" and entry.body == "old body"


def test_edit_form_starts_filled_in(signed_in, user, make_entry):
    entry_id = make_entry(user, title="T", body="B", visibility="private", tags=("b", "a"))
    page = soup(signed_in.get(f"/entries/{entry_id}/edit"))
    assert page.select_one("input[name=title]")["value"] == "T"
    assert page.select_one("input[name=tags]")["value"] == "a, b"
    assert page.select_one("input[name=visibility][value=private]").has_attr("checked")


def test_invalid_edit_is_422_and_changes_nothing(app, signed_in, user, make_entry):
    entry_id = make_entry(user, title="Kept")
    response = post_form(
        signed_in, f"/entries/{entry_id}/edit", title="New", body="b", visibility="public",
        tags="bad tag!",
    )  # fmt: skip
    assert response.status_code == 422
    assert "is not a tag" in text_of(response)
    with app.app_context():
        assert db.session.get(Entry, entry_id).title == "Kept"


# --- tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("travel", ["travel"]),
        ("Travel, ROME", ["travel", "rome"]),
        ("  spaced  ,  out ", ["spaced", "out"]),
        ("a,,b,", ["a", "b"]),
        ("dup, DUP, dup", ["dup"]),
        ("x-y, 2026", ["x-y", "2026"]),
        ("a" * 32, ["a" * 32]),
        (",".join(f"t{i}" for i in range(10)), [f"t{i}" for i in range(10)]),
        (",".join(["same"] * 11), ["same"]),
        ("", []),
    ],
)
def test_tags_are_normalised(raw, expected):
    assert normalise_tags(parse_tags(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("a" * 33, "is not a tag"),
        ("two words", "is not a tag"),
        ("a/b", "is not a tag"),
        ("🙂", "is not a tag"),
        ("#hash", "is not a tag"),
        ("<b>", "is not a tag"),
        (",".join(f"t{i}" for i in range(11)), "at most 10"),
    ],
)
def test_tags_breaking_a_rule_are_refused(raw, message):
    with pytest.raises(ValidationFailed) as caught:
        normalise_tags(parse_tags(raw))
    assert message in caught.value.errors["tags"][0]


def test_new_entry_with_tags_links_each_tag(app, signed_in):
    response = post_form(
        signed_in, "/entry", title="T", body="b", visibility="public", tags="Ideas, travel, ideas"
    )
    assert response.status_code == 302
    page = soup(signed_in.get(response.headers["Location"]))
    assert [a["href"] for a in page.select("ul.tags a")] == ["/tags/ideas", "/tags/travel"]
    with app.app_context():
        assert sorted(db.session.scalars(select(Tag.name))) == ["ideas", "travel"]


def test_tag_page_lists_only_entries_with_that_tag(client, user, make_entry):
    make_entry(user, title="tagged", tags=("rome",))
    make_entry(user, title="other", tags=("paris",))
    make_entry(user, title="untagged")
    assert titles(client.get("/tags/rome")) == ["tagged"]
    assert titles(client.get("/tags/ROME")) == ["tagged"]


@pytest.mark.parametrize(
    ("tag", "status"),
    [
        ("nothing-here", 200),
        ("NotATag!", 404),
        ("not a tag!", 404),
        ("x" * 33, 404),
        ("a/b", 404),
    ],
)
def test_tag_page_is_empty_for_a_tag_with_no_entries_and_404_for_an_impossible_tag(
    client, user, make_entry, tag, status
):
    make_entry(user, tags=("other",))
    response = client.get(f"/tags/{tag}")
    assert response.status_code == status
    if status == 200:
        assert titles(response) == []
        assert soup(response).select_one(".empty")


def test_tag_with_only_private_entries_is_empty_to_others(client, user, make_entry):
    make_entry(user, title="secret", visibility="private", tags=("hidden",))
    response = client.get("/tags/hidden")
    assert response.status_code == 200
    assert "secret" not in text_of(response)


# --- user pages ------------------------------------------------------------------------


def test_user_page_lists_that_users_entries(client, make_user, make_entry, user):
    bob = make_user("bob")
    make_entry(user, title="by alice")
    make_entry(bob, title="by bob")
    response = client.get("/u/bob")
    assert response.status_code == 200
    assert titles(response) == ["by bob"]
    assert soup(response).select_one("h1").get_text() == "bob"
    assert titles(client.get("/u/BOB")) == ["by bob"]


def test_unknown_user_is_404(client):
    assert client.get("/u/nobody").status_code == 404
    assert client.get("/u/nobody/feed.atom").status_code == 404


def test_user_page_of_someone_with_nothing_public_answers_empty(client, user, make_entry):
    make_entry(user, title="secret", visibility="private")
    response = client.get("/u/alice")
    assert response.status_code == 200
    assert titles(response) == []


# --- pages -----------------------------------------------------------------------------


@pytest.fixture
def many(app_factory, make_user, make_entry):
    """Seven public entries and a listing of three a page."""
    app = app_factory(ENTRIES_PER_PAGE=3)
    user = make_user("carol")
    for number in range(1, 8):
        make_entry(user, title=f"e{number}", tags=("all",))
    return app


def links(response) -> dict[str, str]:
    return {a["rel"][0]: a["href"] for a in soup(response).select("nav.pagination a")}


@pytest.mark.parametrize("path", ["/", "/u/carol", "/tags/all"])
def test_page_links_walk_the_listing_by_cursor_both_ways(many, path):
    client = many.test_client()
    first = client.get(path)
    assert titles(first) == ["e7", "e6", "e5"]
    assert "prev" not in links(first)
    second = client.get(links(first)["next"])
    assert "before=" in links(first)["next"] and "page=2" in links(first)["next"]
    assert titles(second) == ["e4", "e3", "e2"]
    third = client.get(links(second)["next"])
    assert titles(third) == ["e1"]
    assert "next" not in links(third)
    back = client.get(links(third)["prev"])
    assert "after=" in links(third)["prev"]
    assert titles(back) == ["e4", "e3", "e2"]
    start = client.get(links(back)["prev"])
    assert titles(start) == ["e7", "e6", "e5"]
    assert "prev" not in links(start)


@pytest.mark.parametrize(("page", "expected"), [(1, ["e7", "e6", "e5"]), (3, ["e1"])])
def test_page_number_alone_still_answers(many, page, expected):
    assert titles(many.test_client().get(f"/?page={page}")) == expected


@pytest.mark.parametrize(
    "query",
    [
        "page=4",
        "page=0",
        "page=-1",
        "before=garbage",
        "after=2026-01-01_x",
        "before=2026-01-01T00:00:00_1&page=2",
    ],
)
def test_page_past_the_end_or_bad_cursor_is_404(many, query):
    assert many.test_client().get(f"/?{query}").status_code == 404


def test_search_box_is_in_the_layout(client):
    form = soup(client.get("/")).select_one("header form[role=search]")
    assert form["action"] == "/search" and form["method"] == "get"
    assert form.select_one("input[name=q]")


@pytest.mark.parametrize("large_tag", [2, 2000])
def test_tag_page_plans_agree_for_small_and_large_tags(
    monkeypatch, client, auth, make_user, make_entry, user, large_tag
):
    from journal.services import listings

    monkeypatch.setattr(listings, "LARGE_TAG", large_tag)
    bob = make_user("bob")
    make_entry(user, title="old", tags=("big",))
    make_entry(bob, title="bob secret", visibility="private", tags=("big",))
    make_entry(user, title="untagged")
    make_entry(user, title="mine secret", visibility="private", tags=("big",))
    make_entry(bob, title="new", tags=("big", "other"))
    assert titles(client.get("/tags/big")) == ["new", "old"]
    auth.login()
    assert titles(client.get("/tags/big")) == ["new", "mine secret", "old"]


# --- writing: service rules and the forms ---------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "visibility", "field"),
    [
        ("   ", "body", "public", "title"),
        ("x" * 201, "body", "public", "title"),
        ("title", "   ", "public", "body"),
        ("title", "x" * 100_001, "public", "body"),
        ("title", "body", "friends", "visibility"),
    ],
)
def test_entry_rules_name_the_broken_field(title, body, visibility, field):
    from journal.services.entries import EntryInput, check_entry

    with pytest.raises(ValidationFailed) as caught:
        check_entry(EntryInput(title, body, visibility))
    assert list(caught.value.errors) == [field]


def test_new_entry_with_a_bad_tag_is_422_and_saves_nothing(app, signed_in):
    response = post_form(signed_in, "/entry", title="T", body="b", visibility="public", tags="a b")
    assert response.status_code == 422
    assert "is not a tag" in text_of(response)
    with app.app_context():
        assert db.session.scalars(select(Entry)).all() == []


def test_editing_only_the_title_keeps_the_rendered_body(app, signed_in, user, make_entry):
    entry_id = make_entry(user, title="Before", body="**kept**")
    response = post_form(
        signed_in, f"/entries/{entry_id}/edit", title="After", body="**kept**",
        visibility="public", tags="",
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.title == "After"
        assert entry.body_html == "<p><strong>kept</strong></p>\n"
