"""Security headers on every response (error pages too), cookie flags, HSTS only in production."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, post_form

PRODUCTION_KEY = "k" * 48


def csp_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.strip().split(" ", 1) for part in policy.split(";") if part.strip()]
    return {name: value for name, value in parts}


def assert_protected(response) -> None:
    csp = csp_of(response)
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def broken_app(app_factory) -> Flask:
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/login", 200),
        ("GET", "/account", 302),
        ("GET", "/no-such-page", 404),
        ("POST", "/login", 400),  # no CSRF token
        ("DELETE", "/login", 405),
        ("GET", "/boom", 500),
        ("GET", "/static/style.css", 200),
    ],
)
def test_every_response_carries_the_headers(broken_app, method, path, status):
    with broken_app.test_client().open(path, method=method) as response:
        assert response.status_code == status
        assert_protected(response)


def test_413_and_429_pages_carry_the_headers(app_factory, user):
    app = app_factory(RATELIMIT_LOGIN_PER_ACCOUNT="1 per minute")
    client = app.test_client()
    big = client.post("/login", data={"username": "x" * (3 * 1024 * 1024)})
    assert big.status_code == 413
    assert_protected(big)
    post_form(client, "/login", username="alice", password="wrong password here")
    limited = post_form(client, "/login", username="alice", password=PASSWORD)
    assert limited.status_code == 429
    assert_protected(limited)


def test_pages_have_no_inline_script_or_style(signed_in):
    for path in ("/", "/account", "/login", "/reset-password", "/entry"):
        soup = BeautifulSoup(signed_in.get(path).get_data(as_text=True), "html.parser")
        # Scripts only from our own static files, never inline; no style elements or attributes.
        for script in soup.find_all("script"):
            assert script.get("src", "").startswith("/static/"), path
            assert not script.get_text().strip(), path
        assert not soup.find_all("style"), path
        assert not soup.select("[style]"), path
        handlers = [a for tag in soup.find_all(True) for a in tag.attrs if a.startswith("on")]
        assert not handlers, path


def test_no_hsts_outside_production(app):
    response = app.test_client().get("/", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def production_app(app_factory, monkeypatch) -> Flask:
    monkeypatch.setenv("SECRET_KEY", PRODUCTION_KEY)
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example")
    return app_factory("production")


def test_production_sends_hsts_on_https_only(production_app):
    client = production_app.test_client()
    secure = client.get("/", base_url="https://journal.example")
    assert secure.status_code == 200
    hsts = secure.headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 31536000
    plain = client.get("/", base_url="http://journal.example")
    assert plain.status_code == 200  # never a redirect to HTTPS: TLS belongs to the proxy
    assert "Strict-Transport-Security" not in plain.headers


def test_production_ignores_forwarded_proto_without_a_trusted_proxy(production_app):
    response = production_app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_on_error_pages_too(production_app):
    response = production_app.test_client().get("/nope", base_url="https://journal.example")
    assert response.status_code == 404
    assert "Strict-Transport-Security" in response.headers
    assert_protected(response)


def cookie_header(response, name):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


@pytest.mark.parametrize("config_name", ["testing", "production"])
def test_cookies_are_httponly_lax_and_secure_in_production(
    app_factory, monkeypatch, user, config_name
):
    monkeypatch.setenv("SECRET_KEY", PRODUCTION_KEY)
    monkeypatch.setenv("PUBLIC_URL", "https://journal.example")
    app = app_factory(config_name)
    client = app.test_client()
    response = post_form(client, "/login", username="alice", password=PASSWORD, remember_me="y")
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        header = cookie_header(response, name)
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert ("Secure" in header) == (config_name == "production")


def test_login_protection_is_on(app):
    assert app.config["SESSION_PROTECTION"] in {"basic", "strong"}


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/search?q=a%00b", None),
        ("get", "/u/al%00ice", None),
        ("get", "/tags/x%00y", None),
    ],
)
def test_nul_characters_in_an_address_are_refused_with_400(
    app: Flask, client: FlaskClient, method: str, path: str, data: dict[str, str] | None
) -> None:
    if data is None:
        response = client.get(path)
    else:
        response = post_form(client, path, **data)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
