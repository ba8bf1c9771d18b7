"""Rate limits: guessing passwords, asking for reset mail and registering all hit a 429."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from journal.models import Entry, User
from journal.wording import in_words
from tests.helpers import PASSWORD, count, post_form, text_of

WRONG = "certainly not the password"


def fail_login(client, username="alice", address="203.0.113.1"):
    client.environ_base["REMOTE_ADDR"] = address
    return post_form(client, "/login", username=username, password=WRONG)


def login(client, username="alice", password=PASSWORD, address="203.0.113.1"):
    client.environ_base["REMOTE_ADDR"] = address
    return post_form(client, "/login", username=username, password=password)


def test_sixth_failed_login_for_an_account_is_429_even_with_the_right_password(app, user):
    # Each attempt from another address: only the per-account limit can stop them.
    for n in range(5):
        assert fail_login(app.test_client(), address=f"198.51.100.{n}").status_code == 422
    response = login(app.test_client(), address="198.51.100.99")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too Many Requests" in text_of(response)
    # The same account named by its email address counts together.
    assert login(app.test_client(), "ALICE@example.org", address="198.51.100.98").status_code == 429


def test_successful_logins_do_not_count(app, user):
    for _ in range(8):
        assert login(app.test_client()).status_code == 302


def test_limit_is_per_account(app, make_user):
    make_user("alice")
    make_user("bob")
    for n in range(6):
        fail_login(app.test_client(), address=f"198.51.100.{n}")
    assert login(app.test_client(), "bob", address="198.51.100.50").status_code == 302


def test_twenty_first_failure_from_one_address_is_429(app, make_user):
    make_user("alice")
    client = app.test_client()
    for n in range(20):
        assert fail_login(client, username=f"nobody{n}").status_code == 422
    assert login(client).status_code == 429
    # Another address is not affected.
    assert login(app.test_client(), address="192.0.2.7").status_code == 302


def test_limits_are_settings(app_factory, user):
    app = app_factory(RATELIMIT_LOGIN_PER_ACCOUNT="2 per minute")
    for _ in range(2):
        fail_login(app.test_client())
    assert login(app.test_client()).status_code == 429


def test_reset_requests_are_limited_per_address(app_factory, user):
    app = app_factory(RATELIMIT_RESET_PER_ADDRESS="3 per hour")
    client = app.test_client()
    for _ in range(3):
        assert post_form(client, "/reset-password", email="nobody@example.org").status_code == 302
    response = post_form(client, "/reset-password", email="alice@example.org")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_registrations_are_limited_per_address(app_factory):
    app = app_factory(RATELIMIT_REGISTER_PER_ADDRESS="2 per hour")
    for n in range(3):
        client = app.test_client()
        response = post_form(
            client,
            "/register",
            username=f"user{n}",
            email=f"u{n}@example.org",
            password=PASSWORD,
            password2=PASSWORD,
        )
    assert response.status_code == 429
    assert count(app, User) == 2


def test_memory_counts_start_afresh_with_each_app(app_factory, user):
    first = app_factory()
    for n in range(5):
        fail_login(first.test_client(), address=f"198.51.100.{n}")
    second = app_factory()
    assert login(second.test_client()).status_code == 302


@pytest.mark.slow
def test_two_app_instances_sharing_redis_count_together(app_factory, monkeypatch, redis_url, user):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", redis_url)
    first = app_factory()
    for n in range(3):
        assert fail_login(first.test_client(), address=f"198.51.100.{n}").status_code == 422
    # A second instance opens its own connection to the same Redis: with memory storage it
    # would start from zero (see the test above); with Redis it sees the first one's count.
    second = app_factory()
    assert second.config["RATELIMIT_STORAGE_URI"] == redis_url
    for n in range(2):
        assert fail_login(second.test_client(), address=f"198.51.100.{10 + n}").status_code == 422
    assert login(second.test_client(), address="198.51.100.99").status_code == 429
    assert login(first.test_client(), address="198.51.100.98").status_code == 429


def register(client, username, password=PASSWORD, email=None, address="203.0.113.7"):
    client.environ_base["REMOTE_ADDR"] = address
    return post_form(
        client,
        "/register",
        username=username,
        email=email or f"{username}@example.org",
        password=password,
        password2=password,
    )


@pytest.mark.parametrize(
    ("username", "password", "email"),
    [
        ("shorty", "short", None),  # password too short
        ("alice", PASSWORD, None),  # name taken
        ("someone", PASSWORD, "alice@example.org"),  # address taken
    ],
    ids=["short-password", "taken-name", "taken-email"],
)
def test_refused_registrations_do_not_count_towards_the_limit(
    app_factory, user, username, password, email
):
    app = app_factory(RATELIMIT_REGISTER_PER_ADDRESS="2 per hour")
    for _ in range(5):
        assert register(app.test_client(), username, password, email).status_code == 422
    assert register(app.test_client(), "newcomer").status_code == 302
    assert register(app.test_client(), "second").status_code == 302
    assert count(app, User) == 3


def test_a_limited_registration_keeps_the_form_and_says_how_long_to_wait(app_factory):
    app = app_factory(RATELIMIT_REGISTER_PER_ADDRESS="2 per hour")
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=False) as clock:
        for name in ("first", "second"):
            assert register(app.test_client(), name).status_code == 302
        clock.shift(timedelta(minutes=18))
        response = register(app.test_client(), "Carol", email="carol@example.org")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = BeautifulSoup(text_of(response), "html.parser")
    assert "Try again in 42 minutes." in page.get_text()
    assert page.find("input", {"name": "username"})["value"] == "Carol"
    assert page.find("input", {"name": "email"})["value"] == "carol@example.org"
    for name in ("password", "password2"):
        assert page.find("input", {"name": name}).get("value") in (None, "")
    assert PASSWORD not in text_of(response)
    assert count(app, User) == 2


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.2, "1 second"),
        (40, "40 seconds"),
        (61, "2 minutes"),
        (42 * 60, "42 minutes"),
        (3599, "1 hour"),
        (3600, "1 hour"),
        (2 * 3600 + 50, "121 minutes"),  # never said shorter than it is
    ],
)
def test_waits_are_said_in_words(seconds, words):
    assert in_words(seconds) == words


def test_429_page_says_how_long_to_wait_in_words(app, user):
    for n in range(5):
        fail_login(app.test_client(), address=f"198.51.100.{n}")
    response = login(app.test_client(), address="198.51.100.99")
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60
    said = re.search(r"You can try again in (\d+) (seconds?|minute)\.", text_of(response))
    assert said, text_of(response)
    # The header is written a moment after the page: a second may have passed.
    in_seconds = int(said.group(1)) * (60 if said.group(2) == "minute" else 1)
    assert abs(in_seconds - seconds) <= 1


def test_429_page_for_an_hourly_limit_says_minutes_or_hours(app_factory, user):
    app = app_factory(RATELIMIT_RESET_PER_ADDRESS="1 per hour")
    client = app.test_client()
    post_form(client, "/reset-password", email="nobody@example.org")
    response = post_form(client, "/reset-password", email="alice@example.org")
    assert response.status_code == 429
    assert 3500 < int(response.headers["Retry-After"]) <= 3600
    assert "You can try again in 1 hour." in text_of(response)


# --- one limiter for every password check: the sign-in form and POST /api/v1/tokens ------


def api_token(client, username="alice", password=PASSWORD, address="203.0.113.1"):
    client.environ_base["REMOTE_ADDR"] = address
    basic = base64.b64encode(f"{username}:{password}".encode()).decode()
    return client.post("/api/v1/tokens", headers={"Authorization": f"Basic {basic}"})


def assert_sign_ins_limited(app, address="198.51.100.99"):
    """The right password is refused on both ways in, each in its own format."""
    page = login(app.test_client(), address=address)
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    api = api_token(app.test_client(), address=address)
    assert api.status_code == 429
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["status"] == 429
    assert int(api.headers["Retry-After"]) > 0


@pytest.mark.parametrize(("on_the_web", "through_the_api"), [(5, 0), (4, 1), (1, 4), (0, 5)])
def test_failed_passwords_count_together_per_account(app, user, on_the_web, through_the_api):
    addresses = (f"198.51.100.{n}" for n in range(10))
    for _ in range(on_the_web):
        assert fail_login(app.test_client(), address=next(addresses)).status_code == 422
    for _ in range(through_the_api):
        response = api_token(app.test_client(), password=WRONG, address=next(addresses))
        assert response.status_code == 401
    assert_sign_ins_limited(app)
    # Another account is not affected.
    assert api_token(app.test_client(), "bob", address="198.51.100.97").status_code == 401


def test_failed_passwords_count_together_per_address(app_factory, make_user):
    app = app_factory(API_TOKEN_RATE_LIMIT="100 per minute")
    make_user("alice")
    client = app.test_client()
    for n in range(10):
        assert fail_login(client, username=f"nobody{n}").status_code == 422
        response = api_token(client, username=f"noone{n}", password=WRONG)
        assert response.status_code == 401
    assert_sign_ins_limited(app, address="203.0.113.1")
    assert api_token(app.test_client(), address="192.0.2.7").status_code == 201


def test_the_api_accepts_the_email_address_as_the_same_account(app, user):
    for n in range(5):
        response = api_token(app.test_client(), "Alice@Example.org", WRONG, f"198.51.100.{n}")
        assert response.status_code == 401
    assert_sign_ins_limited(app)


def test_tokens_asked_for_with_the_right_password_do_not_count(app_factory, user):
    app = app_factory(API_TOKEN_RATE_LIMIT="100 per minute")
    for _ in range(8):
        assert api_token(app.test_client()).status_code == 201
    assert login(app.test_client()).status_code == 302


@pytest.mark.slow
def test_web_and_api_failures_count_together_across_instances_in_redis(
    app_factory, monkeypatch, redis_url, user
):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", redis_url)
    first, second = app_factory(), app_factory()
    for n in range(3):
        assert fail_login(first.test_client(), address=f"198.51.100.{n}").status_code == 422
    for n in range(2):
        response = api_token(second.test_client(), password=WRONG, address=f"198.51.100.{10 + n}")
        assert response.status_code == 401
    assert_sign_ins_limited(first)
    assert_sign_ins_limited(second, address="198.51.100.98")


# --- writing entries: per account, the writing form and the API together --------------------


def write_on_the_web(client, title="Limited day", body="Words I do not want to lose.", tags=""):
    return post_form(client, "/entry", title=title, body=body, tags=tags, visibility="private")


def write_through_the_api(client, token, title="Limited day"):
    return client.post(
        "/api/v1/entries",
        headers={"Authorization": f"Bearer {token}"},
        json={"title": title, "body": "Words."},
    )


def signed_in_client(app, username="alice"):
    client = app.test_client()
    assert post_form(client, "/login", username=username, password=PASSWORD).status_code == 302
    return client


def bearer_token(app, username="alice"):
    basic = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    response = app.test_client().post("/api/v1/tokens", headers={"Authorization": f"Basic {basic}"})
    return response.get_json()["token"]


def test_the_writing_form_is_limited_and_keeps_what_was_typed(app_factory, user):
    app = app_factory(ENTRY_WRITE_LIMIT="2 per minute")
    client = signed_in_client(app)
    assert [write_on_the_web(client).status_code for _ in range(2)] == [302, 302]
    response = write_on_the_web(client, "Third of the day", "A body typed with care.")
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60
    page = BeautifulSoup(text_of(response), "html.parser")
    assert page.select_one("input[name=title]")["value"] == "Third of the day"
    assert page.select_one("textarea[name=body]").get_text().strip() == "A body typed with care."
    assert re.search(r"wait (\d+ seconds?|1 minute), then save again", page.get_text(" "))
    assert count(app, Entry) == 2


def test_the_form_and_the_api_count_together_per_account(app_factory, make_user):
    app = app_factory(ENTRY_WRITE_LIMIT="3 per minute")
    make_user("alice")
    make_user("bob")
    client, token = signed_in_client(app), bearer_token(app)
    assert write_on_the_web(client).status_code == 302
    assert [write_through_the_api(app.test_client(), token).status_code for _ in range(2)] == [
        201,
        201,
    ]
    api = write_through_the_api(app.test_client(), token)
    assert api.status_code == 429
    assert api.mimetype == "application/problem+json"
    assert int(api.headers["Retry-After"]) > 0
    assert write_on_the_web(client).status_code == 429
    # Another account writes on.
    assert write_through_the_api(app.test_client(), bearer_token(app, "bob")).status_code == 201
    assert count(app, Entry) == 4


@pytest.mark.parametrize("refused", [{"title": ""}, {"title": "x" * 201}, {"tags": "Not A Tag!"}])
def test_entries_refused_for_their_content_do_not_count(app_factory, user, refused):
    app = app_factory(ENTRY_WRITE_LIMIT="2 per minute")
    client, token = signed_in_client(app), bearer_token(app)
    for _ in range(3):
        assert write_on_the_web(client, **{"title": "Day", **refused}).status_code == 422
        api = app.test_client().post(
            "/api/v1/entries",
            headers={"Authorization": f"Bearer {token}"},
            json={"title": "Day", "body": "Words.", **refused, "tags": [refused.get("tags", "ok")]},
        )
        assert api.status_code == 422
    assert write_through_the_api(app.test_client(), token).status_code == 201
    assert write_on_the_web(client).status_code == 302
    assert write_on_the_web(client).status_code == 429


def test_the_default_entry_limit_is_generous(app):
    assert app.config["ENTRY_WRITE_LIMIT"] == "60 per minute"


@pytest.mark.slow
def test_entry_limits_count_across_instances_in_redis(app_factory, monkeypatch, redis_url, user):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", redis_url)
    first = app_factory(ENTRY_WRITE_LIMIT="2 per minute")
    second = app_factory(ENTRY_WRITE_LIMIT="2 per minute")
    assert write_on_the_web(signed_in_client(first)).status_code == 302
    assert write_through_the_api(second.test_client(), bearer_token(second)).status_code == 201
    assert write_on_the_web(signed_in_client(first)).status_code == 429
    assert write_through_the_api(second.test_client(), bearer_token(second)).status_code == 429
