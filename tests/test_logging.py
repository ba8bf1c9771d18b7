"""Logging: one stderr line per request with its id, tracebacks with the id, no secrets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, abort, request
from flask.testing import FlaskClient
from sqlalchemy import select, text

from config import ConfigError
from journal.extensions import db
from journal.models import Entry, User
from tests.helpers import PASSWORD, csrf_token, post_form

LINE_RE = re.compile(
    r"^\S+ INFO journal\.requests request_id=(?P<id>\S+) method=(?P<method>\S+) "
    r"path=(?P<path>\S+) status=(?P<status>\d{3}) duration_ms=(?P<ms>\d+\.\d) "
    r"user_id=(?P<user>\S+) client=(?P<client>\S+)$"
)
GENERATED_ID_RE = re.compile(r"[0-9a-f]{32}")


def request_lines(err: str) -> list[dict[str, str]]:
    """The request lines in captured stderr, parsed."""
    return [m.groupdict() for line in err.splitlines() if (m := LINE_RE.match(line))]


def add_route(app: Flask, rule: str, view: Callable[..., Any]) -> None:
    """A route only this test's app has (added before its first request)."""
    # Testing mode re-raises errors in the test client; here the 500 page is under test.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule(rule, endpoint=f"test_{view.__name__}", view_func=view)


def test_each_request_logs_one_line_and_returns_the_given_id(
    client: FlaskClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    response = client.get("/", headers={"X-Request-ID": "lb-42.a_b:c"})

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "lb-42.a_b:c"
    lines = request_lines(capfd.readouterr().err)
    assert len(lines) == 1
    line = lines[0]
    assert (line["id"], line["method"], line["path"], line["status"], line["user"]) == (
        "lb-42.a_b:c",
        "GET",
        "/",
        "200",
        "-",
    )
    assert float(line["ms"]) >= 0


@pytest.mark.parametrize(
    "header",
    [
        "",  # empty
        "a" * 65,  # too long
        "two words",  # space
        "<script>",  # markup
        "id;rm -rf",  # shell-ish
        "caf\u00e9",  # outside ASCII
    ],
)
def test_unsafe_request_id_is_replaced_by_a_new_one(
    client: FlaskClient, capfd: pytest.CaptureFixture[str], header: str
) -> None:
    capfd.readouterr()
    response = client.get("/healthz", headers={"X-Request-ID": header})

    returned = response.headers["X-Request-ID"]
    assert GENERATED_ID_RE.fullmatch(returned)
    [line] = request_lines(capfd.readouterr().err)
    assert line["id"] == returned


def test_every_answer_carries_a_request_id(client: FlaskClient) -> None:
    answers = [client.get("/no-such-page"), client.post("/entry"), client.get("/healthz")]

    assert [a.status_code for a in answers] == [404, 400, 200]
    ids = [a.headers["X-Request-ID"] for a in answers]
    assert all(GENERATED_ID_RE.fullmatch(i) for i in ids)
    assert len(set(ids)) == 3


def test_signed_in_request_logs_the_user_id(
    app: Flask, signed_in: FlaskClient, capfd: pytest.CaptureFixture[str]
) -> None:
    with app.app_context():
        alice_id = db.session.scalar(select(User.id).where(User.username == "alice"))
    capfd.readouterr()
    signed_in.get("/")

    [line] = request_lines(capfd.readouterr().err)
    assert line["user"] == str(alice_id)


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "expected"),
    [
        ("0", "203.0.113.7", "10.0.0.2"),  # no proxy trusted: the peer's address
        ("1", "203.0.113.7", "203.0.113.7"),  # behind one proxy: the address it saw
        ("1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # a forged first value is ignored
        ("1", "203.0.113.7 user_id=1", "203.0.113.7%20user_id%3D1"),  # stays one field
    ],
)
def test_request_line_names_the_client_address_after_the_trusted_proxies(
    app_factory: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    trusted: str,
    forwarded_for: str,
    expected: str,
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", trusted)
    client = app_factory().test_client()
    capfd.readouterr()
    client.get(
        "/healthz",
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )

    [line] = request_lines(capfd.readouterr().err)
    assert line["client"] == expected


def test_query_string_is_never_logged(
    client: FlaskClient, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    client.get("/?token=s3cr3t-query-value&page=1")

    err = capfd.readouterr().err
    [line] = request_lines(err)
    assert line["path"] == "/"
    assert "s3cr3t-query-value" not in err


def test_secret_in_the_path_is_redacted_and_a_path_stays_on_one_line(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    def reset(token: str) -> str:
        return "ok"

    add_route(app, "/reset-password/<token>", reset)
    client = app.test_client()
    capfd.readouterr()
    client.get("/reset-password/Ab.c-d_Secret0")
    client.get("/missing%0Aforged%20line")

    err = capfd.readouterr().err
    lines = request_lines(err)
    assert [line["path"] for line in lines] == [
        "/reset-password/[redacted]",
        "/missing%0Aforged%20line",
    ]
    assert "Ab.c-d_Secret0" not in err
    assert "\nforged" not in err


def test_unhandled_error_logs_its_traceback_with_the_request_id(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    def explode() -> str:
        raise RuntimeError("the flux capacitor broke")

    add_route(app, "/explode", explode)
    client = app.test_client()
    capfd.readouterr()
    response = client.get("/explode", headers={"X-Request-ID": "trace-me-1"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-me-1"
    assert "flux capacitor" not in response.get_data(as_text=True)
    err = capfd.readouterr().err
    assert re.search(
        r"^\S+ ERROR journal request_id=trace-me-1 Exception on /explode \[GET\]$",
        err,
        re.MULTILINE,
    )
    assert err.count("Traceback (most recent call last)") == 1  # logged once, not twice
    assert "RuntimeError: the flux capacitor broke" in err
    [line] = request_lines(err)
    assert (line["id"], line["status"]) == ("trace-me-1", "500")


def test_explicit_500_is_logged_with_the_request_id(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    def give_up() -> str:
        abort(500)

    add_route(app, "/give-up", give_up)
    client = app.test_client()
    capfd.readouterr()
    response = client.get("/give-up", headers={"X-Request-ID": "abort-1"})

    assert response.status_code == 500
    err = capfd.readouterr().err
    assert re.search(
        r"^\S+ ERROR journal\.blueprints\.errors\.handlers request_id=abort-1 internal error$",
        err,
        re.MULTILINE,
    )
    assert err.count("Traceback (most recent call last)") == 1


def test_failed_statement_logs_no_parameter_values(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    def bad_query() -> str:
        db.session.execute(
            text("SELECT no_such_column FROM users WHERE username = :name"),
            {"name": "parameter-value-9f8e"},
        )
        return "unreachable"

    add_route(app, "/bad-query", bad_query)
    client = app.test_client()
    capfd.readouterr()
    response = client.get("/bad-query")

    assert response.status_code == 500
    err = capfd.readouterr().err
    assert "no_such_column" in err  # the statement is there to debug with
    assert "parameter-value-9f8e" not in err


@pytest.mark.parametrize(
    ("level", "request_lines_expected"), [("INFO", 1), ("debug", 1), ("WARNING", 0)]
)
def test_log_level_setting(
    app_factory: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    level: str,
    request_lines_expected: int,
) -> None:
    monkeypatch.setenv("LOG_LEVEL", level)
    client = app_factory().test_client()
    capfd.readouterr()
    client.get("/healthz")

    assert len(request_lines(capfd.readouterr().err)) == request_lines_expected


def test_unknown_log_level_stops_start_up(
    app_factory: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "CHATTY")

    with pytest.raises(ConfigError, match="LOG_LEVEL must be one of DEBUG, INFO"):
        app_factory()


def test_full_flow_leaks_no_password_cookie_token_or_key(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    app.config["SECRET_KEY"] = "secret-key-value-that-must-stay-out-of-logs-0123456789"
    client = app.test_client()
    seen: set[str] = set()

    def remember(*values: str | None) -> None:
        seen.update(v for v in values if v)
        for name in ("session", "remember_token"):
            cookie = client.get_cookie(name)
            if cookie is not None:
                seen.add(cookie.value)

    capfd.readouterr()
    register_token = csrf_token(client, "/register")
    registered = client.post(
        "/register",
        data={
            "csrf_token": register_token,
            "username": "logwatcher",
            "email": "logwatcher@example.org",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert registered.status_code == 302
    remember(register_token)
    logout_token = csrf_token(client, "/logout")
    assert post_form(client, "/logout", csrf_token=logout_token).status_code == 302
    remember(logout_token)
    wrong = post_form(client, "/login", username="logwatcher", password="wrong " + PASSWORD)
    assert wrong.status_code == 422
    login_token = csrf_token(client, "/login")
    signed = client.post(
        "/login",
        data={
            "csrf_token": login_token,
            "username": "logwatcher",
            "password": PASSWORD,
            "remember_me": "y",
        },
    )
    assert signed.status_code == 302
    remember(login_token)
    entry_token = csrf_token(client, "/entry")
    written = client.post(
        "/entry",
        data={"csrf_token": entry_token, "title": "Logged?", "body": "Not the body-7c1d."},
    )
    assert written.status_code == 302
    remember(entry_token)
    assert post_form(client, "/logout").status_code == 302
    remember()

    err = capfd.readouterr().err
    assert len(request_lines(err)) >= 10
    with app.app_context():
        assert db.session.scalar(select(Entry.title)) == "Logged?"
    secrets = {PASSWORD, "wrong " + PASSWORD, app.config["SECRET_KEY"], "body-7c1d", *seen}
    assert len(seen) >= 6
    for secret in secrets:
        assert secret not in err


LOG_LINE_PREFIX_RE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+ "
    r"request_id=[A-Za-z0-9._:-]+ "
)


def test_no_input_can_forge_a_log_line(app: Flask, capfd: pytest.CaptureFixture[str]) -> None:
    forged = "2026-01-01T00:00:00Z INFO journal.requests request_id=forged method=GET"

    def explode() -> None:
        # Before routing's 404: no route's converter matches a line break.
        if request.path.startswith("/explode/"):
            raise RuntimeError(f"cannot handle {request.path.removeprefix('/explode/')}")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.before_request(explode)
    client = app.test_client()
    capfd.readouterr()
    response = client.get(
        "/explode/a%0d%0a" + forged.replace(" ", "%20") + "%0b%1b[2J%E2%80%A8x",
        headers={"X-Request-ID": "forge-1"},
    )

    assert response.status_code == 500
    err = capfd.readouterr().err
    lines = err.splitlines()  # splits at \r, \v, \x1c-\x1e, \x85 and \u2028 too
    assert len(lines) > 3  # the traceback is there, over several lines
    for line in lines:
        assert LOG_LINE_PREFIX_RE.match(line), line
        assert "request_id=forged" not in line.split(" ", 4)[3]
    assert "Exception on /explode/a\\r\\n2026-01-01T00:00:00Z" in err
    # In a traceback a line break stays one, behind the record's own prefix.
    assert "RuntimeError: cannot handle a\\r\n" in err
    assert "request_id=forge-1 | 2026-01-01T00:00:00Z INFO journal.requests" in err
    assert "\x1b" not in err
