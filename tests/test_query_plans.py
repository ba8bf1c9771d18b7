"""Query plans at scale: every listing and search reads a bounded number of rows.

On PostgreSQL a database of ``ENTRY_COUNT`` entries (enough to tempt the planner away from
the indexes) is seeded once for the module with ``generate_series``; each page is requested
through the test client, the statements it runs are captured, and each is run again under
``EXPLAIN (ANALYZE, FORMAT JSON)`` with its parameters to see how it was executed.
On SQLite, ``EXPLAIN QUERY PLAN`` of the same pages shows no scan of the whole table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from journal import create_app
from journal.blueprints.api import routes as api_routes
from journal.extensions import db
from tests.conftest import create_pg_database, migrate_database
from tests.helpers import PASSWORD, PASSWORD_HASH, post_form
from tests.servers import PostgreSQLServer

ENTRY_COUNT = 50_000
USER_COUNT = 50
RARE_WORD = "zeppelin"  # in the title of one entry in RARE_EVERY
RARE_EVERY = 10_000
COMMON_WORD = "morning"  # in every body
BIG_TAG = "life"  # on every third entry
SMALL_TAG = "origami"  # on one entry in 5,000
# A page of 20 may read this many rows of entries at most (5% of them): more is a walk
# through the table or an index, which grows with the table.
PAGE_ROWS_MAX = 2_500
SEARCH_INDEX = "ix_entries_search_vector"
# The API's ``total`` is counted up to this (lowered from its default to show the bound),
# reading at most ten times as many rows (a sparse filter): never the whole table.
TOTAL_COUNTED = 1_000
COUNT_ROWS_MAX = 10 * TOTAL_COUNTED

SEED = [
    "INSERT INTO users (username, username_key, email, email_key, password_hash, created_at) "
    "SELECT 'writer' || n, 'writer' || n, 'writer' || n || '@example.org', "
    "'writer' || n || '@example.org', %(hash)s, now() FROM generate_series(1, %(users)s) n",
    "INSERT INTO entries (author_id, title, body, body_html, body_text, is_public, created_at, "
    "updated_at, dated_at) "
    "SELECT 1 + n %% %(users)s, title, body, '<p>' || body || '</p>', body, n %% 10 < 7, "
    "timestamptz '2020-01-01 00:00Z' + n * interval '1 hour', "
    "timestamptz '2020-01-01 00:00Z' + n * interval '1 hour', "
    "timestamptz '2020-01-01 00:00Z' + n * interval '1 hour' "
    "FROM generate_series(1, %(entries)s) n, "
    "LATERAL (SELECT CASE WHEN n %% %(rare_every)s = 7 THEN 'A day with a zeppelin' "
    "ELSE 'Quiet day number ' || n END AS title, "
    "'This morning I walked to the ' || (ARRAY['park', 'river', 'station', 'market'])[1 + n %% 4]"
    " || '. Note ' || md5(n::text) AS body) AS made",
    "INSERT INTO tags (name) VALUES (%(big_tag)s), (%(small_tag)s)",
    "INSERT INTO entry_tags (entry_id, tag_id) SELECT id, 1 FROM entries WHERE id %% 3 = 0",
    "INSERT INTO entry_tags (entry_id, tag_id) SELECT id, 2 FROM entries WHERE id %% 5000 = 1",
    # As autovacuum leaves a table: statistics, and the visibility map for index-only scans.
    "VACUUM ANALYZE",
]


@contextmanager
def app_on(url: str) -> Iterator[Flask]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("RATELIMIT_ENABLED", "false")
        app = create_app("testing")
    app.config.update(RATELIMIT_ENABLED=False)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# The numbers both seeds are made from.
SEED_VALUES = {
    "hash": PASSWORD_HASH,
    "users": USER_COUNT,
    "entries": ENTRY_COUNT,
    "rare_every": RARE_EVERY,
    "big_tag": BIG_TAG,
    "small_tag": SMALL_TAG,
}


@pytest.fixture(scope="module")
def seeded_pg(pg_server: PostgreSQLServer) -> Iterator[Flask]:
    """An app on a PostgreSQL database of ``ENTRY_COUNT`` entries, seeded and analysed."""
    url = create_pg_database(pg_server)
    migrate_database(url)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        for statement in SEED:
            connection.execute(statement, SEED_VALUES)
    with app_on(url) as app:
        yield app


Statement = tuple[str, Any]


@contextmanager
def captured(app: Flask) -> Iterator[list[Statement]]:
    """The SELECT statements run on the database meanwhile, with their parameters."""
    statements: list[Statement] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a JSON plan tree, the root first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def explain(app: Flask, statement: Statement) -> list[dict[str, Any]]:
    """The nodes of the executed plan of a captured statement."""
    sql, parameters = statement
    with app.app_context():
        result = db.session.connection().exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", parameters
        )
        plan = result.scalar_one()[0]["Plan"]
        db.session.rollback()
    return list(nodes(plan))


def on_entries(node: dict[str, Any]) -> bool:
    return node.get("Relation Name") == "entries"


def rows_read(node: dict[str, Any]) -> int:
    """Rows a scan node read: the ones it returned and the ones its filters threw away."""
    per_loop = (
        node.get("Actual Rows", 0)
        + node.get("Rows Removed by Filter", 0)
        + node.get("Rows Removed by Index Recheck", 0)
    )
    return int(per_loop * node.get("Actual Loops", 1))


def describe(plan: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{node['Node Type']} {node.get('Index Name') or node.get('Relation Name') or ''} "
        f"rows={rows_read(node)} filter={node.get('Filter', '')}"
        for node in plan
    )


def statements_on_entries(statements: list[Statement]) -> list[Statement]:
    return [item for item in statements if re.search(r"\bentries\b", item[0])]


def signed_in_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = post_form(client, "/login", username="writer7", password=PASSWORD)
    assert response.status_code == 302
    return client


def bearer_client(app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client()
    response = client.post("/api/v1/tokens", auth=("writer7", PASSWORD))
    assert response.status_code == 201
    return client, {"Authorization": f"Bearer {response.get_json()['token']}"}


def request_page(app: Flask, who: str, path: str) -> list[Statement]:
    """The statements on entries that answering ``path`` runs, asked as ``who``."""
    headers: dict[str, str] = {}
    if who == "anonymous":
        client = app.test_client()
    elif who == "signed in":
        client = signed_in_client(app)
    else:
        client, headers = bearer_client(app)
    with captured(app) as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    found = statements_on_entries(statements)
    assert found, path
    return found


LISTINGS = [
    ("anonymous", "/"),
    ("signed in", "/"),
    ("anonymous", "/?page=40"),
    ("anonymous", "/u/writer7"),
    ("signed in", "/u/writer7"),
    ("signed in", "/u/writer8"),
    ("anonymous", f"/tags/{BIG_TAG}"),
    ("signed in", f"/tags/{BIG_TAG}"),
    ("anonymous", f"/tags/{SMALL_TAG}"),
    ("signed in", f"/tags/{SMALL_TAG}"),
    ("anonymous", "/api/v1/entries"),
    ("token", "/api/v1/entries"),
    ("anonymous", f"/api/v1/entries?tag={BIG_TAG}"),
    ("token", f"/api/v1/entries?tag={SMALL_TAG}"),
    ("anonymous", "/api/v1/entries?author=writer7"),
    ("token", f"/api/v1/entries?author=writer7&tag={BIG_TAG}"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("who", "path"), LISTINGS)
def test_listing_reads_a_page_not_the_table_on_postgresql(
    seeded_pg: Flask, monkeypatch: pytest.MonkeyPatch, who: str, path: str
) -> None:
    monkeypatch.setattr(api_routes, "TOTAL_COUNTED", TOTAL_COUNTED)
    for statement in request_page(seeded_pg, who, path):
        plan = explain(seeded_pg, statement)
        scans = [node for node in plan if on_entries(node)]
        assert not any(node["Node Type"] == "Seq Scan" for node in scans), describe(plan)
        counting = "count(*)" in statement[0]
        bound = COUNT_ROWS_MAX if counting else PAGE_ROWS_MAX
        assert sum(rows_read(node) for node in scans) <= bound, describe(plan)


SEARCHES = [
    ("anonymous", f"/search?q={RARE_WORD}"),
    ("signed in", f"/search?q={RARE_WORD}"),
    ("anonymous", f"/api/v1/entries?q={RARE_WORD}"),
    ("token", f"/api/v1/entries?q={RARE_WORD}&tag={BIG_TAG}"),
    ("anonymous", f"/search?q={COMMON_WORD}"),
    ("signed in", f"/search?q={COMMON_WORD}&page=12"),  # past the ranked part: both parts
    ("token", f"/api/v1/entries?q={COMMON_WORD}&tag={BIG_TAG}"),
    ("token", f"/api/v1/entries?q={COMMON_WORD}&author=writer7&page=9"),
]


def uses_search_index(plan: list[dict[str, Any]]) -> bool:
    return any(
        node["Node Type"] == "Bitmap Index Scan" and node.get("Index Name") == SEARCH_INDEX
        for node in plan
    )


def filters_rows_by_words(plan: list[dict[str, Any]]) -> bool:
    """Whether a scan of entries tests ``@@`` row by row (a walk, not the index)."""
    return any("search_vector" in node.get("Filter", "") for node in plan if on_entries(node))


@pytest.mark.slow
@pytest.mark.parametrize(("who", "path"), SEARCHES)
def test_search_reads_few_rows_whatever_the_word_on_postgresql(
    seeded_pg: Flask, who: str, path: str
) -> None:
    """A rare word's matches come from the GIN index, never from a walk testing every row;
    a common word's from a walk of the newest entries that stops within a few hundred rows.
    Both parts of the results (ranked newest, older matches) are checked."""
    rare = f"q={RARE_WORD}" in path
    parts = set()
    for statement in request_page(seeded_pg, who, path):
        sql = statement[0]
        if "@@" not in sql:
            continue
        plan = explain(seeded_pg, statement)
        counting = "count(*)" in sql
        if rare:
            assert uses_search_index(plan), describe(plan)
            assert not filters_rows_by_words(plan), describe(plan)
        elif not counting:
            scans = [node["Node Type"] for node in plan if on_entries(node)]
            assert "Seq Scan" not in scans, describe(plan)
        if not counting:
            read = sum(rows_read(node) for node in plan if on_entries(node))
            assert read <= PAGE_ROWS_MAX, describe(plan)
            parts |= {"older" if re.search(r"\.id < \(SELECT min", sql) else "newest"}
    assert parts == ({"newest", "older"} if "page=" in path else {"newest"} | parts)


SQLITE_SEED = [
    "INSERT INTO users (username, username_key, email, email_key, password_hash, created_at) "
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :users) "
    "SELECT 'writer' || i, 'writer' || i, 'writer' || i || '@example.org', "
    "'writer' || i || '@example.org', :hash, '2020-01-01 00:00:00.000000' FROM n",
    "INSERT INTO entries (author_id, title, body, body_html, body_text, is_public, created_at, "
    "updated_at, dated_at) "
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :entries), "
    "made AS (SELECT i, CASE WHEN i % :rare_every = 7 THEN 'A day with a zeppelin' "
    "ELSE 'Quiet day number ' || i END AS title, "
    "'This morning I walked to the park. Note ' || i AS body, "
    "datetime('2020-01-01', '+' || i || ' hours') || '.000000' AS stamp FROM n) "
    "SELECT 1 + i % :users, title, body, '<p>' || body || '</p>', body, i % 10 < 7, "
    "stamp, stamp, stamp FROM made",
    "INSERT INTO tags (name) VALUES (:big_tag), (:small_tag)",
    "INSERT INTO entry_tags (entry_id, tag_id) SELECT id, 1 FROM entries WHERE id % 3 = 0",
    "INSERT INTO entry_tags (entry_id, tag_id) SELECT id, 2 FROM entries WHERE id % 5000 = 1",
    "ANALYZE",
]


@pytest.fixture(scope="module")
def seeded_sqlite(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """An app on a SQLite file of ``ENTRY_COUNT`` entries (the FTS5 triggers index them)."""
    path = tmp_path_factory.mktemp("plans") / "journal.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    with app_on(f"sqlite:///{path}") as app:
        with app.app_context():
            for statement in SQLITE_SEED:
                db.session.execute(text(statement), SEED_VALUES)
            db.session.commit()
        yield app


def sqlite_plan(app: Flask, statement: Statement) -> list[str]:
    """The lines of SQLite's ``EXPLAIN QUERY PLAN`` for a captured statement."""
    sql, parameters = statement
    with app.app_context():
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
        lines = [str(row[-1]) for row in rows]
        db.session.rollback()
    return lines


@pytest.mark.slow
@pytest.mark.parametrize(("who", "path"), LISTINGS + SEARCHES)
def test_no_page_scans_the_entries_table_on_sqlite(
    seeded_sqlite: Flask, who: str, path: str
) -> None:
    """Every statement on entries goes through an index (or FTS5): none reads the table."""
    for statement in request_page(seeded_sqlite, who, path):
        plan = sqlite_plan(seeded_sqlite, statement)
        assert not any(re.fullmatch(r"SCAN (entries|e)( AS \w+)?", line) for line in plan), plan
