"""Full-text search: ranking, snippets, visibility, hostile queries, and the index's upkeep."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import delete, insert, text, update

from journal import create_app, init_migrations
from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import Entry, User, utcnow
from journal.services import entries, entry_views, listings, search
from journal.services.search import fts5_query, highlight, query_words
from tests.helpers import PASSWORD_HASH, soup, text_of, titles


def test_best_match_comes_first(client, user, make_entry):
    make_entry(user, title="Groceries", body="Bought apples and pears.")
    make_entry(user, title="Nothing", body="No fruit today.")
    make_entry(user, title="Apples", body="Apples, apples everywhere: apple pie, apple tart.")
    make_entry(user, title="Orchard walk", body="We saw an apple tree.")
    shown = titles(client.get("/search?q=apples"))
    assert shown[0] == "Apples"
    assert set(shown) == {"Apples", "Groceries", "Orchard walk"} or set(shown) == {
        "Apples",
        "Groceries",
    }
    assert "Nothing" not in shown


def test_every_word_must_match(client, user, make_entry):
    make_entry(user, title="one", body="red house")
    make_entry(user, title="two", body="red car")
    assert titles(client.get("/search?q=red+house")) == ["one"]


def test_snippet_marks_the_match_and_escapes_the_text(client, user, make_entry):
    make_entry(user, title="Markup", body='I wrote <b onclick="x()">cats</b> & dogs & more cats')
    card = soup(client.get("/search?q=cats")).select_one("article.entry-card")
    snippet = card.select_one(".snippet")
    assert [mark.get_text() for mark in snippet.select("mark")] == ["cats", "cats"]
    assert snippet.select("b") == []
    assert [child.name for child in snippet.find_all(True)] == ["mark", "mark"]


@pytest.mark.parametrize(
    ("raw", "html"),
    [
        ("plain \x02word\x03 here", "plain <mark>word</mark> here"),
        ("<i>\x02x\x03</i>", "&lt;i&gt;<mark>x</mark>&lt;/i&gt;"),
        ("typed \x02 marker \x02x\x03", "typed  marker x"),
    ],
)
def test_highlight_escapes_before_marking(raw, html):
    assert str(highlight(raw)) == html


@pytest.fixture
def private_mix(make_user, make_entry, user):
    bob = make_user("bob")
    make_entry(user, title="alice public", body="needle", visibility="public")
    make_entry(user, title="alice private", body="needle", visibility="private")
    make_entry(bob, title="bob private", body="needle", visibility="private")
    return bob


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, {"alice public"}),
        ("alice", {"alice public", "alice private"}),
        ("bob", {"alice public", "bob private"}),
    ],
)
def test_search_applies_the_visibility_rule(client, auth, private_mix, who, expected):
    if who:
        auth.login(who)
    assert set(titles(client.get("/search?q=needle"))) == expected


HOSTILE_QUERIES = {
    "unbalanced AND": "foo AND (bar",
    "lone quote": '"',
    "unclosed quote": '"foo bar',
    "NEAR": "NEAR(",
    "NEAR full": "NEAR(foo bar, 2)",
    "column filter": "title:",
    "column filter word": "title:foo",
    "star": "*",
    "prefix star": "foo*",
    "minus": "-",
    "minus word": "-foo",
    "caret": "^foo",
    "plus": "+",
    "or": "foo OR",
    "not": "NOT foo",
    "braces": "{title body}: foo",
    "colon only": ":",
    "parentheses": "()",
    "sql": "'; DROP TABLE entries; --",
    "backslash": "\\",
    "percent": "100% foo_bar",
    "nul-like": "foo\x01bar",
    "unicode": "ünïcödé 日本語 🙂",
    "stopwords only": "the and of",
    "empty": "",
    "spaces": "   ",
    "500 characters": "foo " * 125,
    "one long word": "x" * 500,
}


@pytest.mark.parametrize("query", HOSTILE_QUERIES.values(), ids=HOSTILE_QUERIES.keys())
def test_hostile_query_is_plain_words_never_an_error(client, user, make_entry, query):
    make_entry(user, title="foo bar", body="foo and bar and title, near")
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert soup(response).select_one("main form[role=search] input[name=q]") is not None


@pytest.mark.parametrize(
    ("query", "found"),
    [('foo AND (bar', True), ('"foo"', True), ("title:foo", True), ("NEAR(foo", True),
     ("-foo", True), ("bar*", True), ("zzz", False)],
)  # fmt: skip
def test_syntax_characters_search_for_the_words_around_them(client, user, make_entry, query, found):
    make_entry(user, title="foo bar", body="foo and bar and title, near")
    assert (titles(client.get("/search", query_string={"q": query})) == ["foo bar"]) is found


@pytest.mark.parametrize(
    ("query", "words", "fts"),
    [
        ('say "hi"', ["say", "hi"], '"say" "hi"'),
        ("* - NEAR(", ["NEAR"], '"NEAR"'),
        ("foo AND bar", ["foo", "AND", "bar"], '"foo" "AND" "bar"'),
        ("title:foo", ["title", "foo"], '"title" "foo"'),
        ("", [], ""),
    ],
)
def test_fts5_query_quotes_every_word(query, words, fts):
    assert query_words(query) == words
    assert fts5_query(words) == fts


@pytest.mark.parametrize("query", ["", "   ", "*", "-"])
def test_empty_query_shows_the_form_and_no_results(client, user, make_entry, query):
    make_entry(user, title="anything")
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert titles(response) == []


def test_search_page_without_query_shows_only_the_form(client):
    page = soup(client.get("/search"))
    assert page.select_one("main form[role=search]") is not None
    assert page.select(".empty") == []


def test_search_page_has_one_search_box_keeping_the_query(client):
    page = soup(client.get("/search?q=%3Cb%3Ebold"))
    assert page.select_one("main input[name=q]")["value"] == "<b>bold"
    # The header's box is not rendered here: two boxes stacked on a phone said the same.
    assert page.select("header input[name=q]") == []
    assert len(page.select("input[type=search]")) == 1
    assert soup(client.get("/")).select_one("header input[name=q]") is not None


def test_search_results_page_past_the_end_is_404(app_factory, make_user, make_entry):
    app = app_factory(ENTRIES_PER_PAGE=2)
    author = make_user("dave")
    for number in range(3):
        make_entry(author, title=f"match {number}", body="common")
    client = app.test_client()
    assert len(titles(client.get("/search?q=common"))) == 2
    assert len(titles(client.get("/search?q=common&page=2"))) == 1
    assert client.get("/search?q=common&page=3").status_code == 404


def test_rows_written_in_bulk_are_indexed_changed_and_removed(app, client, user):
    """The seeder writes with core INSERTs: the database keeps the index in step itself.

    An insert without ``body_text`` gets it from the body; an update of the body writes its
    plain text too (the index reads ``body_text``).
    """
    now = utcnow()
    row = {"title": "bulk", "body": "zebra", "body_html": "", "is_public": True}
    with app.app_context():
        db.session.execute(
            insert(Entry),
            [dict(row, author_id=user.id, created_at=now, updated_at=now) for _ in range(3)],
        )
        db.session.commit()
    assert titles(client.get("/search?q=zebra")) == ["bulk"] * 3
    with app.app_context():
        db.session.execute(update(Entry).values(body="giraffe", body_text="giraffe"))
        db.session.commit()
    assert titles(client.get("/search?q=zebra")) == []
    assert titles(client.get("/search?q=giraffe")) == ["bulk"] * 3
    with app.app_context():
        db.session.execute(delete(Entry))
        db.session.commit()
    assert titles(client.get("/search?q=giraffe")) == []


def test_deleting_an_account_removes_its_entries_from_search(app, client, user, make_entry):
    make_entry(user, title="gone", body="ephemeral")
    with app.app_context():
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()
    assert titles(client.get("/search?q=ephemeral")) == []


def found_titles(viewer, words: str) -> list[str]:
    """Titles of the first page of the search service's results, without the web page."""
    page = listings.paginate(listings.search_entries(viewer, words), 1, 50, entry_views.fetch_cards)
    return [entry.title for entry in page.items]


def test_search_service_returns_selects_of_entries(app, user, make_entry):
    make_entry(user, title="one", body="kiwi")
    with app.app_context():
        assert found_titles(None, "kiwi") == ["one"]


def test_search_migration_indexes_existing_rows_and_goes_back(empty_database_url, monkeypatch):
    """Rows written before the search migrations are found, with plain-text extracts."""
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    app = create_app("testing")
    init_migrations(app)
    with app.app_context():
        upgrade(revision="0001")
        # Written with the columns of revision 0001 (the model has more since).
        db.session.execute(
            text(
                "INSERT INTO users (username, username_key, email, email_key, password_hash, "
                "created_at) VALUES ('old', 'old', 'o@example.org', 'o@example.org', :hash, :now)"
            ),
            {"hash": PASSWORD_HASH, "now": utcnow()},
        )
        db.session.execute(
            text(
                "INSERT INTO entries (author_id, title, body, body_html, is_public, created_at, "
                "updated_at) SELECT id, 'before', :body, :html, true, :now, :now FROM users"
            ),
            {"body": OLD_BODY, "html": render_markdown(OLD_BODY), "now": utcnow()},
        )
        db.session.commit()
        for _ in range(2):
            upgrade()
            assert found_titles(None, "walrus") == ["before"]
            assert plain_snippet("walrus").endswith("walrus on the ice and a seal")
            db.session.rollback()  # release the read lock: the migrations ALTER the table
            check()  # autogenerate sees no difference: the search index stays out of the models
            downgrade(revision="0001")
        db.session.remove()
        db.engine.dispose()


OLD_BODY = "A **walrus** on the ice\n\n- and a *seal*\n"


def plain_snippet(words: str) -> str:
    """The text of the first match's extract, markers removed."""
    found = listings.paginate(listings.search_entries(None, words), 1, 1, entry_views.fetch_cards)
    extract = search.snippets([found.items[0].id], words)[found.items[0].id]
    return BeautifulSoup(str(extract), "html.parser").get_text()


def test_search_link_in_results_leads_to_the_entry(client, user, make_entry):
    entry_id = make_entry(user, title="linked", body="otter")
    href = soup(client.get("/search?q=otter")).select_one("article.entry-card h2 a")["href"]
    assert href == f"/entries/{entry_id}"
    assert "otter" in text_of(client.get(href))


def test_older_matches_follow_the_ranked_newest_ones(monkeypatch, client, user, make_entry):
    monkeypatch.setattr(search, "CANDIDATES", 2)
    make_entry(user, title="lynx lynx lynx", body="lynx")  # best match, but the oldest
    make_entry(user, title="Lynx lynx", body="a lynx")  # better than the newest
    make_entry(user, title="Lynx", body="the newest lynx")
    make_entry(user, title="unrelated", body="no match")
    assert titles(client.get("/search?q=lynx")) == ["Lynx lynx", "Lynx", "lynx lynx lynx"]


@pytest.mark.parametrize("per_page", [1, 2, 3, 4])
def test_result_pages_walk_the_ranked_part_then_the_rest(
    monkeypatch, app_factory, make_user, make_entry, per_page
):
    """Every match exactly once, in order, however the pages fall across the two parts."""
    monkeypatch.setattr(search, "CANDIDATES", 3)
    app = app_factory(ENTRIES_PER_PAGE=per_page)
    author = make_user("writer")
    for number in range(7):
        make_entry(author, title=f"m{number}", body="heron " * (number % 3 + 1))
    make_entry(author, title="private", body="heron", visibility="private")
    client = app.test_client()
    shown: list[str] = []
    number = 1
    while True:
        response = client.get(f"/search?q=heron&page={number}")
        if response.status_code == 404:
            break
        shown += titles(response)
        number += 1
    # The newest three matches are ranked: of those, the visitor may see m5 (the word three
    # times) and m6 (once); m4 and older follow, newest first.
    assert shown == ["m5", "m6", "m4", "m3", "m2", "m1", "m0"]
    with app.app_context():
        listing = listings.search_entries(None, "heron")
        assert sum(listings.count_rows(part) for part in listing) == 7


def test_a_common_word_ranks_title_matches_first_then_newest(
    monkeypatch, app, client, user, make_entry
):
    """Past COMMON_WORD_MATCHES matches SQLite skips bm25 (it counts every match of the word) and
    ranks the newest candidates by whether the title has every word; PostgreSQL's ts_rank
    needs no such count and also puts the title match first here."""
    monkeypatch.setattr(search, "COMMON_WORD_MATCHES", 1)
    make_entry(user, title="Ibis at dawn", body="an ibis")  # oldest, in the title
    make_entry(user, title="walk", body="ibis ibis ibis ibis")
    make_entry(user, title="later", body="one ibis")
    make_entry(user, title="none", body="nothing here")
    shown = titles(client.get("/search?q=ibis"))
    assert shown[0] == "Ibis at dawn"
    assert sorted(shown) == ["Ibis at dawn", "later", "walk"]
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert search.any_common(["ibis"]) and not search.any_common(["dawn"])
            assert shown == ["Ibis at dawn", "later", "walk"]  # the rest newest first


MARKDOWN_BODIES = {
    "bold": ("Flew on **the zeppelin** today", "Flew on the zeppelin today"),
    "list": ("- the zeppelin\n- a kite\n", "zeppelin a kite"),
    "heading and link": ("# Zeppelin\n\n[the zeppelin](https://example.org)", "Zeppelin the"),
    "emphasis inside a word": ("*zep*pelin rides", "zeppelin rides"),
    "table": ("| a | b |\n|---|---|\n| zeppelin | kite |", "zeppelin kite"),
    "code": ("```\nzeppelin = 1\n```", "zeppelin"),
}


@pytest.mark.parametrize(("body", "shown"), MARKDOWN_BODIES.values(), ids=MARKDOWN_BODIES.keys())
def test_snippet_shows_the_text_a_reader_sees_not_the_markdown(
    client, user, make_entry, body, shown
):
    make_entry(user, title="Flight", body=body)
    snippet = soup(client.get("/search?q=zeppelin")).select_one("article.entry-card .snippet")
    text = " ".join(snippet.get_text().split())
    assert shown in text
    assert not any(markup in text for markup in ("*", "#", "|", "`", "](", "- "))
    assert [mark.get_text().lower() for mark in snippet.select("mark")][:1] == ["zeppelin"]


def test_editing_an_entry_reindexes_its_plain_text(app, client, user, make_entry):
    entry_id = make_entry(user, title="Trip", body="By **balloon**")
    with app.app_context():
        entry = entries.get_entry_for_change(entry_id, db.session.get(User, user.id))
        entries.update_entry(entry, entries.EntryInput("Trip", "By _airship_", "public"))
    assert titles(client.get("/search?q=balloon")) == []
    snippet = soup(client.get("/search?q=airship")).select_one(".snippet")
    assert snippet.get_text().strip().endswith("airship")
    assert "_" not in snippet.get_text()


def result_count(response) -> str | None:
    found = soup(response).select_one(".result-count")
    return " ".join(found.get_text().split()) if found else None


@pytest.mark.parametrize(
    ("matching", "counted", "said"),
    [
        (0, 1000, None),
        (1, 1000, "1 entry matches “pelican”."),
        (2, 1000, "2 entries match “pelican”."),
        (3, 1000, "3 entries match “pelican”."),
        (3, 3, "3 entries match “pelican”."),
        (4, 3, "More than 3 entries match “pelican”."),
    ],
)
def test_results_say_how_many_matched(monkeypatch, app_factory, make_user, matching, counted, said):
    """Two a page: one page is counted as shown, more by a bounded count over both parts."""
    monkeypatch.setattr(search, "MATCHES_COUNTED", counted)
    monkeypatch.setattr(search, "CANDIDATES", 2)  # the count spans both parts
    app = app_factory(ENTRIES_PER_PAGE=2)
    author = make_user("writer")
    with app.app_context():
        writer = db.session.get(User, author.id)
        for number in range(matching):
            entries.create_entry(
                writer, entries.EntryInput(f"bird {number}", "a pelican", "public")
            )
        entries.create_entry(writer, entries.EntryInput("private", "a pelican", "private"))
        entries.create_entry(writer, entries.EntryInput("other", "a heron", "public"))
    client = app.test_client()
    assert result_count(client.get("/search?q=pelican")) == said
    if matching > 2:
        assert result_count(client.get("/search?q=pelican&page=2")) == said


@pytest.mark.parametrize(
    ("public", "counted", "total", "exact"),
    [(0, 3, 0, True), (3, 3, 3, True), (4, 3, 3, False), (5, 10, 5, True)],
)
def test_api_total_is_counted_up_to_a_bound(
    monkeypatch, client, user, make_entry, public, counted, total, exact
):
    from journal.blueprints.api import routes as api_routes

    monkeypatch.setattr(api_routes, "TOTAL_COUNTED", counted)
    for number in range(public):
        make_entry(user, title=f"note {number}", body="words")
    make_entry(user, title="hidden", body="words", visibility="private")
    for query in ("", "?q=words"):
        listing = client.get(f"/api/v1/entries{query}").get_json()
        assert (listing["total"], listing["total_is_exact"]) == (total, exact)
        assert len(listing["items"]) == public
