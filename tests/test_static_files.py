"""Static files: fingerprinted URLs in pages, cached for a year; plain URLs revalidate."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.helpers import text_of


def stylesheet_url(client: FlaskClient) -> str:
    match = re.search(r'<link rel="stylesheet" href="([^"]+)"', text_of(client.get("/")))
    assert match
    return match.group(1).replace("&amp;", "&")


def test_pages_link_the_stylesheet_with_its_digest(client: FlaskClient) -> None:
    assert re.fullmatch(r"/static/style\.css\?v=[0-9a-f]{12}", stylesheet_url(client))


def test_fingerprinted_stylesheet_is_cached_for_a_year(client: FlaskClient) -> None:
    response = client.get(stylesheet_url(client))
    response.close()
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.public
    assert response.cache_control.immutable
    assert not response.cache_control.no_cache


def test_stale_or_missing_digest_is_not_cached_for_long(client: FlaskClient) -> None:
    for url in ("/static/style.css", "/static/style.css?v=000000000000"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        assert not response.cache_control.max_age
        assert not response.cache_control.immutable


def test_missing_static_file_is_404(client: FlaskClient) -> None:
    assert client.get("/static/nothing-here.css").status_code == 404


def test_url_for_a_missing_static_file_has_no_digest(app) -> None:  # type: ignore[no-untyped-def]
    from flask import url_for

    with app.test_request_context():
        assert url_for("static", filename="nothing-here.css") == "/static/nothing-here.css"
