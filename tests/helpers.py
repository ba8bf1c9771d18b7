"""Helpers for tests: CSRF tokens, posting forms as a browser does, reading pages back."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from journal.extensions import db
from journal.models import User
from journal.services.passwords import hash_password

PASSWORD = "a long and unusual passphrase"
NEW_PASSWORD = "a brand new and unusual passphrase"
# Computed once: hashing is deliberately slow, and fixtures make many users.
PASSWORD_HASH = hash_password(PASSWORD)

_TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    response = client.get(path)
    match = _TOKEN_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def post_form(
    client: FlaskClient, path: str, form_page: str | None = None, **data: Any
) -> TestResponse:
    """POST ``data`` to ``path`` with the CSRF token read from ``form_page`` (default: path)."""
    data.setdefault("csrf_token", csrf_token(client, form_page or path))
    return client.post(path, data=data)


def text_of(response: TestResponse) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def count(app: Flask, model: Any) -> int:
    """How many rows of ``model`` are stored."""
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def soup(response: TestResponse) -> BeautifulSoup:
    """The page of ``response``, parsed."""
    return BeautifulSoup(text_of(response), "html.parser")


def titles(response: TestResponse) -> list[str]:
    """The titles of the entry cards on a listing page, top to bottom."""
    return [node.get_text(strip=True) for node in soup(response).select("article.entry-card h2")]


def write_entry(
    app: Flask,
    author: User,
    title: str = "A day",
    body: str = "Some words.",
    visibility: str = "public",
    tags: Sequence[str] = (),
    date: datetime | None = None,
    timezone: str = "",
) -> int:
    """Save an entry by ``author`` through the service, as the form would; returns its id."""
    from journal.services.entries import EntryInput, create_entry

    data = EntryInput(title, body, visibility, tuple(tags), date, timezone)
    with app.app_context():
        writer = db.session.get(User, author.id)
        assert writer is not None
        return create_entry(writer, data).id


def change_password(
    client: FlaskClient,
    current: str = PASSWORD,
    new: str = NEW_PASSWORD,
    repeat: str | None = None,
) -> TestResponse:
    """Post the account page's change-password form."""
    return post_form(
        client,
        "/account/password",
        form_page="/account",
        current_password=current,
        password=new,
        password2=repeat or new,
    )
