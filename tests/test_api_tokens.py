"""API tokens on the account page: listed with their client and last use, revoked there,
and ended with the password (change, reset, "sign out everywhere")."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from journal.extensions import db
from journal.models import ApiToken, User
from journal.services import password_reset
from tests.helpers import NEW_PASSWORD, PASSWORD, count, post_form, text_of
from tests.helpers import change_password as post_change_password

CURL = "curl/8.5.0"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_token(app: Flask, username: str = "alice", user_agent: str = CURL) -> str:
    """A token asked for through ``POST /api/v1/tokens`` by a client called ``user_agent``."""
    basic = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    response = app.test_client().post(
        "/api/v1/tokens", headers={"Authorization": f"Basic {basic}", "User-Agent": user_agent}
    )
    assert response.status_code == 201, text_of(response)
    token: str = response.get_json()["token"]
    return token


def reads_private_entries(app: Flask, token: str) -> bool:
    """Whether the token still authenticates (a dead one is 401, never anonymous)."""
    response = app.test_client().get(
        "/api/v1/entries", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code in (200, 401)
    return response.status_code == 200


def sign_in(app: Flask, username: str = "alice", password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = post_form(client, "/login", username=username, password=password)
    assert response.status_code == 302
    return client


def change_password(app: Flask) -> None:
    assert post_change_password(sign_in(app)).status_code == 302


def reset_password(app: Flask) -> None:
    with app.app_context():
        alice = db.session.scalars(select(User).where(User.username == "alice")).one()
        link = f"/reset-password/{password_reset.make_reset_token(alice)}"
    response = post_form(app.test_client(), link, password=NEW_PASSWORD, password2=NEW_PASSWORD)
    assert response.status_code == 302


def sign_out_everywhere(app: Flask) -> None:
    response = post_form(sign_in(app), "/account/sessions/delete-others", form_page="/account")
    assert response.status_code == 302


@pytest.mark.parametrize("end", [change_password, reset_password, sign_out_everywhere])
def test_tokens_end_with_the_password_and_sign_out_everywhere(app, make_user, end):
    make_user("alice")
    make_user("bob")
    alices = [new_token(app), new_token(app, user_agent="python-requests/2.32.3")]
    bobs = new_token(app, "bob")
    assert all(reads_private_entries(app, token) for token in alices)
    end(app)
    assert [reads_private_entries(app, token) for token in alices] == [False, False]
    assert reads_private_entries(app, bobs)
    assert count(app, ApiToken) == 1


def token_rows(client: FlaskClient) -> list[list[str]]:
    page = BeautifulSoup(text_of(client.get("/account")), "html.parser")
    table = page.select_one("table.api-tokens")
    if table is None:
        return []
    return [
        [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.select("td")]
        for row in table.select("tbody tr")
    ]


def test_account_page_lists_tokens_with_client_created_and_last_use(app, user):
    with time_machine.travel(START, tick=False):
        new_token(app, user_agent=CURL)
        firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
        used = new_token(app, user_agent=firefox)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        assert reads_private_entries(app, used)
        rows = token_rows(sign_in(app))
    assert len(rows) == 2
    # Most recently used first; a token never used says so.
    assert rows[0][0].startswith("Firefox on Linux")
    assert firefox in rows[0][0]
    assert rows[0][1:3] == ["2 March 2026, 09:00 UTC", "2 March 2026, 11:00 UTC"]
    assert rows[1][0] == CURL
    assert rows[1][1:3] == ["2 March 2026, 09:00 UTC", "Never"]


def test_a_client_name_is_stored_without_nul_and_cut_to_200_characters(app, user):
    new_token(app, user_agent="curl/8.5.0\x00 " + "x" * 300)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.client)) == "curl/8.5.0 " + "x" * 189


def test_an_account_without_tokens_says_how_to_get_one(app, user):
    page = text_of(sign_in(app).get("/account"))
    assert "No API tokens" in page
    assert token_rows(sign_in(app)) == []


def token_ids(app: Flask, username: str) -> list[int]:
    with app.app_context():
        owned = select(ApiToken.id).join(User).where(User.username == username)
        return list(db.session.scalars(owned.order_by(ApiToken.id)))


def test_revoke_one_token_from_the_account_page(app, user):
    kept, revoked = new_token(app), new_token(app)
    client = sign_in(app)
    response = post_form(
        client, f"/account/tokens/{token_ids(app, 'alice')[1]}/delete", form_page="/account"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "That API token is revoked." in text_of(client.get("/account"))
    assert reads_private_entries(app, kept)
    assert not reads_private_entries(app, revoked)
    assert len(token_rows(client)) == 1


def test_another_users_token_is_404_and_stays(app, make_user):
    make_user("alice")
    make_user("bob")
    bobs = new_token(app, "bob")
    client = sign_in(app)
    for token_id in (token_ids(app, "bob")[0], 999999, 2**31, 10**20):
        response = post_form(client, f"/account/tokens/{token_id}/delete", form_page="/account")
        assert response.status_code == 404
    assert reads_private_entries(app, bobs)


def test_revoking_needs_the_csrf_token_and_a_sign_in(app, user):
    token = new_token(app)
    token_id = token_ids(app, "alice")[0]
    assert sign_in(app).post(f"/account/tokens/{token_id}/delete").status_code == 400
    response = app.test_client().post(f"/account/tokens/{token_id}/delete")
    assert response.status_code == 400  # no token: refused before anything else is asked
    assert reads_private_entries(app, token)


def test_last_use_is_written_at_most_once_a_minute(app, user):
    def last_used() -> datetime | None:
        with app.app_context():
            return db.session.scalar(select(ApiToken.last_used_at))

    with time_machine.travel(START, tick=False):
        token = new_token(app)
    assert last_used() is None
    for used, written in [(0, 0), (50, 0), (70, 70), (100, 70), (131, 131)]:
        with time_machine.travel(START + timedelta(seconds=used), tick=False):
            assert reads_private_entries(app, token)
        assert last_used() == START + timedelta(seconds=written)
