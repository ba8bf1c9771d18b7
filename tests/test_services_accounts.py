"""The account services: passwords, registration, sign-in and the sessions that can be ended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import event, insert, select

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.models import ApiToken, User, UserSession
from journal.services import accounts, passwords, tokens
from tests.helpers import PASSWORD, PASSWORD_HASH, count

START = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each Werkzeug hash check; the real check still runs and decides."""
    calls: list[str] = []
    real = passwords.check_password_hash

    def spy(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", spy)
    return calls


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for calling services directly (no requests are made in these tests)."""
    with app.app_context():
        yield


# --- passwords -------------------------------------------------------------------------


def test_check_password_without_a_hash_says_no(hash_checks: list[str]) -> None:
    assert passwords.check_password(None, PASSWORD) is False
    assert passwords.check_password(None, "journal-timing-equaliser") is False
    # It still spent a real hash check, on a hash of the same kind as a stored one.
    assert len(hash_checks) == 2
    assert hash_checks[0].split("$")[0] == PASSWORD_HASH.split("$")[0]


def test_check_password_against_a_hash() -> None:
    assert passwords.check_password(PASSWORD_HASH, PASSWORD) is True
    assert passwords.check_password(PASSWORD_HASH, PASSWORD + " ") is False


def test_hash_password_makes_a_salted_werkzeug_hash() -> None:
    first, second = (
        passwords.hash_password("s3cret-Phrase"),
        passwords.hash_password("s3cret-Phrase"),
    )
    assert first != second
    assert "s3cret-Phrase" not in first
    assert first.startswith(("scrypt:", "pbkdf2:"))
    assert passwords.check_password(first, "s3cret-Phrase")


@pytest.mark.parametrize(
    ("password", "username", "problems"),
    [
        ("k3v!q9z", "", ["Use at least 8 characters."]),
        ("k3v!q9zp", "", []),
        ("k" * 256, "", []),
        ("k" * 257, "", ["Use at most 256 characters."]),
        ("password", "", ["This password is too common; choose one that is hard to guess."]),
        ("PassWord", "", ["This password is too common; choose one that is hard to guess."]),
        ("harbourmaster", "HarbourMaster", ["The password must not be your username."]),
        (
            "qwertyuiop",
            "qwertyuiop",
            [
                "This password is too common; choose one that is hard to guess.",
                "The password must not be your username.",
            ],
        ),
    ],
)
def test_password_problems(password: str, username: str, problems: list[str]) -> None:
    assert passwords.password_problems(password, username) == problems


def test_the_common_password_list_ships_with_the_package() -> None:
    common = passwords.common_passwords()
    assert len(common) > 19_000
    assert {"password", "123456", "iloveyou"} <= common
    assert PASSWORD not in common


# --- registration ----------------------------------------------------------------------


def test_register_user_stores_normalised_keys_and_a_hash(app: Flask, ctx: None) -> None:
    user = accounts.register_user(
        accounts.Registration(username=" Bob ", email=" Bob@EXAMPLE.org ", password=PASSWORD)
    )
    assert (user.username, user.username_key) == ("Bob", "bob")
    assert (user.email, user.email_key) == ("Bob@example.org", "bob@example.org")
    assert passwords.check_password(user.password_hash, PASSWORD)
    assert user.created_at.tzinfo is UTC


def test_register_user_reports_every_field_at_once(
    app: Flask, ctx: None, make_user: Callable[..., User]
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        accounts.register_user(accounts.Registration("x", "not-an-address", "short"))
    assert set(failure.value.errors) == {"username", "email", "password"}
    assert "username: Use 3-32" in str(failure.value)
    assert count(app, User) == 0


# --- signing in ------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.org", " Alice@Example.ORG "])
def test_find_user_by_username_or_email(ctx: None, user: User, login: str) -> None:
    found = accounts.find_user(login)
    assert found is not None and found.id == user.id


@pytest.mark.parametrize("login", ["alic", "alice@example", "bob@example.org", ""])
def test_find_user_finds_nobody_for_other_names(ctx: None, user: User, login: str) -> None:
    assert accounts.find_user(login) is None


@pytest.mark.parametrize(
    ("login", "password", "signs_in"),
    [
        pytest.param("alice", PASSWORD, True, id="right"),
        pytest.param("alice@example.org", PASSWORD, True, id="right-by-email"),
        pytest.param("alice", "wrong password", False, id="wrong-password"),
        pytest.param("nobody", PASSWORD, False, id="unknown-user"),
        pytest.param("nobody@example.org", PASSWORD, False, id="unknown-email"),
    ],
)
def test_authenticate_costs_one_hash_check_whoever_asks(
    ctx: None, user: User, hash_checks: list[str], login: str, password: str, signs_in: bool
) -> None:
    found = accounts.authenticate(login, password)
    assert (found is not None and found.id == user.id) is signs_in
    assert len(hash_checks) == 1


# --- sessions --------------------------------------------------------------------------


def start(user: User, agent: str = "browser") -> str:
    """Start a session for ``user`` (re-read in this context); returns its token."""
    return accounts.start_session(db.session.get(User, user.id), agent)


def test_start_session_stores_only_a_hash_of_the_token(ctx: None, user: User) -> None:
    token = start(user, "A" * 300)
    record = db.session.scalars(select(UserSession)).one()
    assert token not in record.token_hash
    assert len(record.token_hash) == 64
    assert record.user_agent == "A" * 200
    loaded = accounts.load_session(token)
    assert loaded is not None and loaded.id == user.id
    assert loaded.get_id() == token


def test_load_session_refuses_an_unknown_token(ctx: None, user: User) -> None:
    start(user)
    assert accounts.load_session("made-up") is None


# A session and an API token stored before both kinds shared one hash function.
STORED_TOKEN = "kq3VYcY2lGmN3j7W0d0Vb6n0b0sB2CqfL5o1pZxq0aE"
STORED_HASH = "ab70fe3b39d9e10d625a97d8e45b0759568500507dae9d388cd3383436a631a9"


@pytest.mark.parametrize("model", [UserSession, ApiToken])
def test_tokens_stored_before_one_hash_function_still_work(
    ctx: None, user: User, model: type[UserSession] | type[ApiToken]
) -> None:
    extra = {"expires_at": START + timedelta(days=3650)} if model is ApiToken else {}
    db.session.execute(insert(model).values(token_hash=STORED_HASH, user_id=user.id, **extra))
    db.session.commit()
    if model is UserSession:
        found = accounts.load_session(STORED_TOKEN)
        assert found is not None and found.id == user.id
    else:
        owner = tokens.token_owner(STORED_TOKEN)
        assert owner is not None and owner[1].id == user.id


@pytest.mark.parametrize("forged", ["\ud800", "abc\udfff", ""])
def test_a_forged_token_finds_nobody_and_raises_nothing(ctx: None, user: User, forged: str) -> None:
    start(user)
    assert accounts.load_session(forged) is None
    assert tokens.token_owner(forged) is None


def test_using_a_session_keeps_it_alive_for_30_more_days(ctx: None, user: User) -> None:
    with time_machine.travel(START, tick=False):
        token = start(user)
    for days in (30, 59):
        with time_machine.travel(START + timedelta(days=days), tick=False):
            assert accounts.load_session(token) is not None
    with time_machine.travel(START + timedelta(days=89, seconds=1), tick=False):
        assert accounts.load_session(token) is None


def test_a_session_expires_30_days_after_it_was_last_used(ctx: None, user: User) -> None:
    with time_machine.travel(START, tick=False):
        token = start(user)
    with time_machine.travel(START + timedelta(days=30, seconds=1), tick=False):
        assert accounts.load_session(token) is None


def test_last_seen_is_written_at_most_every_5_minutes(app: Flask, user: User) -> None:
    def last_seen() -> datetime:
        with app.app_context():
            return db.session.scalar(select(UserSession.last_seen_at))

    with time_machine.travel(START, tick=False), app.app_context():
        token = start(user)
    for used, written in [(4, 0), (6, 6), (10, 6), (12, 12)]:
        with time_machine.travel(START + timedelta(minutes=used), tick=False), app.app_context():
            assert accounts.load_session(token) is not None
        assert last_seen() == START + timedelta(minutes=written)


def test_end_session_ends_only_that_session(ctx: None, user: User) -> None:
    first, second = start(user), start(user)
    accounts.end_session(first)
    assert accounts.load_session(first) is None
    assert accounts.load_session(second) is not None
    accounts.end_session(first)  # ending it again is harmless


def test_end_other_sessions_keeps_the_current_one(
    ctx: None, user: User, make_user: Callable[..., User]
) -> None:
    bob = make_user("bob")
    current, other_one, other_two = start(user), start(user), start(user)
    bobs = start(bob)
    me = accounts.load_session(current)
    assert me is not None
    assert accounts.current_session_id(me) is not None
    assert accounts.end_other_sessions(me) == 2
    assert accounts.load_session(current) is not None
    assert accounts.load_session(other_one) is None
    assert accounts.load_session(other_two) is None
    assert accounts.load_session(bobs) is not None


def test_end_other_sessions_without_a_current_one_ends_them_all(ctx: None, user: User) -> None:
    tokens = [start(user), start(user)]
    alice = db.session.get(User, user.id)
    alice.session_token = None
    assert accounts.current_session_id(alice) is None
    assert accounts.end_other_sessions(alice) == 2
    assert [accounts.load_session(token) for token in tokens] == [None, None]


def test_current_session_id_names_the_record_of_this_request(ctx: None, user: User) -> None:
    start(user)
    token = start(user)
    me = accounts.load_session(token)
    assert me is not None
    records = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
    assert accounts.current_session_id(me) == records[-1].id


@pytest.mark.parametrize(
    ("their_username", "their_email", "fields"),
    [
        pytest.param("Bob", "other@example.org", {"username"}, id="username"),
        pytest.param("other", "BOB@example.org", {"email"}, id="email"),
        pytest.param("bob", "bob@example.org", {"username", "email"}, id="both"),
    ],
)
def test_register_user_reports_a_name_taken_by_a_registration_at_the_same_moment(
    app: Flask, ctx: None, their_username: str, their_email: str, fields: set[str]
) -> None:
    def someone_else_registers(*_: object) -> None:
        # Another request commits its registration between our check and our insert.
        with db.engine.begin() as connection:
            connection.execute(
                insert(User).values(
                    username=their_username, username_key=their_username.lower(),
                    email=their_email, email_key=their_email.lower(), password_hash="x",
                )
            )  # fmt: skip

    event.listen(db.session(), "before_flush", someone_else_registers, once=True)
    with pytest.raises(ValidationFailed) as failure:
        accounts.register_user(accounts.Registration("bob", "bob@example.org", PASSWORD))
    assert set(failure.value.errors) == fields
    assert count(app, User) == 1
