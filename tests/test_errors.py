"""Error pages: each HTTP error answers in the site's layout with its own status."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from flask import Flask, abort
from flask.testing import FlaskClient
from flask_login import current_user, login_required
from sqlalchemy import text

from journal.exceptions import NotAllowed
from journal.extensions import db
from journal.models import User
from tests.conftest import AuthActions
from tests.helpers import count, text_of


def error_page(response: object) -> BeautifulSoup:
    """The parsed page, after checking it is an error page inside the site's layout."""
    soup = BeautifulSoup(text_of(response), "html.parser")  # type: ignore[arg-type]
    assert response.mimetype == "text/html"  # type: ignore[attr-defined]
    assert soup.select_one("header.site-header nav")
    assert soup.select_one("footer.site-footer")
    assert soup.select_one("link[rel=stylesheet]")["href"].startswith("/static/style.css?v=")
    code = soup.select_one(".error-page .error-code").get_text()
    assert code == str(response.status_code)  # type: ignore[attr-defined]
    assert soup.title.get_text().startswith(code)
    assert soup.select_one(".error-page a")["href"] == "/"
    return soup


@pytest.fixture
def failing_app(app_factory: Callable[..., Flask]) -> Flask:
    """The app with test-only routes that fail in each way, answering as in production."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/_test/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.get("/_test/not-allowed")
    def not_allowed() -> str:
        raise NotAllowed()

    @app.get("/_test/abort-500")
    def abort_500() -> str:
        abort(500)

    @app.get("/_test/crash")
    def crash() -> str:
        db.session.add(
            User(username="ghost", username_key="ghost", email="g@example.org",
                 email_key="g@example.org", password_hash="x")
        )  # fmt: skip
        db.session.flush()
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/_test/bad-sql")
    def bad_sql() -> str:
        db.session.execute(text("SELECT no_such_column FROM no_such_table"))
        return "unreachable"

    @app.get("/_test/crash-signed-in")
    @login_required
    def crash_signed_in() -> str:
        raise RuntimeError(f"failed for {current_user.username}")

    return app


def test_400_page_for_a_missing_csrf_token(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "alice", "password": "x"})
    assert response.status_code == 400
    soup = error_page(response)
    assert soup.select_one("h1").get_text() == "Bad Request"
    text = soup.select_one(".error-page").get_text()
    # What happened and what to do, in words; not Flask-WTF's "The CSRF token is missing."
    assert "This form had expired" in text
    assert "reload the page" in text
    assert "CSRF" not in text


def test_403_page(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/_test/forbidden")
    assert response.status_code == 403
    assert error_page(response).select_one("h1").get_text() == "Forbidden"


def test_403_page_from_a_service_says_why(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/_test/not-allowed")
    assert response.status_code == 403
    assert "Only its author can change this entry." in text_of(response)


def test_404_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert error_page(response).select_one("h1").get_text() == "Not Found"


def test_error_page_navigation_knows_who_is_signed_in(signed_in: FlaskClient) -> None:
    response = signed_in.get("/no/such/page")
    assert response.status_code == 404
    assert error_page(response).select_one(".nav-user").get_text() == "alice"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/healthz", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/login", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("GET", "/entries/1/delete", {"OPTIONS", "POST"}),
    ],
)
def test_405_page_names_the_allowed_methods(
    client: FlaskClient, method: str, path: str, allow: set[str]
) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert {part.strip() for part in response.headers["Allow"].split(",")} == allow
    assert error_page(response).select_one("h1").get_text() == "Method Not Allowed"


def test_413_page_for_a_body_over_max_content_length(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 1024 * 1024
    response = client.post("/login", data={"username": "a", "password": "p" * limit})
    assert response.status_code == 413
    assert error_page(response).select_one("h1").get_text() == "Request Entity Too Large"


def test_a_body_just_under_max_content_length_is_read(
    app_factory: Callable[..., Flask],
) -> None:
    app = app_factory(MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    assert client.post("/login", data={"password": "p" * 3900}).status_code == 400  # CSRF
    assert client.post("/login", data={"password": "p" * 4100}).status_code == 413


def test_500_page_shows_no_internals_and_logs_the_traceback(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = failing_app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/_test/crash")
    assert response.status_code == 500
    soup = error_page(response)
    assert soup.select_one("h1").get_text() == "Internal Server Error"
    assert "hunter2" not in text_of(response)
    assert "Traceback" not in text_of(response)
    # Flask logs an unhandled exception once, with its traceback, on the app's logger.
    (record,) = [r for r in caplog.records if r.exc_info is not None]
    assert record.name == "journal"
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError
    assert "hunter2" in str(record.exc_info[1])


def test_500_rolls_back_what_the_request_wrote(failing_app: Flask) -> None:
    client = failing_app.test_client()
    assert client.get("/_test/crash").status_code == 500
    assert count(failing_app, User) == 0


def test_the_next_request_works_after_a_failed_query(failing_app: Flask, user: User) -> None:
    client = failing_app.test_client()
    AuthActions(client).login()
    for _ in range(2):
        response = client.get("/_test/bad-sql")
        assert response.status_code == 500
        # The failed transaction was rolled back: the page still knows nobody (it must not
        # touch the database), and the next request reads the database again.
        assert error_page(response).select_one(".nav-user") is None
        page = client.get("/")
        assert page.status_code == 200
        assert BeautifulSoup(text_of(page), "html.parser").select_one(".nav-user").get_text() == (
            "alice"
        )


def test_500_after_the_user_was_loaded_still_shows_who_is_signed_in(
    failing_app: Flask, user: User
) -> None:
    client = failing_app.test_client()
    AuthActions(client).login()
    response = client.get("/_test/crash-signed-in")
    assert response.status_code == 500
    assert error_page(response).select_one(".nav-user").get_text() == "alice"


def test_an_explicit_abort_500_gets_the_same_page(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="journal.blueprints.errors.handlers"):
        response = failing_app.test_client().get("/_test/abort-500")
    assert response.status_code == 500
    assert error_page(response).select_one("h1").get_text() == "Internal Server Error"
    assert any(r.name == "journal.blueprints.errors.handlers" for r in caplog.records)
