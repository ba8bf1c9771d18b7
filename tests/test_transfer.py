"""Export and import: the Journal format round trip, jrnl's JSON export, and bad files."""

from __future__ import annotations

import html
import io
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from journal.extensions import db
from journal.models import Entry, User
from journal.services.transfer import ImportRefused, parse_import
from tests.helpers import count, csrf_token, text_of, write_entry

# Produced by the real jrnl tool (jrnl 4.6, `jrnl --export json`) from a small journal.
JRNL_EXPORT = Path(__file__).parent / "data" / "jrnl-export.json"


def upload(client, data: bytes, filename="export.json", token=None):
    token = token or csrf_token(client, "/account")
    # Encoded in memory: the test client's own encoder spills big bodies to a temporary
    # file that it leaves open when the app refuses the body (413).
    boundary, body = encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename)}
    )
    return client.post(
        "/account/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def stored_entries(app, author_id):
    with app.app_context():
        rows = db.session.scalars(
            select(Entry)
            .where(Entry.author_id == author_id)
            .options(selectinload(Entry.tags))
            .order_by(Entry.created_at, Entry.id)
        ).all()
        return [
            (e.title, e.body, e.visibility, [t.name for t in e.tags], e.created_at) for e in rows
        ]


def test_export_is_a_json_attachment_with_every_own_entry(app, signed_in, user, make_user):
    first = write_entry(app, user, "First", "Some *text*\n", "public", ["a", "b"])
    write_entry(app, user, "Second", "Body", "private")
    bob = make_user("bob")
    write_entry(app, bob, "Not alice's", "Body", "public")
    response = signed_in.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "journal-export-alice-" in disposition
    document = response.get_json(force=True)
    assert document["format"] == "journal-export" and document["version"] == 1
    assert document["user"] == {"username": "alice"}
    datetime.fromisoformat(document["exported_at"])
    assert [e["title"] for e in document["entries"]] == ["First", "Second"]
    entry = document["entries"][0]
    assert set(entry) == {
        "id", "title", "body", "visibility", "tags", "date", "timezone", "created_at", "updated_at",
    }  # fmt: skip
    assert entry["id"] == first and entry["tags"] == ["a", "b"] and entry["visibility"] == "public"
    assert entry["body"] == "Some *text*\n"


def test_export_needs_sign_in(client):
    assert client.get("/account/export").status_code == 302


def test_round_trip_into_another_account_and_duplicates_skipped(app, make_user):
    from tests.helpers import PASSWORD, post_form

    alice = make_user("alice")
    write_entry(app, alice, "One", "Text one\n\nwith lines  \n", "public", ["x"])
    write_entry(app, alice, "Two", "Text two", "private", [])
    client = app.test_client()
    post_form(client, "/login", username="alice", password=PASSWORD)
    exported = client.get("/account/export").data

    bob = make_user("bob")
    other = app.test_client()
    post_form(other, "/login", username="bob", password=PASSWORD)
    response = upload(other, exported)
    assert response.status_code == 302
    assert "Imported 2 entries" in text_of(other.get("/account"))
    assert stored_entries(app, bob.id) == stored_entries(app, alice.id)

    again = upload(other, exported)
    assert again.status_code == 302
    assert "Imported 0 entries" in text_of(other.get("/account"))
    assert count(app, Entry) == 4

    # Re-importing into the account it came from also adds nothing.
    assert upload(client, exported).status_code == 302
    assert "skipped 2 already in your journal" in text_of(client.get("/account"))
    assert count(app, Entry) == 4


def test_jrnl_export_made_by_jrnl_imports(app, signed_in, user):
    response = upload(signed_in, JRNL_EXPORT.read_bytes(), "jrnl.json")
    assert response.status_code == 302
    summary = text_of(signed_in.get("/account"))
    assert "Imported 4 entries from a jrnl file" in summary
    assert "dropped" not in summary  # jrnl's tags are all tags here (underscores too)
    assert "shortened 1 title(s)" in summary
    entries = stored_entries(app, user.id)
    assert [e[2] for e in entries] == ["private"] * 4
    first, second, third, fourth = entries
    assert first[0].startswith("Morning walk") and first[1] == "It was cold but bright."
    assert first[3] == ["birds", "heron"]
    assert first[4] == datetime(2024, 3, 1, 8, 15, tzinfo=UTC)
    assert second[1] == second[0]  # an empty body takes the title
    assert third[0].startswith("Café ☕") and third[3] == ["tag_with_underscore"]
    assert len(fourth[0]) <= 200
    original = json.loads(JRNL_EXPORT.read_text())["entries"][3]
    assert fourth[1].startswith(original["title"])  # the whole title is kept in the body


def jrnl(*entries):
    return json.dumps({"tags": {}, "entries": list(entries)}).encode()


def jrnl_entry(**fields):
    entry = {
        "title": "T",
        "body": "B",
        "date": "2024-01-02",
        "time": "03:04",
        "tags": [],
        "starred": False,
    }
    entry.update(fields)
    return entry


def export_of(**fields):
    """A Journal export of one entry, ``fields`` replacing its defaults."""
    entry = {
        "title": "t",
        "body": "b",
        "visibility": "public",
        "tags": [],
        "created_at": "2024-01-01T00:00:00+00:00",
    }
    entry.update(fields)
    return json.dumps({"format": "journal-export", "version": 1, "entries": [entry]}).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"entries": [', "not valid JSON"),
        (b"[1, 2, 3]", "neither a Journal export nor a jrnl"),
        (b'{"entries": {}}', "neither a Journal export nor a jrnl"),
        (b'{"format": "journal-export", "version": 9, "entries": []}', "version 9"),
        (b'{"format": "something-else", "entries": []}', "Unknown export format"),
        (jrnl(jrnl_entry(), "not an object"), "Entry 3 is not an object"),
        (jrnl(jrnl_entry(date="yesterday")), 'Entry 2: "date" and "time"'),
        (jrnl(jrnl_entry(title=None)), 'Entry 2: "title" must be text'),
        (jrnl(jrnl_entry(tags="a,b")), '"tags" must be a list'),
        (jrnl(jrnl_entry(title="   ", body="")), "Entry 2: Give a title"),
        (jrnl(jrnl_entry(body="x" * 100_001)), "Entry 2: Write 1-100,000"),
        (
            b'{"format": "journal-export", "version": 1, "entries": [{"title": "t", "body": "b",'
            b' "visibility": "secret", "tags": [], "created_at": "2024-01-01T00:00:00+00:00"}]}',
            '"visibility" must be',
        ),
        (
            b'{"format": "journal-export", "version": 1, "entries": [{"title": "t", "body": "b",'
            b' "visibility": "public", "tags": [], "created_at": "last week"}]}',
            "not an ISO 8601 time",
        ),
        (
            b'{"format": "journal-export", "version": 1, "entries": [{"title": "t", "body": "b",'
            b' "visibility": "public", "tags": []}]}',
            '"created_at" must be an ISO 8601 time',
        ),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
        ('{"entries": [], "x": ' + "9" * 5000 + "}", "number too long"),
        (export_of(created_at="0001-01-01T00:00:00+05:00"), "outside the calendar"),
        (export_of(created_at="9999-12-31T23:00:00-05:00"), "outside the calendar"),
        (export_of(updated_at="0001-01-01T00:00:00+14:00"), "outside the calendar"),
        (jrnl(jrnl_entry(title="\ud800")), '"title" holds a broken character'),
        (jrnl(jrnl_entry(body="a\udfffb")), '"body" holds a broken character'),
        (export_of(title="\udbff"), '"title" holds a broken character'),
    ],
    ids=[
        "encoding",
        "json",
        "not-object",
        "entries-not-list",
        "version",
        "format",
        "entry-shape",
        "date",
        "title-type",
        "tags-type",
        "empty-title",
        "body-too-long",
        "visibility",
        "created",
        "no-created",
        "deep",
        "deep-object",
        "huge-integer",
        "year-1-with-offset",
        "year-9999-with-offset",
        "updated-year-1",
        "surrogate-title",
        "surrogate-body",
        "surrogate-export",
    ],
)
def test_bad_file_changes_nothing_and_says_why(app, signed_in, user, data, message):
    if isinstance(data, str):
        data = data.encode()
    write_entry(app, user, "Already here", "Body", "private")
    # A good entry ahead of the bad one is not imported either (so the bad one is number 2).
    if data.startswith(b'{"tags"'):
        document = json.loads(data)
        document["entries"].insert(0, jrnl_entry(title="Good one"))
        data = json.dumps(document).encode()
    response = upload(signed_in, data)
    # Refused: back to the import section of the account page, which shows why.
    assert response.status_code == 303
    assert response.headers["Location"] == "/account#import"
    page = text_of(signed_in.get("/account"))
    assert "Nothing was imported" in page
    assert message in html.unescape(page)
    assert count(app, Entry) == 1


def test_missing_file_is_a_clear_error(app, signed_in):
    token = csrf_token(signed_in, "/account")
    response = signed_in.post(
        "/account/import", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account#import"
    assert "Choose a file to import" in text_of(signed_in.get("/account"))


def test_file_over_the_import_limit_is_413(app_factory, user):
    from tests.helpers import PASSWORD, post_form

    app = app_factory(MAX_IMPORT_LENGTH=4 * 1024 * 1024)
    client = app.test_client()
    post_form(client, "/login", username="alice", password=PASSWORD)
    # Bigger than the usual 2 MiB request limit but within the import limit: accepted.
    padding = " " * (3 * 1024 * 1024)
    ok = upload(client, jrnl(jrnl_entry()) + padding.encode())
    assert ok.status_code == 302
    too_big = upload(client, jrnl(jrnl_entry(title="Other")) + (padding * 2).encode())
    assert too_big.status_code == 413
    assert count(app, Entry) == 1


def test_default_import_limit_is_16_mib(app):
    assert app.config["MAX_IMPORT_LENGTH"] == 16 * 1024 * 1024


def test_import_needs_a_csrf_token(app, signed_in):
    response = signed_in.post(
        "/account/import",
        data={"file": (io.BytesIO(jrnl(jrnl_entry())), "x.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(app, Entry) == 0


def test_duplicates_inside_one_file_are_skipped():
    parsed = parse_import(jrnl(jrnl_entry(), jrnl_entry(), jrnl_entry(time="05:06")))
    assert len(parsed.entries) == 3
    assert len({entry.key for entry in parsed.entries}) == 2


@pytest.mark.parametrize(
    ("tags", "kept", "dropped"),
    [
        (["@Work", "#home"], ("work", "home"), 0),
        (["@a/b", "ok"], ("ok",), 1),
        (["@Ünïcode", "#日記"], ("ünïcode", "日記"), 0),
        (["@x", "@X", "#x"], ("x",), 0),
        ([f"t{n}" for n in range(12)], tuple(f"t{n}" for n in range(10)), 2),
        ([3, "@" + "y" * 33], (), 2),
    ],
)
def test_jrnl_tags_are_normalised(tags, kept, dropped):
    parsed = parse_import(jrnl(jrnl_entry(tags=tags)))
    assert parsed.entries[0].tags == kept
    assert parsed.dropped_tags == dropped


def test_journal_export_times_without_zone_are_utc():
    document = {
        "format": "journal-export",
        "version": 1,
        "entries": [
            {
                "title": "t",
                "body": "b",
                "visibility": "public",
                "tags": [],
                "created_at": "2024-05-06T07:08:09",
                "updated_at": "2024-05-06T09:08:09+02:00",
            }
        ],
    }
    (entry,) = parse_import(json.dumps(document).encode()).entries
    assert entry.created_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert entry.updated_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_parse_refuses_with_import_refused():
    with pytest.raises(ImportRefused):
        parse_import(b"null")


def export_with(*entries):
    """A Journal export of ``entries`` (each a dict of fields over the defaults)."""
    base = {"title": "t", "body": "b", "visibility": "public", "tags": []}
    items = [{**base, "created_at": "2024-01-01T00:00:00+00:00", **entry} for entry in entries]
    return json.dumps({"format": "journal-export", "version": 1, "entries": items}).encode()


def test_an_import_takes_at_most_import_max_entries(app_factory, user):
    from tests.helpers import PASSWORD, post_form

    app = app_factory(IMPORT_MAX_ENTRIES=3)
    client = app.test_client()
    post_form(client, "/login", username="alice", password=PASSWORD)
    four = jrnl(*(jrnl_entry(title=f"E{n}") for n in range(4)))
    response = upload(client, four)
    assert response.status_code == 303
    page = html.unescape(text_of(client.get("/account")))
    assert "The file holds 4 entries; one import takes at most 3." in page
    assert count(app, Entry) == 0
    three = jrnl(*(jrnl_entry(title=f"E{n}") for n in range(3)))
    assert upload(client, three).status_code == 302
    assert count(app, Entry) == 3


def test_import_bounds_default_to_5000_entries_and_15_seconds(app):
    assert app.config["IMPORT_MAX_ENTRIES"] == 5000
    assert app.config["IMPORT_MAX_SECONDS"] == 15


def test_entries_are_inserted_in_batches_with_their_tags(app, signed_in, user, monkeypatch):
    from journal.services import transfer

    monkeypatch.setattr(transfer, "ENTRIES_PER_INSERT", 2)
    entries = [
        {"title": f"E{n}", "created_at": f"2024-01-0{n + 1}T00:00:00+00:00", "tags": [f"t{n}"]}
        for n in range(5)
    ]
    assert upload(signed_in, export_with(*entries)).status_code == 302
    stored = stored_entries(app, user.id)
    assert [(title, tags) for title, _, _, tags, _ in stored] == [
        (f"E{n}", [f"t{n}"]) for n in range(5)
    ]


def test_entries_dated_more_than_a_day_ahead_are_left_out_and_reported(app, signed_in, user):
    now = datetime.now(UTC)
    soon = (now + timedelta(hours=20)).isoformat()
    data = export_with(
        {"title": "Soon", "created_at": soon},
        {"title": "Far", "created_at": "9999-12-31T00:00:00+00:00"},
        {"title": "Later", "created_at": (now + timedelta(days=2)).isoformat()},
        {"title": "Edited later", "created_at": "2024-01-01", "updated_at": "9999-01-01"},
    )
    assert upload(signed_in, data).status_code == 302
    assert [title for title, *_ in stored_entries(app, user.id)] == ["Soon"]
    page = html.unescape(text_of(signed_in.get("/account")))
    assert "Imported 1 entry" in page
    assert "left out 3 dated more than a day ahead of today" in page


def test_an_import_of_nothing_but_duplicates_creates_no_tags(app, signed_in, user):
    from journal.models import Tag

    data = export_with({"title": "Once", "tags": ["first"]})
    assert upload(signed_in, data).status_code == 302
    assert count(app, Tag) == 1
    with app.app_context():
        db.session.execute(delete(Tag).where(Tag.name == "first"))  # the link goes with it
        db.session.commit()
    again = export_with({"title": "Once", "tags": ["first", "second"]})
    assert upload(signed_in, again).status_code == 302
    assert "Imported 0 entries" in text_of(signed_in.get("/account"))
    assert count(app, Tag) == 0


def test_two_imports_of_one_file_at_once_add_each_entry_once(app, user):
    from journal.services import transfer

    parsed = parse_import(
        jrnl(*(jrnl_entry(title=f"E{n}", body="Words " * 200) for n in range(300)))
    )
    start = threading.Barrier(2)
    reports = []
    errors = []

    def run():
        try:
            with app.app_context():
                start.wait()
                reports.append(transfer.import_entries(db.session.get(User, user.id), parsed))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted((r.imported, r.duplicates) for r in reports) == [(0, 300), (300, 0)]
    assert count(app, Entry) == 300


def test_an_import_that_takes_too_long_is_refused_before_any_write(app_factory, user):
    from tests.helpers import PASSWORD, post_form

    app = app_factory(IMPORT_MAX_SECONDS=0)
    client = app.test_client()
    post_form(client, "/login", username="alice", password=PASSWORD)
    response = upload(client, jrnl(jrnl_entry(tags=["@new"]), jrnl_entry(title="Two")))
    assert response.status_code == 303
    assert "takes too long to import in one go" in html.unescape(text_of(client.get("/account")))
    assert count(app, Entry) == 0


def test_other_writers_wait_for_an_import_instead_of_failing(app, user, make_user):
    from journal.services import transfer
    from tests.helpers import PASSWORD, post_form

    bob = make_user("bob")
    writer = app.test_client()
    post_form(writer, "/login", username="bob", password=PASSWORD)
    parsed = parse_import(
        jrnl(*(jrnl_entry(title=f"E{n}", body="Words " * 300) for n in range(400)))
    )
    importing = threading.Event()
    done = threading.Event()

    def run():
        with app.app_context():
            importing.set()
            transfer.import_entries(db.session.get(User, user.id), parsed)
            db.session.remove()
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    importing.wait()
    statuses = []
    while not done.is_set() or not statuses:
        response = post_form(writer, "/entry", title=f"Bob {len(statuses)}", body="Meanwhile")
        statuses.append(response.status_code)
    thread.join()
    assert set(statuses) == {302}
    assert count(app, Entry) == 400 + len(statuses)
    assert len(stored_entries(app, bob.id)) == len(statuses)
