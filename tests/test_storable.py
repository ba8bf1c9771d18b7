"""The storable-text rule (no NUL, no lone surrogate): one rule for every way text comes in."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.models import Entry, UserSession
from journal.services.entries import EntryInput, check_entry
from journal.services.storable import NUL_MESSAGE, SURROGATE_MESSAGE, unstorable
from tests.helpers import PASSWORD, count, csrf_token, text_of

BAD_TEXTS = [("a\x00b", NUL_MESSAGE), ("a\ud800b", SURROGATE_MESSAGE)]


@pytest.mark.parametrize(("text", "problem"), [("plain", None), ("ünïcode 日記", None), *BAD_TEXTS])
def test_unstorable_says_why_text_cannot_be_stored(text, problem):
    assert unstorable(text) == problem


@pytest.mark.parametrize(("text", "problem"), BAD_TEXTS)
@pytest.mark.parametrize("field", ["title", "body", "tags"])
def test_entry_rules_refuse_unstorable_text_in_each_field(field, text, problem):
    fields = {"title": "Title", "body": "Body", "tags": ["ok"]}
    fields[field] = [text] if field == "tags" else text
    with pytest.raises(ValidationFailed) as caught:
        check_entry(EntryInput(**fields))
    assert caught.value.errors == {field: [problem]}


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_entry_form_refuses_a_nul_with_the_text_kept(app, signed_in, encoding):
    data = {
        "csrf_token": csrf_token(signed_in, "/entry"),
        "title": "Night",
        "body": "before\x00after",
        "visibility": "private",
        "tags": "",
    }
    if encoding == "multipart":
        data["media"] = (io.BytesIO(b""), "")
    response = signed_in.post(
        "/entry",
        data=data,
        content_type="multipart/form-data" if encoding == "multipart" else None,
    )
    assert response.status_code == 422
    assert NUL_MESSAGE in text_of(response)
    assert "before" in text_of(response) and "after" in text_of(response)
    assert count(app, Entry) == 0


def test_api_refuses_a_nul_in_an_entry_with_a_field_error(app, client, alice_bearer):
    response = client.post(
        "/api/v1/entries", json={"title": "T", "body": "a\x00b"}, headers=alice_bearer
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"body": [NUL_MESSAGE]}
    assert count(app, Entry) == 0


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
def test_import_of_unstorable_text_is_refused_whole(app, signed_in, user, text):
    document = {
        "format": "journal-export",
        "version": 1,
        "exported_at": "2026-01-01T00:00:00Z",
        "user": {"username": "alice"},
        "entries": [
            {
                "title": "fine",
                "body": "fine",
                "visibility": "private",
                "tags": [],
                "created_at": "2025-01-01T00:00:00Z",
                "updated_at": "2025-01-01T00:00:00Z",
            },
            {
                "title": "bad",
                "body": text,
                "visibility": "private",
                "tags": [],
                "created_at": "2025-01-02T00:00:00Z",
                "updated_at": "2025-01-02T00:00:00Z",
            },
        ],
    }
    raw = json.dumps(document).encode()  # a lone surrogate is written as its \\ud800 escape
    response = signed_in.post(
        "/account/import",
        data={
            "csrf_token": csrf_token(signed_in, "/account"),
            "file": (io.BytesIO(raw), "export.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303  # back to the import section, messages kept
    assert count(app, Entry) == 0
    page = text_of(signed_in.get("/account"))
    assert "NUL character" in page or "lone surrogate" in page


@pytest.mark.parametrize("login", ["ali\x00ce", "alice\x00@example.org"])
def test_sign_in_with_a_nul_in_the_name_is_a_plain_refusal(client, user, login):
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client, "/login"), "username": login, "password": "x"},
    )
    # The same answer as any wrong name or password: the form again, nobody signed in.
    assert response.status_code == 422
    assert 'name="username"' in text_of(response)
    assert "Sign out" not in text_of(response)


def test_a_nul_in_the_user_agent_does_not_stop_a_sign_in(app, client, user):
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(client, "/login"),
            "username": "alice",
            "password": PASSWORD,
        },
        headers={"User-Agent": "Odd\x00Browser"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(UserSession.user_agent)).all() == ["OddBrowser"]
