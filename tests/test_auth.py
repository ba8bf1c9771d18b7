"""Registration, sign-in and sign-out through the real forms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from journal.extensions import db
from journal.models import User, UserSession
from journal.services.passwords import check_password
from tests.conftest import AuthActions
from tests.helpers import PASSWORD, count, csrf_token, post_form, text_of

NEW_PASSWORD = "correct horse battery staple"


def register(client: FlaskClient, **fields: str) -> object:
    """Post the registration form with sensible defaults for the fields not given."""
    data = {
        "username": "bob",
        "email": "bob@example.org",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(fields)
    return post_form(client, "/register", **data)


def signed_in_as(client: FlaskClient) -> str | None:
    """The name the navigation shows for the signed-in user, or ``None`` when signed out."""
    soup = BeautifulSoup(text_of(client.get("/")), "html.parser")
    name = soup.select_one(".nav-user")
    return name.get_text(strip=True) if name else None


def form_errors(response: object) -> list[str]:
    """The messages shown above a form and beside its fields."""
    soup = BeautifulSoup(text_of(response), "html.parser")  # type: ignore[arg-type]
    return [node.get_text(" ", strip=True) for node in soup.select(".form-errors p, .errors li")]


# --- registration ----------------------------------------------------------------------


def test_register_page_shows_the_form(client: FlaskClient) -> None:
    response = client.get("/register")
    assert response.status_code == 200
    soup = BeautifulSoup(text_of(response), "html.parser")
    names = {field["name"] for field in soup.select("form input")}
    assert {"csrf_token", "username", "email", "password", "password2"} <= names


def test_register_creates_the_account_and_signs_it_in(app: Flask, client: FlaskClient) -> None:
    response = register(client, username="Bob", email="Bob@Example.org")
    assert response.status_code == 302
    assert response.location == "/"
    page = client.get("/")
    assert "Welcome, Bob! Your journal is ready." in text_of(page)
    assert signed_in_as(client) == "Bob"
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.username, user.username_key) == ("Bob", "bob")
        assert (user.email, user.email_key) == ("Bob@example.org", "bob@example.org")
        assert NEW_PASSWORD not in user.password_hash
        assert check_password(user.password_hash, NEW_PASSWORD)
        assert db.session.scalar(select(UserSession.user_id)) == user.id


# One row per rule: the fields that differ from a valid registration, the field that
# complains and (part of) its message. alice@example.org / "alice" exist already.
REGISTRATION_RULES = [
    pytest.param({"username": ""}, "username", "This field is required.", id="username-missing"),
    pytest.param({"username": "ab"}, "username", "between 3 and 32", id="username-too-short"),
    pytest.param({"username": "a" * 33}, "username", "between 3 and 32", id="username-too-long"),
    pytest.param({"username": " ab "}, "username", "Use 3-32 letters", id="username-short-trimmed"),
    pytest.param({"username": "bob smith"}, "username", "Use 3-32 letters", id="username-space"),
    pytest.param({"username": "bob!"}, "username", "Use 3-32 letters", id="username-punctuation"),
    pytest.param({"username": "bøb"}, "username", "Use 3-32 letters", id="username-not-ascii"),
    pytest.param({"username": "alice"}, "username", "already taken", id="username-taken"),
    pytest.param({"username": "ALICE"}, "username", "already taken", id="username-taken-case"),
    pytest.param({"email": ""}, "email", "This field is required.", id="email-missing"),
    pytest.param({"email": "bob"}, "email", "must have an @-sign", id="email-no-at"),
    pytest.param({"email": "bob@"}, "email", "There must be something after", id="email-no-host"),
    pytest.param({"email": "bob@example"}, "email", "not valid", id="email-no-dot"),
    pytest.param({"email": "b ob@example.org"}, "email", "invalid characters", id="email-space"),
    pytest.param({"email": "alice@example.org"}, "email", "already exists", id="email-taken"),
    pytest.param({"email": "ALICE@EXAMPLE.ORG"}, "email", "already exists", id="email-taken-case"),
    pytest.param({"password": "", "password2": ""}, "password", "required", id="password-missing"),
    pytest.param(
        {"password": "x7#kQ2!", "password2": "x7#kQ2!"},
        "password",
        "at least 8 characters",
        id="password-7-chars",
    ),
    pytest.param(
        {"password": "x" * 257, "password2": "x" * 257},
        "password",
        "longer than 256",
        id="password-257-chars",
    ),
    pytest.param(
        {"password": "password123", "password2": "password123"},
        "password",
        "too common",
        id="password-common",
    ),
    pytest.param(
        {"password": "Qwertyuiop", "password2": "Qwertyuiop"},
        "password",
        "too common",
        id="password-common-other-case",
    ),
    pytest.param(
        {"username": "harbourmaster", "password": "HarbourMaster", "password2": "HarbourMaster"},
        "password",
        "must not be your username",
        id="password-is-username",
    ),
    pytest.param(
        {"password2": NEW_PASSWORD + "!"},
        "password2",
        "The passwords differ.",
        id="passwords-differ",
    ),
]


@pytest.mark.parametrize(("fields", "field", "message"), REGISTRATION_RULES)
def test_register_refuses_input_that_breaks_a_rule(
    app: Flask,
    client: FlaskClient,
    user: User,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = register(client, **fields)
    assert response.status_code == 422
    soup = BeautifulSoup(text_of(response), "html.parser")
    errors = soup.select_one(f"#{field}-error")
    assert errors is not None, f"no message beside {field}"
    assert message in errors.get_text(" ", strip=True)
    assert soup.select_one(f"#{field}")["aria-invalid"] == "true"
    assert count(app, User) == 1
    assert count(app, UserSession) == 0
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"password": "k3v!q9zp", "password2": "k3v!q9zp"}, id="password-8-chars"),
        pytest.param({"password": "y" * 256, "password2": "y" * 256}, id="password-256-chars"),
        pytest.param({"username": "abc"}, id="username-3-chars"),
        pytest.param({"username": "a" * 32}, id="username-32-chars"),
        pytest.param({"username": "b.o_b-1"}, id="username-all-allowed-characters"),
    ],
)
def test_register_accepts_the_bounds(
    app: Flask, client: FlaskClient, fields: dict[str, str]
) -> None:
    response = register(client, **fields)
    assert response.status_code == 302
    assert count(app, User) == 1


def test_register_reports_every_broken_rule_at_once(app: Flask, client: FlaskClient) -> None:
    response = register(
        client, username="b!b", email="nope", password="password", password2="password"
    )
    assert response.status_code == 422
    messages = " ".join(form_errors(response))
    assert "Use 3-32 letters" in messages
    assert "@-sign" in messages
    assert "too common" in messages
    assert count(app, User) == 0


def test_register_without_csrf_token_is_400_and_saves_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/register",
        data={"username": "bob", "email": "bob@example.org", "password": NEW_PASSWORD,
              "password2": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 400
    assert "This form had expired" in text_of(response)
    assert count(app, User) == 0


def test_signed_in_user_visiting_register_goes_to_the_main_page(signed_in: FlaskClient) -> None:
    response = signed_in.get("/register")
    assert response.status_code == 302
    assert response.location == "/"


# --- signing in ------------------------------------------------------------------------


def test_login_page_shows_the_form(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    soup = BeautifulSoup(text_of(response), "html.parser")
    names = {field["name"] for field in soup.select("form input")}
    assert {"csrf_token", "username", "password", "remember_me"} <= names


def test_login_page_starts_in_its_first_field(client: FlaskClient) -> None:
    soup = BeautifulSoup(text_of(client.get("/login")), "html.parser")
    focused = soup.select("[autofocus]")
    assert [field["name"] for field in focused] == ["username"]
    assert focused[0] == soup.select_one("main form input:not([type=hidden])")


@pytest.mark.parametrize(
    "login", ["alice", "ALICE", " alice ", "alice@example.org", "Alice@Example.ORG"]
)
def test_login_with_username_or_email_in_any_case(
    app: Flask, client: FlaskClient, auth: AuthActions, user: User, login: str
) -> None:
    response = auth.login(username=login)
    assert response.status_code == 302
    assert response.location == "/"
    assert "Signed in as alice." in text_of(client.get("/"))
    assert signed_in_as(client) == "alice"
    with app.app_context():
        session = db.session.scalars(select(UserSession)).one()
        assert session.user_id == user.id
        assert session.user_agent.startswith("Werkzeug/")


@pytest.mark.parametrize(
    ("login", "password"),
    [
        pytest.param("nobody", PASSWORD, id="unknown-user"),
        pytest.param("nobody@example.org", PASSWORD, id="unknown-email"),
        pytest.param("alice", PASSWORD + "x", id="wrong-password"),
        pytest.param("alice@example.org", PASSWORD.upper(), id="wrong-password-case"),
    ],
)
def test_login_failure_says_the_same_for_unknown_user_and_wrong_password(
    app: Flask, client: FlaskClient, auth: AuthActions, user: User, login: str, password: str
) -> None:
    response = auth.login(username=login, password=password)
    assert response.status_code == 422
    assert form_errors(response) == ["Unknown username or email, or wrong password."]
    assert signed_in_as(client) is None
    assert count(app, UserSession) == 0


def test_login_failure_pages_are_identical_for_unknown_user_and_wrong_password(
    app: Flask, user: User
) -> None:
    pages = []
    for login in ("nobody", "alice"):
        client = app.test_client()
        response = post_form(client, "/login", username=login, password="not the password")
        soup = BeautifulSoup(text_of(response), "html.parser")
        for token in soup.select('input[name="csrf_token"]'):
            token["value"] = ""
        soup.select_one("#username")["value"] = ""
        pages.append((response.status_code, str(soup)))
    assert pages[0] == pages[1]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"username": ""}, id="username-missing"),
        pytest.param({"password": ""}, id="password-missing"),
    ],
)
def test_login_with_an_empty_field_signs_nobody_in(
    client: FlaskClient, auth: AuthActions, user: User, fields: dict[str, str]
) -> None:
    response = auth.login(**fields)
    assert response.status_code == 422
    assert "This field is required." in form_errors(response)
    assert signed_in_as(client) is None


@pytest.mark.parametrize("target", ["/entry", "/entries/7?x=1", "/?page=2"])
def test_login_follows_a_relative_next(
    client: FlaskClient, auth: AuthActions, user: User, target: str
) -> None:
    form_page = client.get("/login", query_string={"next": target})
    soup = BeautifulSoup(text_of(form_page), "html.parser")
    action = soup.select_one("form[action^='/login']")["action"]
    response = post_form(client, action, form_page=action, username="alice", password=PASSWORD)
    assert response.status_code == 302
    assert response.location == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_login_ignores_a_next_that_leaves_the_site(
    client: FlaskClient, auth: AuthActions, user: User, target: str
) -> None:
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_signed_in_user_visiting_login_follows_next(signed_in: FlaskClient) -> None:
    assert signed_in.get("/login").location == "/"
    assert signed_in.get("/login?next=/entry").location == "/entry"
    assert signed_in.get("/login?next=//evil.example").location == "/"


def test_signing_in_starts_a_fresh_session(app: Flask, client: FlaskClient, user: User) -> None:
    token = csrf_token(client, "/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = client.get_cookie("session").value
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != token
    assert client.get_cookie("session").value != before
    # The token of the form shown before signing in no longer counts.
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 400
    assert signed_in_as(client) == "alice"


def test_without_remember_me_no_remember_cookie_is_set(
    client: FlaskClient, auth: AuthActions, user: User
) -> None:
    auth.login()
    assert client.get_cookie("remember_token") is None


def test_remember_me_keeps_the_browser_signed_in_after_the_session_cookie_is_gone(
    app: Flask, client: FlaskClient, auth: AuthActions, user: User
) -> None:
    auth.login(remember_me="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None
    assert remember.http_only
    assert remember.expires is not None
    # A browser restarted: only the persistent remember-me cookie survives.
    browser = app.test_client()
    browser.set_cookie("remember_token", remember.value)
    assert signed_in_as(browser) == "alice"


def this_session_id(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(UserSession.id)))


SIGN_OUTS: dict[str, Callable[[Flask, FlaskClient], TestResponse]] = {
    "sign-out button": lambda app, client: post_form(client, "/logout"),
    "this device on the account page": lambda app, client: post_form(
        client, f"/account/sessions/{this_session_id(app)}/delete", form_page="/account"
    ),
    "account deletion": lambda app, client: post_form(
        client, "/account/delete", form_page="/account", password=PASSWORD
    ),
}


@pytest.mark.parametrize("sign_out", SIGN_OUTS.values(), ids=SIGN_OUTS.keys())
def test_signing_out_deletes_the_remember_me_cookie(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    user: User,
    sign_out: Callable[[Flask, FlaskClient], TestResponse],
) -> None:
    auth.login(remember_me="y")
    assert client.get_cookie("remember_token") is not None
    response = sign_out(app, client)
    assert response.status_code == 302
    expired = [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("remember_token=;")
    ]
    assert len(expired) == 1
    assert "Expires=Thu, 01 Jan 1970" in expired[0]
    assert client.get_cookie("remember_token") is None
    assert signed_in_as(client) is None


# --- signing out -----------------------------------------------------------------------


def test_logout_page_shows_a_button_that_posts(signed_in: FlaskClient) -> None:
    response = signed_in.get("/logout")
    assert response.status_code == 200
    soup = BeautifulSoup(text_of(response), "html.parser")
    form = soup.select_one("main form")
    assert form["method"] == "post"
    assert form["action"] == "/logout"
    assert form.select_one('input[name="csrf_token"]')
    # Showing the button changed nothing.
    assert signed_in_as(signed_in) == "alice"


def test_logout_page_asks_a_signed_out_visitor_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/logout")
    assert response.status_code == 302
    assert response.location == "/login?next=/logout"


def test_logout_ends_the_session(app: Flask, signed_in: FlaskClient, auth: AuthActions) -> None:
    response = auth.logout()
    assert response.status_code == 302
    assert response.location == "/"
    assert "You are signed out." in text_of(signed_in.get("/"))
    assert signed_in_as(signed_in) is None
    assert count(app, UserSession) == 0


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_a_copy_of_a_sign_in_cookie_is_useless_after_logout(
    app: Flask, client: FlaskClient, auth: AuthActions, user: User, cookie: str
) -> None:
    auth.login(remember_me="y")
    copy = client.get_cookie(cookie).value
    thief = app.test_client()
    thief.set_cookie(cookie, copy)
    assert signed_in_as(thief) == "alice"  # the copy works while the session lasts
    auth.logout()
    later = app.test_client()
    later.set_cookie(cookie, copy)
    assert signed_in_as(later) is None
    assert later.get("/entry").status_code == 302


def test_logout_ends_only_this_browsers_session(app: Flask, user: User) -> None:
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login()
    AuthActions(second).login()
    AuthActions(first).logout()
    assert signed_in_as(first) is None
    assert signed_in_as(second) == "alice"
    assert count(app, UserSession) == 1


def test_a_protected_page_with_a_query_comes_back_after_sign_in(
    client: FlaskClient, user: User
) -> None:
    response = client.get("/logout?from=menu")
    assert response.status_code == 302
    assert response.location == "/login?next=/logout%3Ffrom%3Dmenu"
    response = post_form(client, response.location, username="alice", password=PASSWORD)
    assert response.location == "/logout?from=menu"


# --- cookies ---------------------------------------------------------------------------


def set_cookies(response: object) -> dict[str, str]:
    """Each cookie the response sets, by name, with its attributes as sent."""
    headers = response.headers.getlist("Set-Cookie")
    return {header.split("=", 1)[0]: header for header in headers}


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(
    client: FlaskClient, auth: AuthActions, user: User
) -> None:
    cookies = set_cookies(auth.login(remember_me="y"))
    for name in ("session", "remember_token"):
        assert "; HttpOnly" in cookies[name]
        assert "; SameSite=Lax" in cookies[name]
        assert "; Secure" not in cookies[name]


def test_production_cookies_are_secure(
    app_factory: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, user: User
) -> None:
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example")
    client = app_factory("production").test_client()
    response = post_form(client, "/login", username="alice", password=PASSWORD, remember_me="y")
    assert response.status_code == 302
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        assert "; Secure" in cookies[name]
        assert "; HttpOnly" in cookies[name]


def test_a_failed_login_keeps_next_for_the_second_try(
    client: FlaskClient, auth: AuthActions, user: User
) -> None:
    first = post_form(
        client, "/login?next=/entry", form_page="/login", username="alice", password="wrong"
    )
    assert first.status_code == 422
    action = BeautifulSoup(text_of(first), "html.parser").select_one("main form")["action"]
    assert action == "/login?next=/entry"
    second = post_form(client, action, form_page="/login", username="alice", password=PASSWORD)
    assert second.location == "/entry"
