"""Cache-Control: what only one person may see is never stored; public pages may be."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from journal.models import User
from tests.conftest import AuthActions
from tests.helpers import PASSWORD, post_form

PRIVATE = "private, no-store"


@pytest.fixture
def ids(make_entry: Callable[..., int], user: User) -> dict[str, int]:
    """A public and a private entry of alice's."""
    return {
        "public": make_entry(user, title="Out loud"),
        "private": make_entry(user, title="Quietly", visibility="private"),
    }


@pytest.fixture
def viewers(
    app: Flask, ids: dict[str, int], api_token_for: Callable[..., str]
) -> dict[str, Callable[[str], TestResponse]]:
    """GET as each kind of viewer: anonymous, signed in (a browser), and a bearer token."""
    anonymous = app.test_client()
    browser = app.test_client()
    assert AuthActions(browser).login().status_code == 302
    bearer = {"Authorization": f"Bearer {api_token_for()}"}
    return {
        "anonymous": lambda path: anonymous.get(path),
        "signed-in": lambda path: browser.get(path),
        "bearer": lambda path: anonymous.get(path, headers=bearer),
    }


@pytest.mark.parametrize(
    ("viewer", "path", "private"),
    [
        ("signed-in", "/account", True),
        ("signed-in", "/account/export", True),
        ("signed-in", "/entries/{private}", True),
        ("signed-in", "/entries/{public}", True),
        ("signed-in", "/", True),
        ("signed-in", "/entry", True),
        ("signed-in", "/no/such/page", True),
        ("bearer", "/api/v1/entries", True),
        ("bearer", "/api/v1/entries/{private}", True),
        ("bearer", "/api/v1/users/alice", True),
        ("anonymous", "/", False),
        ("anonymous", "/entries/{public}", False),
        ("anonymous", "/u/alice", False),
        ("anonymous", "/feed.atom", False),
        ("anonymous", "/api/v1/entries", False),
        ("anonymous", "/api/v1/entries/{public}", False),
        ("anonymous", "/login", False),
    ],
)
def test_private_answers_are_never_stored(
    viewers: dict[str, Callable[[str], TestResponse]],
    ids: dict[str, int],
    viewer: str,
    path: str,
    private: bool,
) -> None:
    response = viewers[viewer](path.format(**ids))
    assert response.status_code < 500
    if private:
        assert response.headers.get("Cache-Control") == PRIVATE
    else:
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert "private" not in response.headers.get("Cache-Control", "")


def test_a_new_token_is_never_stored(client: FlaskClient, user: User) -> None:
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    response = client.post("/api/v1/tokens", headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == PRIVATE


def test_a_write_is_never_stored_even_signed_out(client: FlaskClient) -> None:
    # A refused sign-in shows the typed username back: only to whoever typed it.
    response = post_form(client, "/login", username="alice", password="wrong")
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == PRIVATE


def test_the_stylesheet_stays_cached_for_a_signed_in_viewer(signed_in: FlaskClient) -> None:
    page = signed_in.get("/").get_data(as_text=True)
    href = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    for path in (href, "/favicon.ico"):
        response = signed_in.get(path)
        response.close()
        assert response.status_code == 200
        assert "public" in response.headers["Cache-Control"]
        assert "no-store" not in response.headers["Cache-Control"]
