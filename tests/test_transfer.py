"""Export and import: the Journal format round trip, jrnl's JSON export, and bad files."""

from __future__ import annotations

import html
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from journal.extensions import db
from journal.models import Entry
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
    assert set(entry) == {"id", "title", "body", "visibility", "tags", "created_at", "updated_at"}
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
    assert "dropped 1 tag(s)" in summary
    assert "shortened 1 title(s)" in summary
    entries = stored_entries(app, user.id)
    assert [e[2] for e in entries] == ["private"] * 4
    first, second, third, fourth = entries
    assert first[0].startswith("Morning walk") and first[1] == "It was cold but bright."
    assert first[3] == ["birds", "heron"]
    assert first[4] == datetime(2024, 3, 1, 8, 15, tzinfo=UTC)
    assert second[1] == second[0]  # an empty body takes the title
    assert third[0].startswith("Café ☕") and third[3] == []  # @Tag_with_underscore dropped
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
    assert response.status_code == 422
    assert "Nothing was imported" in text_of(response)
    assert message in html.unescape(text_of(response))
    assert count(app, Entry) == 1


def test_missing_file_is_a_clear_error(app, signed_in):
    token = csrf_token(signed_in, "/account")
    response = signed_in.post(
        "/account/import", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Choose a file to import" in text_of(response)


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
        (["@a_b", "ok"], ("ok",), 1),
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
