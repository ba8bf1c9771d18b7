"""Every state-changing POST refuses a request without a CSRF token, and changes nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from journal.extensions import db
from journal.models import User
from journal.services.entries import EntryInput, create_entry
from journal.services.password_reset import make_reset_token
from tests.helpers import PASSWORD, post_form

# Values for URL arguments, chosen so that the token is the only thing wrong.
SAMPLE_ARGUMENTS = {"entry_id": 1, "session_id": 1, "username": "alice", "tag": "tag"}


def post_rules(app: Flask):
    """Every POST route of the app (the JSON API uses bearer tokens, not cookies: no CSRF)."""
    return sorted(
        (rule for rule in app.url_map.iter_rules()
         if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")),
        key=lambda rule: rule.rule,
    )  # fmt: skip


def snapshot(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table."""
    with app.app_context():
        return {
            table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables
        }


def url_for_rule(app: Flask, rule) -> str:
    values = {}
    for name in rule.arguments:
        if name == "token":
            with app.app_context():
                values[name] = make_reset_token(db.session.scalar(select(User)))
        else:
            values[name] = SAMPLE_ARGUMENTS.get(name, 1)
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def test_the_walk_finds_the_account_forms(app):
    endpoints = {rule.endpoint for rule in post_rules(app)}
    assert {"auth.login", "auth.logout", "auth.register", "auth.reset_password",
            "auth.reset_password_with_token", "account.change_password",
            "account.delete_account", "account.end_session", "account.end_other_sessions",
            "account.import_file"} <= endpoints  # fmt: skip


@pytest.mark.parametrize("signed_in_first", [True, False], ids=["signed-in", "signed-out"])
@pytest.mark.parametrize("bad_token", [None, "forged-token"], ids=["missing", "forged"])
def test_every_post_without_a_valid_token_is_400_and_changes_nothing(
    app, user, signed_in_first, bad_token
):
    client = app.test_client()
    if signed_in_first:
        assert post_form(client, "/login", username="alice", password=PASSWORD).status_code == 302
        with app.app_context():
            create_entry(db.session.get(User, user.id), EntryInput("Mine", "Text", "public"))
    before = snapshot(app)
    refused = []
    for rule in post_rules(app):
        url = url_for_rule(app, rule)
        form = {
            "title": "Changed", "body": "Changed", "visibility": "public", "username": "alice",
            "password": "another long passphrase", "password2": "another long passphrase",
            "current_password": PASSWORD, "email": "alice@example.org",
        }  # fmt: skip
        if bad_token:
            form["csrf_token"] = bad_token
        response = client.post(url, data=form)
        refused.append((rule.rule, response.status_code))
    assert all(status == 400 for _, status in refused), refused
    assert snapshot(app) == before
    if signed_in_first:
        assert client.get("/account").status_code == 200  # still signed in: logout refused too
