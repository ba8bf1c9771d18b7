"""Password reset by mail, through a real SMTP server, and the attacks on its links."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from journal.blueprints.auth.routes import RESET_SENT
from journal.extensions import db
from journal.models import User, UserSession
from journal.services.password_reset import make_reset_token
from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    change_password,
    count,
    csrf_token,
    post_form,
    text_of,
)

LINK_RE = re.compile(r"https?://\S+/reset-password/\S+")


@pytest.fixture
def mail_app(smtp, app_factory, monkeypatch) -> Flask:
    """The app sending mail to the test SMTP server, with links under a public address."""
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example")
    return app_factory()


@pytest.fixture
def mail_client(mail_app: Flask) -> FlaskClient:
    return mail_app.test_client()


def ask_for_link(client: FlaskClient, email: str = "alice@example.org"):
    return post_form(client, "/reset-password", email=email)


def mail_received(smtp, number: int = 1):
    """The ``number``-th message the SMTP server got (mail goes out in the background)."""
    deadline = time.monotonic() + 10
    while len(smtp.messages) < number and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(smtp.messages) >= number, "no mail arrived within 10 seconds"
    return smtp.messages[number - 1]


def link_from(message) -> str:
    match = LINK_RE.search(message.get_content())
    assert match, message.get_content()
    return match.group(0)


def path_of(link: str) -> str:
    return link.removeprefix("https://journal.example")


def choose(client: FlaskClient, path: str, password: str = NEW_PASSWORD):
    return post_form(client, path, password=password, password2=password)


def test_reset_mails_a_public_link_that_sets_a_new_password(mail_app, mail_client, smtp, user):
    response = ask_for_link(mail_client)
    assert response.status_code == 302
    message = mail_received(smtp)
    assert message["To"] == "alice@example.org"
    link = link_from(message)
    assert link.startswith("https://journal.example/reset-password/")

    page = mail_client.get(path_of(link))
    assert page.status_code == 200
    response = choose(mail_client, path_of(link))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Your password is changed" in text_of(mail_client.get("/login"))

    old = post_form(mail_client, "/login", username="alice", password=PASSWORD)
    assert old.status_code == 422
    new = post_form(mail_client, "/login", username="alice", password=NEW_PASSWORD)
    assert new.status_code == 302


def test_link_ignores_the_host_header(mail_app, mail_client, smtp, user):
    page = mail_client.get("/reset-password", base_url="http://evil.example")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text_of(page)).group(1)
    response = mail_client.post(
        "/reset-password",
        data={"email": "alice@example.org", "csrf_token": token},
        base_url="http://evil.example",
    )
    assert response.status_code == 302
    assert "evil.example" not in mail_received(smtp).get_content()
    assert link_from(mail_received(smtp)).startswith("https://journal.example/")


def test_answer_is_the_same_for_known_and_unknown_addresses(mail_app, smtp, user):
    answers = []
    for email in ("alice@example.org", "nobody@example.org", "not an address@"):
        client = mail_app.test_client()
        response = ask_for_link(client, email)
        follow = client.get(response.headers.get("Location", "/reset-password"))
        answers.append(
            (response.status_code, response.headers.get("Location"), RESET_SENT in text_of(follow))
        )
    assert answers[0] == answers[1] == (302, "/login", True)
    mail_received(smtp)
    time.sleep(0.3)
    assert len(smtp.messages) == 1  # only the real account got mail


def test_link_works_once(mail_app, mail_client, smtp, user):
    ask_for_link(mail_client)
    path = path_of(link_from(mail_received(smtp)))
    assert choose(mail_client, path).status_code == 302
    again = mail_app.test_client()
    response = again.get(path)
    assert response.status_code == 400
    assert "Mail me a new link" in text_of(response)


def test_link_expires_after_an_hour(mail_app, mail_client, smtp, user):
    ask_for_link(mail_client)
    path = path_of(link_from(mail_received(smtp)))
    later = datetime.now(UTC) + timedelta(hours=1, seconds=5)
    with time_machine.travel(later):
        assert mail_client.get(path).status_code == 400
    with time_machine.travel(later - timedelta(seconds=30)):
        assert mail_client.get(path).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "not-a-token",
        lambda token: token.split(".")[0] + ".AAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBB",
    ],
    ids=["changed-signature", "garbage", "forged-parts"],
)
def test_forged_token_is_400_and_changes_nothing(mail_app, mail_client, user, mangle):
    with mail_app.app_context():
        token = make_reset_token(db.session.get(User, user.id))
    path = f"/reset-password/{mangle(token)}"
    assert mail_client.get(path).status_code == 400
    response = mail_client.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "csrf_token": csrf_token(mail_client, "/reset-password"),
        },
    )
    assert response.status_code == 400
    with mail_app.app_context():
        assert db.session.get(User, user.id).password_hash == user.password_hash


def test_token_signed_with_another_key_is_refused(app_factory, user):
    other = app_factory(SECRET_KEY="another key entirely, long enough to be real")
    with other.app_context():
        token = make_reset_token(db.session.get(User, user.id))
    app = app_factory()
    assert app.test_client().get(f"/reset-password/{token}").status_code == 400


def test_token_of_another_account_changes_only_that_account(mail_app, mail_client, make_user, smtp):
    alice = make_user("alice")
    bob = make_user("bob")
    ask_for_link(mail_client, "bob@example.org")
    path = path_of(link_from(mail_received(smtp)))
    signed = mail_app.test_client()
    post_form(signed, "/login", username="alice", password=PASSWORD)
    # Signed-in alice is sent to her own account page, not into bob's reset.
    assert signed.get(path).status_code == 302
    assert choose(mail_client, path).status_code == 302
    with mail_app.app_context():
        assert db.session.get(User, alice.id).password_hash == alice.password_hash
        assert db.session.get(User, bob.id).password_hash != bob.password_hash


def test_token_dies_when_the_password_changes(mail_app, mail_client, smtp, user):
    ask_for_link(mail_client)
    path = path_of(link_from(mail_received(smtp)))
    signed = mail_app.test_client()
    post_form(signed, "/login", username="alice", password=PASSWORD)
    assert change_password(signed).status_code == 302
    assert mail_client.get(path).status_code == 400


def test_reset_ends_every_session(mail_app, mail_client, smtp, user):
    elsewhere = mail_app.test_client()
    post_form(elsewhere, "/login", username="alice", password=PASSWORD)
    assert elsewhere.get("/account").status_code == 200
    ask_for_link(mail_client)
    choose(mail_client, path_of(link_from(mail_received(smtp))))
    assert count(mail_app, UserSession) == 0
    assert elsewhere.get("/account").status_code == 302


@pytest.mark.parametrize(
    ("password", "password2", "message"),
    [
        ("short", "short", "at least 8"),
        ("password123", "password123", "too common"),
        ("alice", "alice", "at least 8"),
        (NEW_PASSWORD, "something else", "passwords differ"),
    ],
)
def test_new_password_follows_the_policy(
    mail_app, mail_client, smtp, user, password, password2, message
):
    ask_for_link(mail_client)
    path = path_of(link_from(mail_received(smtp)))
    response = post_form(mail_client, path, password=password, password2=password2)
    assert response.status_code == 422
    assert message in text_of(response)
    with mail_app.app_context():
        assert db.session.get(User, user.id).password_hash == user.password_hash
    assert mail_client.get(path).status_code == 200  # the link still works


def test_without_a_mail_server_the_message_goes_to_the_log(app, client, user, caplog):
    caplog.set_level("INFO", logger="journal.services.mailer")
    assert app.config["MAIL_LOG_ONLY"] and app.config["MAIL_SUPPRESS_SEND"]
    ask_for_link(client)
    assert "/reset-password/" in caplog.text
    assert "alice@example.org" in caplog.text


def test_signed_in_user_is_sent_to_the_account_page(signed_in):
    response = signed_in.get("/reset-password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize(
    "payload",
    [["not", "a", "dict"], {"user": "1", "hash": "x"}, {"user": 1}, {"user": 999, "hash": "x"}],
    ids=["list", "user-as-text", "no-hash", "no-such-user"],
)
def test_signed_token_with_a_wrong_payload_is_refused(mail_app, mail_client, user, payload):
    """Even correctly signed tokens are checked: a leaked key must not mint any-user links."""
    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(mail_app.config["SECRET_KEY"], salt="password-reset")
    assert mail_client.get(f"/reset-password/{serializer.dumps(payload)}").status_code == 400


def test_production_without_a_mail_server_logs_no_link(app_factory, monkeypatch, user, caplog):
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example")
    caplog.set_level("INFO", logger="journal.services.mailer")
    client = app_factory("production").test_client()
    assert ask_for_link(client).status_code == 302
    assert "MAIL_SERVER is not set" in caplog.text
    assert "/reset-password/" not in caplog.text


def test_unreachable_mail_server_is_logged_and_the_answer_is_the_same(
    app_factory, monkeypatch, user, caplog
):
    from tests.servers import free_port

    monkeypatch.setenv("MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("MAIL_PORT", str(free_port()))  # nothing listens there
    caplog.set_level("INFO", logger="journal.services.mailer")
    response = ask_for_link(app_factory().test_client())
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    deadline = time.monotonic() + 10
    while "could not be sent" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "could not be sent" in caplog.text


@pytest.mark.parametrize(
    ("max_age", "words"), [(3600, "within 1 hour;"), (5400, "within 90 minutes;")]
)
def test_mail_says_how_long_the_link_works_in_words(
    app_factory, monkeypatch, smtp, user, max_age, words
):
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example")
    app = app_factory(PASSWORD_RESET_MAX_AGE=max_age)
    ask_for_link(app.test_client())
    text = mail_received(smtp).get_content()
    assert words in text
    assert "(s)" not in text


def test_new_password_form_names_the_account_for_password_managers(
    mail_app, mail_client, smtp, user
):
    ask_for_link(mail_client)
    page = BeautifulSoup(
        text_of(mail_client.get(path_of(link_from(mail_received(smtp))))), "html.parser"
    )
    username = page.select_one('form input[name="username"]')
    assert username["autocomplete"] == "username"
    assert username["value"] == "alice"
    assert username.has_attr("hidden")
