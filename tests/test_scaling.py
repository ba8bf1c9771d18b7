"""The app under gunicorn: many workers writing at once, and several hosts on one database."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

from journal import create_app
from journal.extensions import db
from journal.services import accounts
from tests.conftest import create_pg_database, migrate_database
from tests.helpers import PASSWORD
from tests.servers import Browser, PostgreSQLServer, gunicorn_server

pytestmark = pytest.mark.slow

CLIENTS = 8
ENTRIES_EACH = 50
# The app's own request lines, less the start-up probes of /healthz.
REQUEST_LINE_RE = re.compile(
    r" INFO journal\.requests request_id=\S+ method=\S+ path=(?!/healthz )"
)


def register_writers(database_url: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One account per client, made through the accounts service."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    app: Flask = create_app("testing")
    names = [f"writer{n}" for n in range(CLIENTS)]
    with app.app_context():
        for name in names:
            accounts.register_user(
                accounts.Registration(username=name, email=f"{name}@example.org", password=PASSWORD)
            )
        db.engine.dispose()
    return names


def write_entries(base_url: str, username: str) -> dict[str, int]:
    """Sign in as ``username`` and write entries through the form; tally the answers."""
    browser = Browser(base_url)
    tally = {"requests": 0, "saved": 0, "errors": 0, "other": 0}
    try:
        signed_in = browser.submit("/login", username=username, password=PASSWORD)
        tally["requests"] += 2
        assert signed_in.status == 302, signed_in.text
        token = browser.get("/entry").csrf_token()
        tally["requests"] += 1
        for number in range(ENTRIES_EACH):
            answer = browser.post(
                "/entry",
                {
                    "csrf_token": token,
                    "title": f"{username} entry {number}",
                    "body": f"Entry number **{number}** by {username}.",
                    "visibility": "private",
                    "tags": "load, test",
                },
            )
            tally["requests"] += 1
            if answer.status >= 500:
                tally["errors"] += 1
            elif answer.status == 302 and "/entries/" in answer.location:
                tally["saved"] += 1
                shown = browser.get(answer.location)  # follow, as a browser would
                tally["requests"] += 1
                assert shown.status == 200
                assert f"{username} entry {number}" in shown.text
            else:
                tally["other"] += 1
    finally:
        browser.close()
    return tally


def test_four_workers_and_eight_writers_on_sqlite_lose_nothing(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.sqlite3"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    names = register_writers(url, monkeypatch)

    with gunicorn_server(url, tmp_path, workers=4) as server:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            tallies = list(pool.map(lambda name: write_entries(server.base_url, name), names))
        wall = time.perf_counter() - started
        log = server.log()

    with sqlite3.connect(path) as connection:
        stored = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
        per_author = dict(
            connection.execute(
                "SELECT users.username, count(entries.id) FROM users "
                "LEFT JOIN entries ON entries.author_id = users.id GROUP BY users.username"
            ).fetchall()
        )
    saved = sum(t["saved"] for t in tallies)
    errors = sum(t["errors"] for t in tallies)
    requests = sum(t["requests"] for t in tallies)
    print(
        f"\nconcurrency: {CLIENTS} clients x {ENTRIES_EACH} entries, 4 gunicorn workers, SQLite:"
        f" {saved} saved answers, {stored} stored entries, {errors} 5xx,"
        f" {sum(t['other'] for t in tallies)} other answers, {requests} requests"
        f" in {wall:.1f}s ({requests / wall:.0f} requests/s)"
    )
    assert errors == 0
    assert stored == saved == CLIENTS * ENTRIES_EACH
    assert per_author == {name: ENTRIES_EACH for name in names}
    assert "database is locked" not in log
    assert "Traceback" not in log
    # The app logged each request once, with its id, to gunicorn's stderr.
    assert len(REQUEST_LINE_RE.findall(log)) == requests


def test_two_hosts_share_one_postgresql_database(
    pg_server: PostgreSQLServer, tmp_path: Path
) -> None:
    url = create_pg_database(pg_server)
    migrate_database(url)

    with (
        gunicorn_server(url, tmp_path, workers=2) as one,
        gunicorn_server(url, tmp_path, workers=2) as two,
    ):
        on_one = Browser(one.base_url)
        registered = on_one.submit(
            "/register",
            username="roamer",
            email="roamer@example.org",
            password=PASSWORD,
            password2=PASSWORD,
        )
        assert registered.status == 302

        on_two = Browser(two.base_url)
        signed_in = on_two.submit("/login", username="roamer", password=PASSWORD)
        assert signed_in.status == 302
        assert "roamer" in on_two.get("/").text

        written = on_one.submit("/entry", title="Written on host one", body="Hello from one.")
        assert written.status == 302
        entry_path = written.location
        listed = on_two.get("/")
        assert listed.status == 200
        assert "Written on host one" in listed.text
        assert on_two.get(entry_path).status == 200

        # The session cookie host one gave is good on host two: any host serves any user.
        carried = Browser(two.base_url)
        carried.cookies = dict(on_one.cookies)
        form = carried.get("/entry")
        assert form.status == 200
        assert "roamer" in form.text

        # Signing out on one ends that session everywhere.
        assert on_one.submit("/logout").status == 302
        assert carried.get("/entry").status == 302
        for browser in (on_one, on_two, carried):
            browser.close()
