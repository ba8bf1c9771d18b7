"""Links on the pages: cards and the entry page link where ``url_for`` says, mounted anywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from markupsafe import escape

from journal.models import User


@pytest.mark.parametrize("script_root", ["", "/journal"])
@pytest.mark.parametrize("username", ["Ann_Lee", "zoë o'neil/x"])
def test_cards_and_the_entry_page_link_to_the_entry_its_author_and_tags(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    script_root: str,
    username: str,
) -> None:
    author = make_user(username, email="ann@example.org")
    entry_id = make_entry(author, title="Walks", tags=("night-walks",))
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
        entry, author_page, tag = (
            f'href="{escape(url)}"'
            for url in (
                url_for("journal.show_entry", entry_id=entry_id),
                url_for("journal.user_page", username=username),
                url_for("journal.tag_page", tag="night-walks"),
            )
        )
    mounted = {"SCRIPT_NAME": script_root}

    listing = client.get("/", environ_overrides=mounted).get_data(as_text=True)
    entry_page = client.get(f"/entries/{entry_id}", environ_overrides=mounted).get_data(
        as_text=True
    )

    assert f'href="{script_root}/entries/{entry_id}"' in listing
    assert entry in listing
    assert tag in listing
    assert author_page in listing
    assert author_page in entry_page
