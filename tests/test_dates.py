"""Your journal: the date an entry happened, in the writer's and the reader's time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from journal.extensions import db
from journal.models import Entry, User
from tests.helpers import csrf_token, post_form, text_of


def titles(response) -> list[str]:
    page = BeautifulSoup(text_of(response), "html.parser")
    return [a.get_text() for a in page.select("article.entry-card h2 a")]


def set_zone(app, user, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).timezone = zone
        db.session.commit()


def stored(app, title: str) -> Entry:
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.title == title))
        assert entry is not None
        db.session.expunge(entry)
        return entry


# --- your home and explore -----------------------------------------------------------


def test_signed_in_home_is_your_own_journal_private_and_public(
    client, auth, user, make_user, make_entry
):
    bob = make_user("bob")
    make_entry(user, "mine public", visibility="public")
    make_entry(user, "mine private", visibility="private")
    make_entry(bob, "bob public", visibility="public")
    make_entry(bob, "bob private", visibility="private")
    auth.login()
    home = client.get("/")
    assert titles(home) == ["mine private", "mine public"]
    assert "Your journal" in text_of(home)
    assert titles(client.get("/explore")) == ["bob public", "mine public"]


def test_signed_out_home_and_explore_list_the_same_public_entries(
    client, user, make_user, make_entry
):
    bob = make_user("bob")
    make_entry(user, "mine public", visibility="public")
    make_entry(user, "mine private", visibility="private")
    make_entry(bob, "bob public", visibility="public")
    home = client.get("/")
    assert titles(home) == ["bob public", "mine public"]
    assert titles(client.get("/explore")) == titles(home)
    assert 'href="/register"' in text_of(home)


def test_the_header_links_to_your_journal_by_name(signed_in):
    page = BeautifulSoup(text_of(signed_in.get("/explore")), "html.parser")
    link = page.select_one("a.nav-user")
    assert link.get_text() == "alice" and link["href"] == "/"


# --- the date it happened ------------------------------------------------------------


def write(client, **fields):
    data = {"title": "A day", "body": "Words.", "visibility": "private", "tags": "", "date": ""}
    data.update(fields)
    return post_form(client, "/entry", **data)


def test_an_entry_can_be_backdated_and_listings_follow_its_date(app, signed_in, user):
    assert write(signed_in, title="today").status_code == 302
    assert write(signed_in, title="last spring", date="2024-04-02T08:30").status_code == 302
    assert write(signed_in, title="last winter", date="2024-01-15T20:00").status_code == 302
    assert titles(signed_in.get("/")) == ["today", "last spring", "last winter"]
    entry = stored(app, "last spring")
    assert entry.dated_at == datetime(2024, 4, 2, 8, 30, tzinfo=UTC)
    assert entry.created_at > entry.dated_at  # written now, dated then
    assert entry.timezone == "UTC"


def test_an_empty_date_means_now(app, signed_in, user):
    before = datetime.now(UTC)
    assert write(signed_in, title="now").status_code == 302
    entry = stored(app, "now")
    assert before - timedelta(seconds=1) <= entry.dated_at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("zone", "typed", "utc"),
    [
        ("America/New_York", "2024-07-04T21:15", datetime(2024, 7, 5, 1, 15, tzinfo=UTC)),
        ("Asia/Tokyo", "2024-01-01T00:30", datetime(2023, 12, 31, 15, 30, tzinfo=UTC)),
        # 02:30 does not happen on 10 March 2024 in New York: it is read as 03:30 EDT.
        ("America/New_York", "2024-03-10T02:30", datetime(2024, 3, 10, 7, 30, tzinfo=UTC)),
        # 01:30 happens twice on 3 November 2024 in New York: the first (EDT) is meant.
        ("America/New_York", "2024-11-03T01:30", datetime(2024, 11, 3, 5, 30, tzinfo=UTC)),
    ],
)
def test_the_date_is_read_in_the_writers_zone(app, signed_in, user, zone, typed, utc):
    set_zone(app, user, zone)
    assert write(signed_in, title="zoned", date=typed).status_code == 302
    entry = stored(app, "zoned")
    assert entry.dated_at == utc
    assert entry.timezone == zone


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2999-01-01T00:00", "no more than a day from now"),
        ("2024-02-30T10:00", "YYYY-MM-DDTHH:MM"),
        ("0001-01-01T00:30", "between the years 1 and 9999"),
        ("yesterday", "YYYY-MM-DDTHH:MM"),
    ],
)
def test_a_bad_date_is_422_with_everything_typed_kept(app, signed_in, user, typed, message):
    set_zone(app, user, "Asia/Tokyo")  # east of Greenwich: 0001-01-01T00:30 is before year 1
    response = write(signed_in, title="Kept title", body="Kept body", date=typed)
    assert response.status_code == 422
    body = text_of(response)
    assert message in body
    assert "Kept title" in body and "Kept body" in body
    with app.app_context():
        assert db.session.scalars(select(Entry)).all() == []


def test_editing_keeps_the_date_unless_changed(app, signed_in, user, make_entry):
    entry_id = make_entry(user, "dated", date=datetime(2023, 5, 1, 12, 0, tzinfo=UTC))
    form = signed_in.get(f"/entries/{entry_id}/edit")
    assert 'value="2023-05-01T12:00"' in text_of(form)
    fields = {"title": "dated", "body": "Some words.", "visibility": "public", "tags": ""}
    response = post_form(signed_in, f"/entries/{entry_id}/edit", date="", **fields)
    assert response.status_code == 302
    assert stored(app, "dated").dated_at == datetime(2023, 5, 1, 12, 0, tzinfo=UTC)
    post_form(signed_in, f"/entries/{entry_id}/edit", date="2023-06-01T09:00", **fields)
    assert stored(app, "dated").dated_at == datetime(2023, 6, 1, 9, 0, tzinfo=UTC)


# --- dates in the reader's zone --------------------------------------------------------


def test_a_reader_sees_dates_in_their_own_zone_and_which_zone(
    app, client, auth, user, make_user, make_entry
):
    bob = make_user("bob")
    evening = datetime(2024, 7, 5, 1, 15, tzinfo=UTC)  # 21:15 in New York, 10:15 in Tokyo
    entry_id = make_entry(bob, "evening", date=evening, timezone="America/New_York")
    set_zone(app, user, "Asia/Tokyo")
    auth.login()
    page = BeautifulSoup(text_of(client.get(f"/entries/{entry_id}")), "html.parser")
    dated = page.select_one("time.dated")
    assert dated.get_text() == "5 July 2024, 10:15 JST"
    assert dated["datetime"] == "2024-07-05T10:15+09:00"
    assert dated["title"] == "Asia/Tokyo"
    card = BeautifulSoup(text_of(client.get("/explore")), "html.parser").select_one(
        "article.entry-card time"
    )
    assert card.get_text() == "5 July 2024"


def test_a_signed_out_reader_sees_the_zone_the_entry_was_written_in(client, user, make_entry):
    evening = datetime(2024, 7, 5, 1, 15, tzinfo=UTC)
    entry_id = make_entry(user, "evening", date=evening, timezone="America/New_York")
    page = BeautifulSoup(text_of(client.get(f"/entries/{entry_id}")), "html.parser")
    assert page.select_one("time.dated").get_text() == "4 July 2024, 21:15 EDT"


# --- the time zone setting ---------------------------------------------------------------


def test_the_account_time_zone_can_be_changed(app, signed_in, user):
    page = text_of(signed_in.get("/account"))
    assert '<option value="Europe/Paris">' in page
    response = post_form(signed_in, "/account/timezone", "/account", timezone="Europe/Paris")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).timezone == "Europe/Paris"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/paris", "../../etc/passwd", ""])
def test_an_unknown_time_zone_is_422_and_changes_nothing(app, signed_in, user, zone):
    response = post_form(signed_in, "/account/timezone", "/account", timezone=zone)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, user.id).timezone == "UTC"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("America/New_York", "America/New_York"), ("Nowhere/City", "UTC"), ("", "UTC")],
)
def test_registration_takes_the_browsers_zone_or_utc(app, client, sent, kept):
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "newcomer",
            "email": "new@example.org",
            "password": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
            "timezone": sent,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.timezone).where(User.username == "newcomer")) == kept


# --- the API, export and import ------------------------------------------------------------


def test_the_api_takes_and_gives_the_date_with_its_zone(client, user, alice_bearer):
    created = client.post(
        "/api/v1/entries",
        json={
            "title": "Fireworks",
            "body": "Bang.",
            "date": "2024-07-04T21:15:00-04:00",
            "timezone": "America/New_York",
        },
        headers=alice_bearer,
    )
    assert created.status_code == 201
    item = created.get_json()
    assert item["date"] == "2024-07-04T21:15:00-04:00"
    assert item["timezone"] == "America/New_York"
    changed = client.patch(
        f"/api/v1/entries/{item['id']}", json={"timezone": "Europe/London"}, headers=alice_bearer
    ).get_json()
    assert changed["date"] == "2024-07-05T02:15:00+01:00"
    refused = client.post(
        "/api/v1/entries",
        json={"title": "T", "body": "B", "timezone": "Mars/Olympus"},
        headers=alice_bearer,
    )
    assert refused.status_code == 422
    assert "timezone" in refused.get_json()["errors"]


def test_export_carries_date_and_zone_and_import_keeps_them(
    app, client, auth, user, make_user, make_entry
):
    when = datetime(2024, 7, 5, 1, 15, tzinfo=UTC)
    make_entry(user, "evening", date=when, timezone="America/New_York")
    auth.login()
    document = client.get("/account/export").get_json(force=True)
    (exported,) = document["entries"]
    assert exported["date"] == "2024-07-04T21:15:00-04:00"
    assert exported["timezone"] == "America/New_York"
    make_user("bob")
    auth.logout()
    auth.login("bob")
    import io
    import json

    response = client.post(
        "/account/import",
        data={
            "csrf_token": csrf_token(client, "/account"),
            "file": (io.BytesIO(json.dumps(document).encode()), "export.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        copies = db.session.scalars(select(Entry).where(Entry.title == "evening")).all()
        assert sorted((e.dated_at, e.timezone) for e in copies) == [
            (when, "America/New_York"),
            (when, "America/New_York"),
        ]


def test_an_entry_at_the_edge_of_the_calendar_shows_in_utc_where_the_zone_cannot(
    app, client, auth, user, make_entry
):
    first_hour = datetime(1, 1, 1, 1, 0, tzinfo=UTC)  # still 31 December of year 0 in New York
    entry_id = make_entry(user, "oldest", date=first_hour)
    set_zone(app, user, "America/New_York")
    auth.login()
    assert client.get("/").status_code == 200
    page = BeautifulSoup(text_of(client.get(f"/entries/{entry_id}")), "html.parser")
    assert page.select_one("time.dated").get_text() == "1 January 1, 01:00 UTC"
