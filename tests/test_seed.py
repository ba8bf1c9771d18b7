"""``flask journal seed``: deterministic demo data written in bulk, on both databases."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select, text

from journal.extensions import db
from journal.models import Entry, Tag, User, entry_tags
from journal.services import seed as seeding
from journal.services.entries import EntryInput, create_entry, is_tag_name
from journal.services.passwords import check_password
from tests.helpers import count, post_form


def snapshot(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every seeded row, in a comparable form."""
    with app.app_context():
        return {
            "users": [
                tuple(row)
                for row in db.session.execute(
                    select(User.id, User.username, User.email, User.created_at).order_by(User.id)
                )
            ],
            "entries": [
                tuple(row)
                for row in db.session.execute(
                    select(
                        Entry.id,
                        Entry.author_id,
                        Entry.title,
                        Entry.body,
                        Entry.is_public,
                        Entry.created_at,
                        Entry.updated_at,
                    ).order_by(Entry.id)
                )
            ],
            "links": [
                tuple(row)
                for row in db.session.execute(
                    select(entry_tags.c.entry_id, Tag.name)
                    .join(Tag, Tag.id == entry_tags.c.tag_id)
                    .order_by(entry_tags.c.entry_id, Tag.name)
                )
            ],
        }


def run_seed(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=["journal", "seed", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_writes_the_asked_numbers_and_says_so(app: Flask, runner: FlaskCliRunner) -> None:
    output = run_seed(runner, "--users", "5", "--entries", "300", "--seed", "7")
    assert "Seeded 5 users and 300 entries" in output
    assert seeding.DEMO_PASSWORD in output
    assert count(app, User) == 5
    assert count(app, Entry) == 300
    assert count(app, Tag) == len(seeding.TAG_VOCABULARY)


def test_same_seed_gives_the_same_rows(app: Flask, runner: FlaskCliRunner) -> None:
    run_seed(runner, "--users", "4", "--entries", "150", "--seed", "5")
    first = snapshot(app)
    with app.app_context():
        for table in (entry_tags, Entry.__table__, User.__table__, Tag.__table__):
            db.session.execute(table.delete())
        # As good as a new database: ids are never reused, so start the counters afresh.
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("DELETE FROM sqlite_sequence"))
        else:
            for name in ("users", "entries", "tags"):
                db.session.execute(text(f"ALTER SEQUENCE {name}_id_seq RESTART"))
        db.session.commit()
    run_seed(runner, "--users", "4", "--entries", "150", "--seed", "5")
    assert snapshot(app) == first
    assert len(first["entries"]) == 150
    assert len(first["users"]) == 4


def test_different_seed_gives_different_rows(app: Flask, runner: FlaskCliRunner) -> None:
    run_seed(runner, "--users", "3", "--entries", "100", "--seed", "1")
    first = snapshot(app)
    run_seed(runner, "--users", "3", "--entries", "100", "--seed", "2", "--append")
    both = snapshot(app)
    second = both["entries"][100:]
    assert [row[2:4] for row in second] != [row[2:4] for row in first["entries"]]


def test_visibility_is_mostly_public(app: Flask, runner: FlaskCliRunner) -> None:
    run_seed(runner, "--users", "3", "--entries", "2000")
    with app.app_context():
        public = db.session.scalar(select(func.count()).where(Entry.is_public))
    assert 0.65 * 2000 <= public <= 0.75 * 2000


def test_tags_are_normalised_and_skewed(app: Flask, runner: FlaskCliRunner) -> None:
    run_seed(runner, "--users", "3", "--entries", "2000")
    with app.app_context():
        names = list(db.session.scalars(select(Tag.name)))
        uses = Counter(
            dict(
                db.session.execute(
                    select(Tag.name, func.count())
                    .join(entry_tags, Tag.id == entry_tags.c.tag_id)
                    .group_by(Tag.name)
                ).all()
            )
        )
        per_entry = Counter(
            db.session.scalars(
                select(func.count(entry_tags.c.tag_id)).group_by(entry_tags.c.entry_id)
            )
        )
    assert all(is_tag_name(name) for name in names)
    assert max(per_entry) <= 4
    assert uses["life"] > 10 * uses["origami"]


def test_bodies_are_varied_rendered_and_sanitised(app: Flask, runner: FlaskCliRunner) -> None:
    run_seed(runner, "--users", "2", "--entries", "500")
    with app.app_context():
        rows = db.session.execute(select(Entry.body, Entry.body_html)).all()
    assert len({body for body, _ in rows}) > 50
    assert any("<li>" in html for _, html in rows)
    assert any("<h1>" in html for _, html in rows)
    for _, html in rows:
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find("script") is None
        for link in soup.find_all("a"):
            assert link["rel"] == ["nofollow", "noopener", "noreferrer"]


def test_created_at_rises_with_the_id_over_several_years(
    app: Flask, runner: FlaskCliRunner
) -> None:
    run_seed(runner, "--users", "2", "--entries", "400")
    with app.app_context():
        times = list(db.session.scalars(select(Entry.created_at).order_by(Entry.id)))
    assert times == sorted(times)
    assert (times[-1] - times[0]).days > 3 * 365
    assert all(time.tzinfo is not None for time in times)


def test_seed_refuses_a_database_with_data(app: Flask, runner: FlaskCliRunner, user) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["journal", "seed", "--users", "2", "--entries", "10"])
    assert result.exit_code == 1
    assert "--append" in result.output
    assert count(app, Entry) == 0
    assert count(app, User) == 1


def test_append_adds_entries_by_existing_users(app: Flask, runner: FlaskCliRunner, user) -> None:  # type: ignore[no-untyped-def]
    output = run_seed(runner, "--users", "0", "--entries", "30", "--append")
    assert "Seeded 0 users and 30 entries" in output
    assert "password" not in output
    with app.app_context():
        assert set(db.session.scalars(select(Entry.author_id))) == {user.id}


def test_entries_without_users_is_a_clear_error(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["journal", "seed", "--users", "0", "--entries", "5"])
    assert result.exit_code == 1
    assert "no users" in result.output
    assert count(app, Entry) == 0


def test_seeded_user_signs_in_with_the_demo_password(
    app: Flask, runner: FlaskCliRunner, client
) -> None:  # type: ignore[no-untyped-def]
    run_seed(runner, "--users", "2", "--entries", "5")
    with app.app_context():
        seeded = db.session.scalars(select(User).order_by(User.id)).first()
        assert seeded is not None
        username = seeded.username
        assert check_password(seeded.password_hash, seeding.DEMO_PASSWORD)
    response = post_form(client, "/login", username=username, password=seeding.DEMO_PASSWORD)
    assert response.status_code == 302


def test_app_keeps_writing_after_a_seed(app: Flask, runner: FlaskCliRunner) -> None:
    """Explicit ids must not leave PostgreSQL's sequences behind."""
    run_seed(runner, "--users", "2", "--entries", "20")
    with app.app_context():
        author = db.session.scalars(select(User)).first()
        assert author is not None
        entry = create_entry(author, EntryInput(title="After", body="text", tags=["new-tag"]))
        assert entry.id == 21


def test_rare_words_are_rare_and_the_common_word_common() -> None:
    import random

    rng = random.Random(3)
    titles = [seeding.make_title(rng) for _ in range(200_000)]
    rare = sum(1 for title in titles if re.search("|".join(seeding.RARE_WORDS), title))
    assert 1 <= rare <= 30
    bodies = seeding.make_bodies(random.Random(3), 30)
    assert all(seeding.WORD_IN_EVERY_BODY in body.source for body in bodies)


@pytest.mark.parametrize("option", ["--users", "--entries"])
def test_negative_numbers_are_refused(app: Flask, runner: FlaskCliRunner, option: str) -> None:
    result = runner.invoke(args=["journal", "seed", option, "-1"])
    assert result.exit_code == 2
    assert count(app, User) == 0


def test_append_never_reuses_the_id_of_a_deleted_entry(
    app: Flask, runner: FlaskCliRunner, user, make_entry
) -> None:  # type: ignore[no-untyped-def]
    make_entry(user, title="kept")
    deleted = make_entry(user, title="deleted")
    with app.app_context():
        db.session.execute(delete(Entry).where(Entry.id == deleted))
        db.session.commit()
    run_seed(runner, "--users", "0", "--entries", "3", "--append")
    with app.app_context():
        assert min(db.session.scalars(select(Entry.id).where(Entry.title != "kept"))) > deleted
        newest = create_entry(db.session.get(User, user.id), EntryInput("After", "b"))
        assert newest.id > deleted + 3
