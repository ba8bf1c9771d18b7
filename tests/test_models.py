"""The models: UTC times, derived properties, what a deleted account takes with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError

from journal.extensions import db
from journal.models import (
    ApiToken,
    Entry,
    Tag,
    User,
    UserSession,
    UTCDateTime,
    entry_tags,
    utcnow,
)
from journal.services import accounts
from journal.services.entries import EntryInput, create_entry, update_entry
from journal.services.entry_views import read_entry
from tests.helpers import count, csrf_token

WHEN = datetime(2026, 6, 1, 12, 30, 15, 250000, tzinfo=UTC)


def test_utcnow_is_aware_utc() -> None:
    now = utcnow()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_naive_datetime_is_refused(app: Flask, user: User) -> None:
    with app.app_context():
        session = UserSession(
            token_hash="0" * 64,
            user_id=user.id,
            created_at=datetime(2026, 6, 1, 12, 0),  # noqa: DTZ001 (the point of the test)
        )
        db.session.add(session)
        with pytest.raises(StatementError, match="naive datetime refused"):
            db.session.flush()
        db.session.rollback()
    assert count(app, UserSession) == 0


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(WHEN, id="utc"),
        pytest.param(WHEN.astimezone(timezone(timedelta(hours=5, minutes=30))), id="plus-0530"),
        pytest.param(WHEN.astimezone(timezone(timedelta(hours=-8))), id="minus-0800"),
    ],
)
def test_times_load_aware_in_utc(app: Flask, user: User, stored: datetime) -> None:
    with app.app_context():
        db.session.add(
            ApiToken(token_hash="1" * 64, user_id=user.id, created_at=stored, expires_at=stored)
        )
        db.session.commit()
    with app.app_context():
        token = db.session.scalars(select(ApiToken)).one()
        assert token.created_at == WHEN
        assert token.created_at.utcoffset() == timedelta(0)
        assert token.created_at.tzinfo is UTC
        assert token.expires_at.tzinfo is UTC


def test_a_null_time_stays_null() -> None:
    column_type = UTCDateTime()
    dialect = sqlite.dialect()
    assert column_type.process_bind_param(None, dialect) is None
    assert column_type.process_result_value(None, dialect) is None


def test_created_at_defaults_to_the_time_of_saving(app: Flask) -> None:
    with time_machine.travel(WHEN, tick=False), app.app_context():
        user = User(
            username="zed", username_key="zed", email="z@example.org",
            email_key="z@example.org", password_hash="x",
        )  # fmt: skip
        db.session.add(user)
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(User.created_at)) == WHEN


def test_entry_visibility_names_is_public() -> None:
    assert Entry(is_public=True).visibility == "public"
    assert Entry(is_public=False).visibility == "private"


@pytest.mark.parametrize(
    ("later", "edited"), [(timedelta(seconds=59), False), (timedelta(minutes=1), True)]
)
def test_entry_was_edited_only_a_minute_or_more_after_writing(
    app: Flask, user: User, later: timedelta, edited: bool
) -> None:
    with time_machine.travel(WHEN, tick=False), app.app_context():
        entry = create_entry(db.session.merge(user), EntryInput("Draft", "Text."))
        assert entry.created_at == entry.updated_at == WHEN
        entry_id = entry.id
        assert not read_entry(entry_id, entry.author).was_edited  # private: its author reads it
    with time_machine.travel(WHEN + later, tick=False), app.app_context():
        entry = db.session.get(Entry, entry_id)
        update_entry(entry, EntryInput("Final", "More *text*."))
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert read_entry(entry_id, entry.author).was_edited is edited
        assert entry.body_html == "<p>More <em>text</em>.</p>\n"
        assert entry.updated_at - entry.created_at == later


def test_model_reprs_name_the_row() -> None:
    assert repr(User(username="alice")) == "<User 'alice'>"
    assert repr(Entry(id=3, title="Hi")) == "<Entry 3 'Hi'>"
    assert repr(Tag(name="travel")) == "<Tag 'travel'>"


def test_a_user_id_is_the_session_token() -> None:
    user = User(username="alice")
    assert user.get_id() is None
    user.session_token = "abc"
    assert user.get_id() == "abc"
    assert user.is_authenticated and user.is_active and not user.is_anonymous


def _fill_account(app: Flask, user: User, other: User) -> None:
    """Entries with tags, sessions and an API token for ``user``; one entry for ``other``."""
    with app.app_context():
        author = db.session.merge(user)
        create_entry(author, EntryInput("One", "1", tags=["shared", "mine"]))
        create_entry(author, EntryInput("Two", "2", tags=["shared"]))
        create_entry(db.session.merge(other), EntryInput("Bob's", "b", tags=["shared"]))
        accounts.start_session(author, "browser one")
        accounts.start_session(author, "browser two")
        accounts.start_session(db.session.merge(other), "bob's browser")
        db.session.add(ApiToken(token_hash="2" * 64, user=author, expires_at=utcnow()))
        db.session.commit()


@pytest.mark.parametrize("how", ["orm", "sql"])
def test_deleting_a_user_removes_their_entries_sessions_and_tokens(
    app: Flask, make_user: Callable[..., User], user: User, how: str
) -> None:
    bob = make_user("bob")
    _fill_account(app, user, bob)
    with app.app_context():
        if how == "orm":
            db.session.delete(db.session.get(User, user.id))
        else:
            db.session.execute(delete(User).where(User.id == user.id))
        db.session.commit()
    with app.app_context():
        assert db.session.scalars(select(User.username)).all() == ["bob"]
        assert db.session.scalars(select(Entry.title)).all() == ["Bob's"]
        assert db.session.scalars(select(UserSession.user_agent)).all() == ["bob's browser"]
        assert db.session.scalars(select(ApiToken)).all() == []
        # The entries' tag links went with them; the tags themselves stay.
        assert len(db.session.execute(select(entry_tags)).all()) == 1
        assert sorted(db.session.scalars(select(Tag.name))) == ["mine", "shared"]


def _new_row(model: type, n: int, author_id: int) -> object:
    """A fresh row of ``model`` (the ``n``-th of the test)."""
    if model is User:
        return User(
            username=f"u{n}",
            username_key=f"u{n}",
            email=f"u{n}@example.org",
            email_key=f"u{n}@example.org",
            password_hash="x",
        )
    if model is Tag:
        return Tag(name=f"tag-{n}")
    if model is Entry:
        return Entry(author_id=author_id, title=f"E{n}", body="b", body_html="<p>b</p>")
    if model is UserSession:
        return UserSession(token_hash=f"{n:064d}", user_id=author_id)
    return ApiToken(token_hash=f"{n:064d}", user_id=author_id, expires_at=utcnow())


@pytest.mark.parametrize("model", [User, Tag, Entry, UserSession, ApiToken])
def test_a_deleted_newest_id_is_never_handed_out_again(app: Flask, user: User, model: type) -> None:
    with app.app_context():
        rows = [_new_row(model, n, user.id) for n in (1, 2)]
        db.session.add_all(rows)
        db.session.commit()
        newest = max(row.id for row in rows)  # type: ignore[attr-defined]
        db.session.delete(db.session.get(model, newest))
        db.session.commit()
        again = _new_row(model, 3, user.id)
        db.session.add(again)
        db.session.commit()
        assert again.id > newest  # type: ignore[attr-defined]


def test_an_entry_written_after_deleting_the_newest_gets_a_new_address(
    app: Flask, signed_in: FlaskClient, user: User
) -> None:
    client = signed_in
    token = csrf_token(client, "/entry")
    first = client.post("/entry", data={"csrf_token": token, "title": "Mine", "body": "x"})
    old_url = first.headers["Location"]
    client.post(f"{old_url}/delete", data={"csrf_token": token})
    assert client.get(old_url).status_code == 404
    second = client.post("/entry", data={"csrf_token": token, "title": "New", "body": "y"})
    assert second.headers["Location"] != old_url
    assert client.get(old_url).status_code == 404
