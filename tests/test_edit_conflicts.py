"""No lost edits: the edit form's hidden version (409 and a merge view) and the API's
ETag / If-Match (412), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from journal.extensions import db
from journal.models import Entry, User
from journal.services import entries
from tests.helpers import text_of


def stored(app: Flask, entry_id: int) -> tuple[str, str, int] | None:
    """The entry's title, body and version as stored (``None``: gone)."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        return None if entry is None else (entry.title, entry.body, entry.version)


def edit_form(client: FlaskClient, entry_id: int) -> dict[str, str]:
    """The edit form's fields as the page fills them in."""
    page = BeautifulSoup(text_of(client.get(f"/entries/{entry_id}/edit")), "html.parser")
    form = page.find("form", attrs={"data-entry-id": str(entry_id)})
    assert form is not None
    fields = {
        str(i["name"]): str(i.get("value", ""))
        for i in form.find_all("input")
        if i.get("name") and i.get("type") != "file"
    }
    fields["body"] = form.find("textarea").get_text()
    checked = form.find("input", attrs={"name": "visibility", "checked": True})
    fields["visibility"] = str(checked["value"]) if checked else "private"
    return fields


@pytest.fixture
def entry_id(user: User, make_entry: Callable[..., int]) -> int:
    return make_entry(user, title="First", body="The first words.", visibility="private")


# --- the edit form ---------------------------------------------------------------------------


def test_the_edit_form_carries_the_version_and_a_save_counts_it(
    app: Flask, signed_in: FlaskClient, entry_id: int
) -> None:
    form = edit_form(signed_in, entry_id)
    assert form["version"] == "1"
    saved = signed_in.post(f"/entries/{entry_id}/edit", data={**form, "body": "Changed."})
    assert saved.status_code == 302
    assert stored(app, entry_id) == ("First", "Changed.", 2)
    assert edit_form(signed_in, entry_id)["version"] == "2"


def test_a_save_over_a_newer_version_shows_both_and_overwrites_nothing(
    app: Flask, signed_in: FlaskClient, entry_id: int
) -> None:
    laptop = edit_form(signed_in, entry_id)
    phone = edit_form(signed_in, entry_id)
    saved = signed_in.post(f"/entries/{entry_id}/edit", data={**phone, "body": "From the phone."})
    assert saved.status_code == 302

    late = signed_in.post(f"/entries/{entry_id}/edit", data={**laptop, "body": "From the laptop."})
    assert late.status_code == 409
    assert stored(app, entry_id) == ("First", "From the phone.", 2)
    page = BeautifulSoup(text_of(late), "html.parser")
    assert "changed elsewhere" in page.select_one(".form-errors").get_text()
    columns = [c.get_text() for c in page.select(".merge-column .merge-text")]
    assert columns == ["From the phone.", "From the laptop."]
    form = page.find("form", attrs={"data-entry-id": str(entry_id)})
    # The writer's text is kept in the form, which now starts from the version shown.
    assert form.find("textarea").get_text().strip() == "From the laptop."
    assert form.find("input", attrs={"name": "version"})["value"] == "2"

    again = signed_in.post(
        f"/entries/{entry_id}/edit",
        data={**laptop, "version": "2", "body": "Laptop, with the phone's words."},
    )
    assert again.status_code == 302
    assert stored(app, entry_id) == ("First", "Laptop, with the phone's words.", 3)


@pytest.mark.parametrize(("version", "status"), [("", 302), ("1", 302), ("abc", 302), ("0", 409)])
def test_what_the_version_field_may_hold(
    app: Flask, signed_in: FlaskClient, entry_id: int, version: str, status: int
) -> None:
    form = {**edit_form(signed_in, entry_id), "version": version, "body": "New."}
    assert signed_in.post(f"/entries/{entry_id}/edit", data=form).status_code == status


def test_a_save_racing_another_between_read_and_write_is_refused(app: Flask, entry_id: int) -> None:
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry is not None
        # Another process saves after this one has read the entry.
        with db.engine.begin() as other:
            other.execute(
                update(Entry.__table__)
                .where(Entry.__table__.c.id == entry_id)
                .values(body="Saved meanwhile.", version=2)
            )
        changed = entries.entry_input_of(entry)
        with pytest.raises(entries.EditConflict) as raised:
            entries.update_entry(entry, type(changed)(**{**changed.__dict__, "body": "Mine."}))
        assert raised.value.current is not None
        assert raised.value.current.body == "Saved meanwhile."
    assert stored(app, entry_id) == ("First", "Saved meanwhile.", 2)


# --- the API: ETag and If-Match ----------------------------------------------------------------


def test_an_entrys_etag_changes_with_each_save(
    client: FlaskClient, alice_bearer: dict[str, str], entry_id: int
) -> None:
    first = client.get(f"/api/v1/entries/{entry_id}", headers=alice_bearer)
    assert first.headers["ETag"] == f'"{entry_id}-1"'
    patched = client.patch(
        f"/api/v1/entries/{entry_id}",
        headers={**alice_bearer, "If-Match": first.headers["ETag"]},
        json={"body": "Patched."},
    )
    assert patched.status_code == 200
    assert patched.headers["ETag"] == f'"{entry_id}-2"'
    again = client.get(f"/api/v1/entries/{entry_id}", headers=alice_bearer)
    assert again.headers["ETag"] == patched.headers["ETag"]


@pytest.mark.parametrize(
    ("method", "if_match", "status"),
    [
        ("PATCH", None, 200),
        ("PATCH", "*", 200),
        ("PATCH", '"{id}-1"', 200),
        ("PATCH", '"{id}-0"', 412),
        ("PATCH", 'W/"{id}-1"', 412),
        ("PATCH", '"{id}-0", "{id}-1"', 200),
        ("DELETE", None, 204),
        ("DELETE", '"{id}-1"', 204),
        ("DELETE", '"{id}-0"', 412),
    ],
)  # fmt: skip
def test_if_match_guards_patch_and_delete(
    app: Flask,
    client: FlaskClient,
    alice_bearer: dict[str, str],
    entry_id: int,
    method: str,
    if_match: str | None,
    status: int,
) -> None:
    headers = dict(alice_bearer)
    if if_match is not None:
        headers["If-Match"] = if_match.replace("{id}", str(entry_id))
    answer = client.open(
        f"/api/v1/entries/{entry_id}",
        method=method,
        headers=headers,
        json={"body": "Patched."} if method == "PATCH" else None,
    )
    assert answer.status_code == status, answer.get_data(as_text=True)
    if status == 412:
        assert answer.mimetype == "application/problem+json"
        assert answer.get_json()["status"] == 412
        assert "changed" in answer.get_json()["detail"]
        assert stored(app, entry_id) == ("First", "The first words.", 1)
    elif method == "PATCH":
        assert stored(app, entry_id) == ("First", "Patched.", 2)
    else:
        assert stored(app, entry_id) is None
