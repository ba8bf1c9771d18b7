"""Every listing costs a fixed, small number of SQL statements, however many entries it shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from journal.extensions import db
from journal.services import listings
from tests.helpers import PASSWORD, post_form

LISTINGS = ["/", "/u/writer", "/tags/common", "/search?q=common"]
# The page's rows and their tags, plus the user page's author, the tag page's tag, or the
# search's word counts (SQLite), second part (older matches), snippets and how many matched;
# signing in adds the session look-up.
MOST_STATEMENTS = {"anonymous": 6, "signed in": 7}


@contextmanager
def counting(app) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def write(make_entry, author, numbers) -> None:
    for number in numbers:
        make_entry(
            author,
            title=f"entry {number}",
            body=f"common words, number {number}",
            tags=("common", f"t{number}"),
        )


@pytest.mark.parametrize("who", ["anonymous", "signed in"])
def test_listings_cost_the_same_for_5_and_50_entries(app_factory, make_user, make_entry, who):
    app = app_factory(ENTRIES_PER_PAGE=50)
    author = make_user("writer")
    client = app.test_client()
    if who == "signed in":
        assert post_form(client, "/login", username="writer", password=PASSWORD).status_code == 302

    def cost(path: str, shown: int) -> int:
        client.get(path)  # warm up: first-request work is not the listing's
        with counting(app) as statements:
            response = client.get(path)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('class="entry-card"') == shown
        return len(statements)

    write(make_entry, author, range(5))
    few = {path: cost(path, 5) for path in LISTINGS}
    write(make_entry, author, range(5, 50))
    many = {path: cost(path, 50) for path in LISTINGS}
    assert few == many
    assert max(many.values()) <= MOST_STATEMENTS[who], many


def test_a_deep_page_by_cursor_costs_what_the_first_does(app_factory, make_user, make_entry):
    app = app_factory(ENTRIES_PER_PAGE=2)
    author = make_user("writer")
    write(make_entry, author, range(7))
    client = app.test_client()
    with counting(app) as first:
        response = client.get("/")
    href = response.get_data(as_text=True).split('rel="next" href="')[1].split('"')[0]
    href = href.replace("&amp;", "&")
    for _ in range(2):
        with counting(app) as deeper:
            response = client.get(href)
        assert response.status_code == 200
        assert len(deeper) == len(first)
        href = response.get_data(as_text=True).split('rel="next" href="')[1].split('"')[0]
        href = href.replace("&amp;", "&")


def test_a_tag_page_plan_follows_the_size_of_its_own_tag(
    monkeypatch, app_factory, make_user, make_entry
):
    """A small tag's entries are fetched by id; only a large tag walks the newest-first index.

    The size is counted for the tag asked for, not for all tags together: a small tag among
    large ones must still get the plan that reads only its own entries.
    """
    monkeypatch.setattr(listings, "LARGE_TAG", 2)
    app = app_factory()
    author = make_user("writer")
    for number in range(3):
        make_entry(author, title=f"big {number}", tags=("big",))
    make_entry(author, title="small one", tags=("small",))
    client = app.test_client()

    def listing_statement(tag: str) -> str:
        with counting(app) as statements:
            response = client.get(f"/tags/{tag}")
        assert response.status_code == 200
        return next(s for s in statements if "FROM entries" in s and "ORDER BY" in s)

    assert "EXISTS" in listing_statement("big")
    assert "EXISTS" not in listing_statement("small")
    assert " IN (SELECT" in listing_statement("small")
