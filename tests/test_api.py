"""The JSON API under /api/v1: tokens, entries, profiles, problem+json errors, OpenAPI."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlalchemy import select

from journal.extensions import db
from journal.models import ApiToken, Entry, User
from tests.helpers import PASSWORD, count, post_form

PROBLEM = "application/problem+json"


def basic(username: str, password: str) -> dict[str, str]:
    """Authorization headers for HTTP Basic."""
    return {
        "Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    }


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; returns its document."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem: dict[str, Any] = response.get_json(force=True)
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"]
    return problem


def parse_time(value: str) -> datetime:
    """An ISO 8601 time from the API, which must carry the UTC offset."""
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == timedelta(0), value
    return moment


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    """A second user, bob."""
    return make_user("bob")


@pytest.fixture
def bob_bearer(api_token_for: Callable[..., str], bob: User) -> dict[str, str]:
    """Authorization headers carrying a bearer token of bob's."""
    return {"Authorization": f"Bearer {api_token_for('bob')}"}


# --- tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.org"])
def test_basic_credentials_get_a_token_stored_only_as_its_hash(
    app: Flask, client: FlaskClient, user: User, login: str
) -> None:
    before = datetime.now(UTC)
    response = client.post("/api/v1/tokens", headers=basic(login, PASSWORD))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    expires_at = parse_time(body["expires_at"])
    assert before + timedelta(days=29) < expires_at < before + timedelta(days=31)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        assert stored.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
        assert stored.user_id == user.id
        assert body["token"] not in stored.token_hash


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("alice", "wrong password"),
        basic("nobody", PASSWORD),
        basic("", PASSWORD),
        basic("ali\x00ce", PASSWORD),
        {"Authorization": "Bearer something"},
        {"Authorization": "Basic not-base64!"},
    ],
    ids=["none", "wrong-password", "unknown-user", "no-username", "nul", "bearer", "garbled"],
)
def test_token_needs_the_right_basic_credentials(
    app: Flask, client: FlaskClient, user: User, headers: dict[str, str]
) -> None:
    response = client.post("/api/v1/tokens", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert count(app, ApiToken) == 0


def test_revoking_a_token_ends_it(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str], api_token_for: Callable[..., str]
) -> None:
    other = {"Authorization": f"Bearer {api_token_for()}"}
    response = client.delete("/api/v1/tokens", headers=alice_bearer)
    assert response.status_code == 204
    assert response.data == b""
    refused = client.post("/api/v1/entries", headers=alice_bearer, json={"title": "t", "body": "b"})
    assert_problem(refused, 401)
    # Even where anonymous callers are welcome, a dead token is refused, not ignored.
    assert_problem(client.get("/api/v1/entries", headers=alice_bearer), 401)
    assert_problem(client.delete("/api/v1/tokens", headers=alice_bearer), 401)
    # The user's other token lives on.
    assert client.get("/api/v1/entries", headers=other).status_code == 200
    assert count(app, ApiToken) == 1


def test_token_expires_after_thirty_days(client: FlaskClient, alice_bearer: dict[str, str]) -> None:
    with time_machine.travel(datetime.now(UTC) + timedelta(days=29)):
        assert client.get("/api/v1/entries", headers=alice_bearer).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=30, minutes=1)):
        response = client.get("/api/v1/entries", headers=alice_bearer)
        problem = assert_problem(response, 401)
    assert "error=invalid_token" in response.headers["WWW-Authenticate"].replace('"', "")
    assert "expired" in problem["detail"]


def test_new_token_clears_the_users_expired_ones(
    app: Flask, alice_bearer: dict[str, str], api_token_for: Callable[..., str]
) -> None:
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        api_token_for()
    assert count(app, ApiToken) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer " + "x" * 43},
        # Saying Bearer without a token is no token, not anonymous.
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer    "},
        {"Authorization": "Bearer"},
        {"Authorization": "bearer \t"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/entries"),
        ("post", "/api/v1/entries"),
        ("get", "/api/v1/users/alice"),
        ("delete", "/api/v1/tokens"),
    ],
)
def test_unknown_token_is_401_everywhere(
    client: FlaskClient, user: User, headers: dict[str, str], method: str, path: str
) -> None:
    response = getattr(client, method)(path, headers=headers, json={"title": "t", "body": "b"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/entries"),
        ("patch", "/api/v1/entries/1"),
        ("delete", "/api/v1/entries/1"),
        ("delete", "/api/v1/tokens"),
    ],
)
def test_writing_without_a_token_is_401(
    app: Flask, client: FlaskClient, method: str, path: str
) -> None:
    response = getattr(client, method)(path, json={"title": "t", "body": "b"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Journal API"'
    assert count(app, Entry) == 0


def test_token_creation_is_rate_limited(app: Flask, client: FlaskClient, user: User) -> None:
    app.config["API_TOKEN_RATE_LIMIT"] = "3 per minute"
    attempts = [basic("alice", "guess one"), basic("alice", "guess two")]
    attempts += [basic("alice", PASSWORD)] * 2
    statuses = [client.post("/api/v1/tokens", headers=h).status_code for h in attempts]
    # Wrong passwords count too, so the limit also bounds password guessing.
    assert statuses == [401, 401, 201, 429]
    assert_problem(client.post("/api/v1/tokens", headers=basic("alice", PASSWORD)), 429)
    assert count(app, ApiToken) == 1


# --- browser cookies play no part ----------------------------------------------------------


def test_session_cookie_does_not_authenticate_api_calls(
    app: Flask, signed_in: FlaskClient, user: User, make_entry: Callable[..., int]
) -> None:
    private = make_entry(user, "Mine alone", visibility="private")
    response = signed_in.post("/api/v1/entries", json={"title": "Hi", "body": "There"})
    assert_problem(response, 401)
    listing = signed_in.get("/api/v1/entries").get_json()
    assert listing["items"] == []
    assert_problem(signed_in.get(f"/api/v1/entries/{private}"), 404)
    assert count(app, Entry) == 1


def test_api_needs_no_csrf_token(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/entries", headers=alice_bearer, json={"title": "Hi", "body": "x"}
    )
    assert response.status_code == 201
    # ...while the pages still demand one.
    assert client.post("/entry", data={"title": "Hi", "body": "x"}).status_code in {302, 400}
    assert count(app, Entry) == 1


# --- entries: listing ------------------------------------------------------------------------


def test_listing_shows_what_the_caller_may_see(
    client: FlaskClient,
    user: User,
    bob: User,
    make_entry: Callable[..., int],
    alice_bearer: dict[str, str],
) -> None:
    mine_public = make_entry(user, "alice public")
    mine_private = make_entry(user, "alice private", visibility="private")
    bobs_public = make_entry(bob, "bob public")
    make_entry(bob, "bob private", visibility="private")

    anonymous = client.get("/api/v1/entries").get_json()
    assert [item["id"] for item in anonymous["items"]] == [bobs_public, mine_public]
    assert anonymous["total"] == 2

    signed = client.get("/api/v1/entries", headers=alice_bearer).get_json()
    assert [item["id"] for item in signed["items"]] == [bobs_public, mine_private, mine_public]
    assert signed["total"] == 3


def test_entry_json_has_the_contract_fields(
    app: Flask, client: FlaskClient, user: User, make_entry: Callable[..., int]
) -> None:
    entry_id = make_entry(user, "Hello", body="Some *words*.", tags=("Work", "ideas"))
    item = client.get("/api/v1/entries").get_json()["items"][0]
    assert set(item) == {
        "id", "title", "body", "body_html", "visibility", "tags", "author",
        "date", "timezone", "created_at", "updated_at", "url",
    }  # fmt: skip
    assert item["id"] == entry_id
    assert item["title"] == "Hello"
    assert item["body"] == "Some *words*."
    assert "<em>words</em>" in item["body_html"]
    assert item["visibility"] == "public"
    assert item["tags"] == ["ideas", "work"]
    assert item["author"] == "alice"
    assert parse_time(item["created_at"]) <= parse_time(item["updated_at"])
    assert item["url"] == f"http://localhost/api/v1/entries/{entry_id}"


def test_links_use_public_url(
    app_factory: Callable[..., Flask], user: User, make_entry: Callable[..., int]
) -> None:
    app = app_factory(PUBLIC_URL="https://journal.example")
    for n in range(3):
        make_entry(user, f"Entry {n}")
    listing = app.test_client().get("/api/v1/entries?per_page=2").get_json()
    assert listing["items"][0]["url"].startswith("https://journal.example/api/v1/entries/")
    assert listing["next"] == "https://journal.example/api/v1/entries?page=2&per_page=2"


def test_listing_pages_through_with_absolute_next_links(
    client: FlaskClient, user: User, make_entry: Callable[..., int]
) -> None:
    ids = [make_entry(user, f"Entry {n}") for n in range(25)]
    first = client.get("/api/v1/entries").get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 20, 25)
    assert [item["id"] for item in first["items"]] == ids[::-1][:20]
    assert first["next"] == "http://localhost/api/v1/entries?page=2&per_page=20"

    second = client.get(first["next"]).get_json()
    assert [item["id"] for item in second["items"]] == ids[::-1][20:]
    assert (second["page"], second["total"], second["next"]) == (2, 25, None)

    beyond = client.get("/api/v1/entries?page=3").get_json()
    assert (beyond["items"], beyond["total"], beyond["next"]) == ([], 25, None)


def test_per_page_above_100_answers_100(
    client: FlaskClient, user: User, make_entry: Callable[..., int]
) -> None:
    for n in range(101):
        make_entry(user, f"Entry {n}")
    listing = client.get("/api/v1/entries?per_page=500").get_json()
    assert listing["per_page"] == 100
    assert len(listing["items"]) == 100
    assert listing["next"] == "http://localhost/api/v1/entries?page=2&per_page=100"
    assert len(client.get("/api/v1/entries?per_page=7").get_json()["items"]) == 7


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=99999999999999999999", "page"),
        ("per_page=0", "per_page"),
        ("per_page=1.5", "per_page"),
        ("q=a%00b", "q"),
        ("tag=a%00b", "tag"),
        ("author=a%00b", "author"),
    ],
)
def test_bad_listing_parameters_are_422(client: FlaskClient, query: str, field: str) -> None:
    problem = assert_problem(client.get(f"/api/v1/entries?{query}"), 422)
    assert list(problem["errors"]) == [field]
    assert problem["errors"][field]


def test_listing_filters_by_text_tag_and_author(
    client: FlaskClient,
    user: User,
    bob: User,
    make_entry: Callable[..., int],
    alice_bearer: dict[str, str],
) -> None:
    garden = make_entry(user, "Garden notes", body="Tomatoes", tags=("garden",))
    private_garden = make_entry(
        user, "Seeds", body="tomatoes", visibility="private", tags=("garden",)
    )
    bobs_garden = make_entry(bob, "Bob's plot", body="Tomatoes too", tags=("garden",))
    make_entry(bob, "Work", body="Meetings", tags=("work",))

    def ids(query: str, headers: dict[str, str] | None = None) -> set[int]:
        listing = client.get(f"/api/v1/entries?{query}", headers=headers or {}).get_json()
        assert listing["total"] == len(listing["items"])
        return {item["id"] for item in listing["items"]}

    assert ids("q=tomatoes") == {garden, bobs_garden}
    assert ids("q=tomatoes", alice_bearer) == {garden, private_garden, bobs_garden}
    assert ids("tag=GARDEN") == {garden, bobs_garden}
    assert ids("author=alice") == {garden}
    assert ids("author=ALICE", alice_bearer) == {garden, private_garden}
    assert ids("author=bob&tag=garden&q=tomatoes") == {bobs_garden}
    assert ids("author=nobody") == set()
    assert ids("tag=nothing-here") == set()
    assert ids("q=%20%20") == ids("")


def test_next_link_keeps_the_filters(
    client: FlaskClient, user: User, make_entry: Callable[..., int]
) -> None:
    for n in range(3):
        make_entry(user, f"Walk {n}", tags=("walks",))
    make_entry(user, "Other")
    listing = client.get("/api/v1/entries?tag=walks&author=alice&q=walk&per_page=2").get_json()
    assert listing["total"] == 3
    assert listing["next"] == (
        "http://localhost/api/v1/entries?page=2&per_page=2&q=walk&tag=walks&author=alice"
    )
    assert len(client.get(listing["next"]).get_json()["items"]) == 1


# --- entries: writing ------------------------------------------------------------------------


def test_creating_an_entry_answers_201_with_location(
    app: Flask, client: FlaskClient, user: User, alice_bearer: dict[str, str]
) -> None:
    payload = {"title": "  First  ", "body": "# Hi", "tags": ["Walks", "walks", "rain"]}
    response = client.post("/api/v1/entries", headers=alice_bearer, json=payload)
    assert response.status_code == 201
    entry = response.get_json()
    assert response.headers["Location"] == entry["url"]
    assert entry["url"] == f"http://localhost/api/v1/entries/{entry['id']}"
    assert (entry["title"], entry["visibility"], entry["tags"]) == (
        "First",
        "private",
        ["rain", "walks"],
    )
    assert entry["author"] == "alice"
    assert "<h1>Hi</h1>" in entry["body_html"]
    assert client.get(response.headers["Location"], headers=alice_bearer).get_json() == entry
    with app.app_context():
        stored = db.session.scalars(select(Entry)).one()
        assert (stored.title, stored.is_public, stored.author_id) == ("First", False, user.id)


def test_public_entry_created_through_the_api_is_public(
    client: FlaskClient, alice_bearer: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/entries",
        headers=alice_bearer,
        json={"title": "Out", "body": "loud", "visibility": "public"},
    )
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "no title"}, "title"),
        ({"title": "no body"}, "body"),
        ({"title": "   ", "body": "x"}, "title"),
        ({"title": "t" * 201, "body": "x"}, "title"),
        ({"title": "t", "body": ""}, "body"),
        ({"title": "t", "body": "   "}, "body"),
        ({"title": "t", "body": "b" * 100_001}, "body"),
        ({"title": "t", "body": "b", "visibility": "friends"}, "visibility"),
        ({"title": "t", "body": "b", "tags": ["no spaces"]}, "tags"),
        ({"title": "t", "body": "b", "tags": ["x" * 33]}, "tags"),
        ({"title": "t", "body": "b", "tags": [f"t{n}" for n in range(11)]}, "tags"),
        ({"title": "t", "body": "b", "tags": "one,two"}, "tags"),
        ({"title": "t", "body": "b", "tags": [1]}, "tags"),
        ({"title": 5, "body": "b"}, "title"),
        ({"title": None, "body": "b"}, "title"),
        ({"title": "t\x00", "body": "b"}, "title"),
        ({"title": "t", "body": "b\ud800"}, "body"),
        ({"title": "t", "body": "b", "colour": "red"}, "colour"),
        ({"title": "t", "body": "b", "id": 7}, "id"),
    ],
)
def test_invalid_new_entry_is_422_and_saves_nothing(
    app: Flask,
    client: FlaskClient,
    alice_bearer: dict[str, str],
    payload: dict[str, Any],
    field: str,
) -> None:
    response = client.post("/api/v1/entries", headers=alice_bearer, json=payload)
    problem = assert_problem(response, 422)
    assert field in problem["errors"]
    assert all(isinstance(message, str) for message in problem["errors"][field])
    assert count(app, Entry) == 0


def test_unknown_field_names_itself(client: FlaskClient, alice_bearer: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/entries", headers=alice_bearer, json={"title": "t", "body": "b", "colour": "red"}
    )
    assert assert_problem(response, 422)["errors"] == {"colour": ["Unknown field."]}


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('["a", "list"]', "application/json", 422),
        ("title=t&body=b", "application/x-www-form-urlencoded", 422),
    ],
)
def test_malformed_bodies_are_refused(
    app: Flask,
    client: FlaskClient,
    alice_bearer: dict[str, str],
    data: str,
    content_type: str,
    status: int,
) -> None:
    response = client.post(
        "/api/v1/entries", headers=alice_bearer, data=data, content_type=content_type
    )
    assert_problem(response, status)
    assert count(app, Entry) == 0


def test_body_over_the_size_limit_is_413(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str]
) -> None:
    payload = {"title": "big", "body": "x" * (3 * 1024 * 1024)}
    assert_problem(client.post("/api/v1/entries", headers=alice_bearer, json=payload), 413)
    assert count(app, Entry) == 0


# --- entries: one at a time -------------------------------------------------------------------


def test_reading_follows_the_visibility_rule(
    client: FlaskClient,
    user: User,
    bob: User,
    make_entry: Callable[..., int],
    alice_bearer: dict[str, str],
    bob_bearer: dict[str, str],
) -> None:
    public = make_entry(user, "Open")
    private = make_entry(user, "Closed", visibility="private")
    assert client.get(f"/api/v1/entries/{public}").get_json()["title"] == "Open"
    assert (
        client.get(f"/api/v1/entries/{private}", headers=alice_bearer).get_json()["title"]
        == "Closed"
    )
    assert_problem(client.get(f"/api/v1/entries/{private}"), 404)
    problem = assert_problem(client.get(f"/api/v1/entries/{private}", headers=bob_bearer), 404)
    assert problem["detail"] == "There is no entry at this address."


@pytest.mark.parametrize("entry_id", ["999", "0", "-1", "abc", "99999999999999999999"])
def test_missing_entry_is_404(client: FlaskClient, entry_id: str) -> None:
    assert_problem(client.get(f"/api/v1/entries/{entry_id}"), 404)


def test_patch_changes_only_the_fields_sent(
    app: Flask,
    client: FlaskClient,
    user: User,
    make_entry: Callable[..., int],
    alice_bearer: dict[str, str],
) -> None:
    entry_id = make_entry(user, "Before", body="Old body", visibility="private", tags=("keep",))
    response = client.patch(
        f"/api/v1/entries/{entry_id}",
        headers=alice_bearer,
        json={"title": "After", "visibility": "public"},
    )
    assert response.status_code == 200
    entry = response.get_json()
    assert (entry["title"], entry["body"], entry["visibility"], entry["tags"]) == (
        "After", "Old body", "public", ["keep"],
    )  # fmt: skip
    assert parse_time(entry["updated_at"]) > parse_time(entry["created_at"])
    response = client.patch(f"/api/v1/entries/{entry_id}", headers=alice_bearer, json={"tags": []})
    assert response.get_json()["tags"] == []
    with app.app_context():
        stored = db.session.get(Entry, entry_id)
        assert stored is not None
        assert (stored.title, stored.is_public, stored.tags) == ("After", True, [])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": "b" * 100_001}, "body"),
        ({"visibility": "secret"}, "visibility"),
        ({"tags": ["bad tag"]}, "tags"),
        ({"title": None}, "title"),
        ({"author": "bob"}, "author"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    user: User,
    make_entry: Callable[..., int],
    alice_bearer: dict[str, str],
    payload: dict[str, Any],
    field: str,
) -> None:
    entry_id = make_entry(user, "Same", body="Same body")
    response = client.patch(f"/api/v1/entries/{entry_id}", headers=alice_bearer, json=payload)
    assert field in assert_problem(response, 422)["errors"]
    with app.app_context():
        stored = db.session.get(Entry, entry_id)
        assert stored is not None
        assert (stored.title, stored.body, stored.is_public) == ("Same", "Same body", True)


@pytest.mark.parametrize(("visibility", "status"), [("public", 403), ("private", 404)])
def test_others_cannot_change_or_delete_an_entry(
    app: Flask,
    client: FlaskClient,
    user: User,
    bob: User,
    make_entry: Callable[..., int],
    bob_bearer: dict[str, str],
    visibility: str,
    status: int,
) -> None:
    entry_id = make_entry(user, "Alice's", visibility=visibility)
    path = f"/api/v1/entries/{entry_id}"
    assert_problem(client.patch(path, headers=bob_bearer, json={"title": "Bob's"}), status)
    assert_problem(client.delete(path, headers=bob_bearer), status)
    with app.app_context():
        stored = db.session.get(Entry, entry_id)
        assert stored is not None
        assert stored.title == "Alice's"


def test_deleting_an_entry_answers_204(
    app: Flask,
    client: FlaskClient,
    user: User,
    make_entry: Callable[..., int],
    alice_bearer: dict[str, str],
) -> None:
    entry_id = make_entry(user, "Doomed")
    response = client.delete(f"/api/v1/entries/{entry_id}", headers=alice_bearer)
    assert response.status_code == 204
    assert response.data == b""
    assert count(app, Entry) == 0
    assert_problem(client.delete(f"/api/v1/entries/{entry_id}", headers=alice_bearer), 404)


# --- people ----------------------------------------------------------------------------------


def test_profile_counts_public_entries(
    client: FlaskClient, user: User, make_entry: Callable[..., int], alice_bearer: dict[str, str]
) -> None:
    make_entry(user, "One")
    make_entry(user, "Two")
    make_entry(user, "Hidden", visibility="private")
    for headers in ({}, alice_bearer):
        profile = client.get("/api/v1/users/ALICE", headers=headers).get_json()
        assert set(profile) == {"username", "created_at", "entry_count", "url"}
        assert (profile["username"], profile["entry_count"]) == ("alice", 2)
        assert profile["url"] == "http://localhost/api/v1/users/alice"
        parse_time(profile["created_at"])


@pytest.mark.parametrize("username", ["nobody", "no%00body", "a", "x" * 40, "bad name"])
def test_unknown_profile_is_404(client: FlaskClient, user: User, username: str) -> None:
    assert_problem(client.get(f"/api/v1/users/{username}"), 404)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nothing", "/api/v1/nothing", "/api/v2/entries"])
def test_unknown_api_path_is_a_problem(client: FlaskClient, path: str) -> None:
    assert_problem(client.get(path), 404)
    assert_problem(client.post(path), 404)


def test_pages_keep_html_errors(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/api/v1/entries", {"GET", "POST"}),
        ("put", "/api/v1/entries/1", {"GET", "PATCH", "DELETE"}),
        ("get", "/api/v1/tokens", {"POST", "DELETE"}),
        ("delete", "/api/v1/users/alice", {"GET"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = getattr(client, method)(path)
    assert_problem(response, 405)
    assert allowed <= {part.strip() for part in response.headers["Allow"].split(",")}


def test_unexpected_error_is_a_problem_without_internals(
    app_factory: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    def explode() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/explode", "explode", explode)
    response = app.test_client().get("/api/v1/explode")
    problem = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert problem["title"] == "Internal Server Error"
    assert "secret internals" in caplog.text


def test_login_page_post_still_needs_csrf(client: FlaskClient, user: User) -> None:
    # The API's exemption does not leak onto the pages.
    assert (
        client.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 400
    )
    assert post_form(client, "/login", username="alice", password=PASSWORD).status_code == 302


# --- the OpenAPI document ----------------------------------------------------------------------


def test_openapi_document_is_valid_3_1_and_covers_the_api(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert operations == {
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens"),
        ("GET", "/api/v1/entries"),
        ("POST", "/api/v1/entries"),
        ("GET", "/api/v1/entries/{entry_id}"),
        ("PATCH", "/api/v1/entries/{entry_id}"),
        ("DELETE", "/api/v1/entries/{entry_id}"),
        ("GET", "/api/v1/users/{username}"),
        ("POST", "/api/v1/media"),
    }
    new_entry = document["components"]["schemas"]["NewEntry"]
    assert new_entry["additionalProperties"] is False
    assert new_entry["required"] == ["body", "title"]
    assert new_entry["properties"]["title"]["maxLength"] == 200
    errors = document["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(errors) == [PROBLEM]


def test_every_app_gets_the_same_document(app_factory: Callable[..., Flask]) -> None:
    first = app_factory().test_client().get("/api/v1/openapi.json").get_json()
    second = app_factory().test_client().get("/api/v1/openapi.json").get_json()
    assert first == second


def test_reference_page_lists_every_operation_without_scripts(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method in item:
            if method != "parameters":
                assert f"{method.upper()} {path}" in page
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    # The site's own deferred script only: nothing inline (the CSP forbids it).
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert all(body == "" for body in scripts)
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "style=" not in page
    assert "<style" not in page
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert links and all(link.startswith(("/", "#")) for link in links)  # nothing from elsewhere


def test_reference_page_is_inside_the_site_layout_with_a_way_back(
    client: FlaskClient,
) -> None:
    page = BeautifulSoup(client.get("/api/v1/docs").get_data(as_text=True), "html.parser")
    assert page.select_one("header.site-header a.brand")["href"] == "/"
    assert page.select_one("footer.site-footer")
    back = page.select_one("main .back-link a")
    assert back["href"] == "/"
    assert "Back to the journal" in back.get_text()
    assert page.title.get_text(strip=True) == "Journal API v1 · Journal"
    # Every table is one of the site's tables, in a wrapper that keeps it inside the column.
    tables = page.select("main table")
    assert tables
    assert all("table" in t["class"] and "table-wrap" in t.parent["class"] for t in tables)
