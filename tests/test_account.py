"""The account page: sessions that really end, password change, account deletion."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from journal.extensions import db
from journal.models import ApiToken, Entry, Tag, User, UserSession, entry_tags, utcnow
from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    change_password,
    count,
    csrf_token,
    post_form,
    text_of,
    write_entry,
)


def sign_in(app, username="alice", password=PASSWORD, user_agent="Browser/1.0", remember=False):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    extra = {"remember_me": "y"} if remember else {}
    response = post_form(client, "/login", username=username, password=password, **extra)
    assert response.status_code == 302
    return client


def session_ids(app, user_id):
    with app.app_context():
        return set(db.session.scalars(select(UserSession.id).where(UserSession.user_id == user_id)))


def test_account_page_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"


def test_account_link_in_the_nav_only_when_signed_in(client, signed_in):
    assert 'href="/account"' in text_of(signed_in.get("/"))
    assert 'href="/account"' not in text_of(signed_in.application.test_client().get("/"))


def test_account_page_lists_sessions_and_marks_this_device(app, user):
    phone = sign_in(app, user_agent="Phone/2.0")
    laptop = sign_in(app, user_agent="Laptop/3.0")
    page = BeautifulSoup(text_of(laptop.get("/account")), "html.parser")
    rows = page.select("table.sessions tbody tr")
    assert len(rows) == 2
    this = [row for row in rows if "this device" in row.get_text()]
    assert len(this) == 1 and "Laptop/3.0" in this[0].get_text()
    assert any("Phone/2.0" in row.get_text() for row in rows)
    assert phone.get("/account").status_code == 200


def test_sign_out_one_other_device(app, user):
    phone = sign_in(app, user_agent="Phone/2.0")
    laptop = sign_in(app, user_agent="Laptop/3.0")
    before = session_ids(app, user.id)
    page = BeautifulSoup(text_of(laptop.get("/account")), "html.parser")
    phone_row = next(
        r for r in page.select("table.sessions tbody tr") if "Phone/2.0" in r.get_text()
    )
    action = phone_row.find("form")["action"]
    response = post_form(laptop, action, form_page="/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert len(session_ids(app, user.id)) == len(before) - 1
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200


def test_signing_out_this_device_from_the_list_signs_out(app, user):
    laptop = sign_in(app)
    (only,) = session_ids(app, user.id)
    response = post_form(laptop, f"/account/sessions/{only}/delete", form_page="/account")
    assert response.headers["Location"] == "/"
    assert laptop.get("/account").status_code == 302


def test_cannot_end_another_users_session(app, make_user):
    make_user("alice")
    bob = make_user("bob")
    bobs_browser = sign_in(app, "bob")
    (bobs_session,) = session_ids(app, bob.id)
    alice = sign_in(app)
    response = post_form(alice, f"/account/sessions/{bobs_session}/delete", form_page="/account")
    assert response.status_code == 404
    assert session_ids(app, bob.id) == {bobs_session}
    assert bobs_browser.get("/account").status_code == 200


def test_sign_out_everywhere_else(app, user):
    others = [sign_in(app, user_agent=f"Other/{n}") for n in range(3)]
    here = sign_in(app)
    response = post_form(here, "/account/sessions/delete-others", form_page="/account")
    assert response.status_code == 302
    assert "3 session(s) ended" in text_of(here.get("/account"))
    assert count(app, UserSession) == 1
    assert all(other.get("/account").status_code == 302 for other in others)


def refused_page(client, response, anchor):
    """The account page a refused form redirects to: a GET, at the form's section."""
    assert response.status_code == 303
    assert response.headers["Location"] == f"/account{anchor}"
    page = client.get("/account")
    assert page.status_code == 200
    return BeautifulSoup(text_of(page), "html.parser")


def test_change_password_ends_other_sessions_and_remember_cookies(app, user):
    remembered = sign_in(app, remember=True)
    remember_cookie = remembered.get_cookie("remember_token")
    assert remember_cookie is not None
    here = sign_in(app)
    response = change_password(here)
    assert response.status_code == 302
    assert "every other device is signed out" in text_of(here.get("/account"))
    assert here.get("/account").status_code == 200
    assert remembered.get("/account").status_code == 302
    # A browser holding only the old remember-me cookie is not signed back in.
    thief = app.test_client()
    thief.set_cookie("remember_token", remember_cookie.value)
    assert thief.get("/account").status_code == 302
    assert sign_in(app, password=NEW_PASSWORD).get("/account").status_code == 200
    old = post_form(app.test_client(), "/login", username="alice", password=PASSWORD)
    assert old.status_code == 422


@pytest.mark.parametrize(
    ("current", "new", "repeat", "field", "message"),
    [
        (
            "wrong password here",
            NEW_PASSWORD,
            None,
            "current_password",
            "not your current password",
        ),
        (PASSWORD, "short", None, "password", "at least 8"),
        (PASSWORD, "password123", None, "password", "too common"),
        (PASSWORD, "alice-alice", None, "password", None),
        (PASSWORD, NEW_PASSWORD, "different one here", "password2", "passwords differ"),
    ],
)
def test_change_password_rules(app, user, current, new, repeat, field, message):
    here = sign_in(app)
    other = sign_in(app, user_agent="Other/1")
    response = change_password(here, current, new, repeat)
    if message is None:  # allowed: not the username itself
        assert response.status_code == 302
        return
    page = refused_page(here, response, "#change-password")
    assert message in page.select_one(f"#{field}-error").get_text()
    assert message in page.select_one(f'.error-summary a[href="#{field}"]').get_text()
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == user.password_hash
    assert other.get("/account").status_code == 200


def write_entries(app, author, tags=("shared", "mine-only")):
    """Three public entries by ``author``, each with ``tags``."""
    for n in range(3):
        write_entry(app, author, f"Entry {n}", "Text", "public", tags)


def test_delete_account_removes_everything_of_that_user_only(app, make_user):
    alice = make_user("alice")
    bob = make_user("bob")
    write_entries(app, alice)
    write_entries(app, bob, tags=("shared",))
    with app.app_context():
        db.session.add(ApiToken(token_hash="x" * 64, user_id=alice.id, expires_at=utcnow()))
        db.session.commit()
    elsewhere = sign_in(app, user_agent="Other/1")
    here = sign_in(app)
    response = post_form(here, "/account/delete", form_page="/account", password=PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "account and all its entries are deleted" in text_of(here.get("/"))
    with app.app_context():
        assert db.session.get(User, alice.id) is None
        assert db.session.scalars(select(Entry.author_id)).all() == [bob.id] * 3
        assert db.session.scalars(select(Tag.name)).all() == ["shared"]
        assert db.session.scalar(select(db.func.count()).select_from(entry_tags)) == 3
        assert db.session.scalar(select(ApiToken.id)) is None
    assert count(app, UserSession) == 0
    assert here.get("/account").status_code == 302
    assert elsewhere.get("/account").status_code == 302
    assert (
        post_form(app.test_client(), "/login", username="alice", password=PASSWORD).status_code
        == 422
    )


@pytest.mark.parametrize("password", ["not my password", ""])
def test_delete_account_needs_the_password(app, user, password):
    write_entries(app, user)
    here = sign_in(app)
    response = post_form(here, "/account/delete", form_page="/account", password=password)
    page = refused_page(here, response, "#delete-account")
    assert page.select_one("#delete-password-error").get_text(strip=True)
    assert page.select_one('.error-summary a[href="#delete-password"]')
    assert count(app, User) == 1
    assert count(app, Entry) == 3
    assert here.get("/account").status_code == 200


def test_copied_session_cookie_stops_working_after_sign_out(app, user):
    browser = sign_in(app)
    stolen = browser.get_cookie("session")
    post_form(browser, "/logout")
    thief = app.test_client()
    thief.environ_base["HTTP_USER_AGENT"] = "Browser/1.0"
    thief.set_cookie("session", stolen.value)
    assert thief.get("/account").status_code == 302


def test_session_cookie_replayed_from_another_browser_is_refused(app, user):
    browser = sign_in(app, user_agent="Browser/1.0")
    thief = app.test_client()
    thief.environ_base["HTTP_USER_AGENT"] = "Thief/6.6"
    thief.set_cookie("session", browser.get_cookie("session").value)
    # Flask-Login's "strong" session protection drops a session used from elsewhere.
    assert thief.get("/account").status_code == 302
    assert browser.get("/account").status_code == 200


def test_signing_in_starts_a_fresh_session(app, user):
    """Session fixation: nothing of a session planted before sign-in survives it."""
    client = app.test_client()
    planted_token = csrf_token(client, "/login")  # known to whoever planted this session
    planted = client.get_cookie("session").value
    post_form(client, "/login", username="alice", password=PASSWORD)
    assert client.get_cookie("session").value != planted
    # The CSRF secret of the planted session is gone: its token no longer passes.
    refused = client.post("/account/sessions/delete-others", data={"csrf_token": planted_token})
    assert refused.status_code == 400
    fresh = post_form(client, "/account/sessions/delete-others", form_page="/account")
    assert fresh.status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/account").status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_answer(app, user):
    unknown = post_form(app.test_client(), "/login", username="nobody", password="whatever it is")
    wrong = post_form(app.test_client(), "/login", username="alice", password="whatever it is")
    assert unknown.status_code == wrong.status_code == 422
    message = "Unknown username or email, or wrong password."
    assert message in text_of(unknown) and message in text_of(wrong)


def test_unknown_user_costs_a_password_hash_check(app, user):
    """Loosely timed: without the dummy hash an unknown user would answer ~100x faster."""
    import statistics
    import time

    from journal.services.accounts import authenticate

    def median_time(login: str) -> float:
        times = []
        with app.app_context():
            for _ in range(5):
                start = time.perf_counter()
                assert authenticate(login, "not the password at all") is None
                times.append(time.perf_counter() - start)
        return statistics.median(times)

    unknown, wrong = median_time("nobody"), median_time("alice")
    assert unknown > 0.5 * wrong, (unknown, wrong)


# --- refused forms: seen without scrolling, and a reload never posts again ---------------


def post_import(client, data):
    token = csrf_token(client, "/account")
    files = {} if data is None else {"file": (io.BytesIO(data), "export.json")}
    return client.post(
        "/account/import",
        data={"csrf_token": token, **files},
        content_type="multipart/form-data",
    )


REFUSALS = {
    "wrong current password": (
        lambda client: change_password(client, current="not the password at all"),
        "#change-password",
        "current_password",
        "not your current password",
    ),
    "wrong password on delete": (
        lambda client: post_form(
            client, "/account/delete", form_page="/account", password="not the password at all"
        ),
        "#delete-account",
        "delete-password",
        "password",
    ),
    "import without a file": (
        lambda client: post_import(client, None),
        "#import",
        "file",
        "Choose a file to import",
    ),
    "import of bad JSON": (
        lambda client: post_import(client, b'{"entries": [}'),
        "#import",
        "file",
        "Nothing was imported",
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
def test_refused_form_comes_back_at_its_section_with_a_summary_on_top(app, user, refusal):
    submit, anchor, field_id, message = refusal
    here = sign_in(app)
    response = submit(here)
    # Post/Redirect/Get: the page with the message is a GET, so reloading it posts nothing.
    page = refused_page(here, response, anchor)
    summary = page.select_one("main .error-summary")
    assert summary["role"] == "alert"
    # The summary comes first in the page, before any section, and links to the field.
    assert summary.find_previous("section") is None
    link = summary.select_one(f'a[href="#{field_id}"]')
    assert message in link.get_text()
    field = page.select_one(f"#{field_id}")
    assert field["aria-invalid"] == "true"
    assert field.find_parent("section")["id"] == anchor.removeprefix("#")
    assert message in page.select_one(f"#{field_id}-error").get_text()
    # The messages are shown once: reloading the page shows it clean.
    again = BeautifulSoup(text_of(here.get("/account")), "html.parser")
    assert again.select_one(".error-summary") is None
    assert again.select_one(".errors") is None
    assert count(app, User) == 1


def test_account_page_ids_are_unique(app, user):
    here = sign_in(app)
    page = BeautifulSoup(text_of(here.get("/account")), "html.parser")
    # Every form's CSRF token is id="csrf_token" (Flask-WTF's hidden_tag); nothing links there.
    ids = [tag["id"] for tag in page.select("[id]") if tag["id"] != "csrf_token"]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("action", ["/account/password", "/account/delete"])
def test_password_forms_name_the_account_for_password_managers(app, user, action):
    here = sign_in(app)
    page = BeautifulSoup(text_of(here.get("/account")), "html.parser")
    form = page.select_one(f'form[action="{action}"]')
    username = form.select_one('input[name="username"]')
    assert username["autocomplete"] == "username"
    assert username["value"] == "alice"
    assert username.has_attr("hidden")
    assert form.select_one('input[type="password"]')
