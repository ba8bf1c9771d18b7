"""Inputs that once answered 500: each is now a clean 400, 403, 404 or 422."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from journal.models import User
from tests.helpers import csrf_token, text_of

LISTINGS = ["/", "/u/alice", "/tags/walks"]
# Valid ISO dates whose UTC time falls off the calendar, and ids no key can hold.
EDGE_CURSORS = [
    "0001-01-01T00:00:00+05:00_1",
    "9999-12-31T23:59:59-05:00_1",
    "2024-01-01T00:00:00+00:00_99999999999999999999999",
    "2024-01-01T00:00:00+00:00_9223372036854775808",
    "2024-01-01T00:00:00+00:00_" + "9" * 5000,
]
HUGE_IDS = [str(2**31), str(2**63), "99999999999999999999999", "9" * 5000]


@pytest.fixture
def alice_wrote(make_entry: Callable[..., int], user: User) -> int:
    """A public entry of alice's tagged ``walks``, so the listings have a row to compare."""
    return make_entry(user, tags=("walks",))


@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.parametrize("param", ["before", "after"])
@pytest.mark.parametrize("cursor", EDGE_CURSORS)
def test_a_cursor_at_the_edge_of_the_calendar_is_404(
    app: Flask, client: FlaskClient, alice_wrote: int, listing: str, param: str, cursor: str
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(listing, query_string={param: cursor})
    assert response.status_code == 404


@pytest.mark.parametrize("entry_id", HUGE_IDS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/entries/{}"),
        ("GET", "/entries/{}/edit"),
        ("POST", "/entries/{}/edit"),
        ("POST", "/entries/{}/delete"),
        ("POST", "/account/sessions/{}/delete"),
        ("GET", "/api/v1/entries/{}"),
    ],
)
def test_an_id_beyond_any_key_is_404(
    app: Flask, signed_in: FlaskClient, method: str, path: str, entry_id: str
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    data = {"csrf_token": csrf_token(signed_in, "/entry")} if method == "POST" else None
    response = signed_in.open(path.format(entry_id), method=method, data=data)
    assert response.status_code == 404


def test_the_largest_key_still_routes(signed_in: FlaskClient) -> None:
    # Routed to the view, which finds no such entry: the bound is not off by one.
    response = signed_in.get(f"/entries/{2**31 - 1}")
    assert response.status_code == 404
    assert "There is no entry at this address." in text_of(response)


@pytest.mark.parametrize(
    "body",
    [
        '{"title": ' + "[" * 1000 + "]" * 1000 + ', "body": "x"}',
        "[" * 100_000 + "]" * 100_000,
        '{"title": "t", "body": "b", "tags": ' + "9" * 5000 + "}",
        '{"title": ' + "9" * 5000 + ', "body": "b"}',
        '{"title": "t", "body": "b", "visibility": 1e999999}',
    ],
    ids=["nested-1000", "nested-100000", "digits-in-tags", "digits-in-title", "huge-float"],
)
def test_hostile_json_to_the_api_is_a_problem_not_a_500(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str], alice_wrote: int, body: str
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    for method, path in [("POST", "/api/v1/entries"), ("PATCH", f"/api/v1/entries/{alice_wrote}")]:
        response = client.open(
            path, method=method, data=body, content_type="application/json", headers=alice_bearer
        )
        assert response.status_code in {400, 422}, (method, response.status_code)
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("next_url", ["/entries/1\r", "/entries/1\r\nSet-Cookie: x=1", "/\n"])
def test_a_next_with_a_control_character_goes_home(signed_in: FlaskClient, next_url: str) -> None:
    response = signed_in.get("/login", query_string={"next": next_url})
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize(("visibility", "status"), [("private", 404), ("public", 403)])
def test_a_stale_form_for_an_entry_you_may_not_edit_follows_the_entry_rules(
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    signed_in: FlaskClient,
    visibility: str,
    status: int,
) -> None:
    bobs = make_entry(make_user("bob"), title="Bob's", body="Bob's words.", visibility=visibility)
    response = signed_in.post(
        f"/entries/{bobs}/edit", data={"csrf_token": "stale", "title": "Mine now", "body": "x"}
    )
    assert response.status_code == status
    assert "Bob&#39;s words." not in text_of(response)
    assert "Bob's words." not in text_of(response)
