"""TRUSTED_PROXIES: forwarded headers are believed for that many proxies, and only then."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, jsonify, request
from werkzeug.wrappers import Response

FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "journal.example",
    "X-Forwarded-Prefix": "/diary",
}


def seen_by(app: Flask) -> dict[str, str]:
    """What the app believes about a request sent through a proxy at 10.0.0.2."""

    def whoami() -> Response:
        return jsonify(
            addr=request.remote_addr,
            scheme=request.scheme,
            host=request.host,
            root=request.script_root,
        )

    app.add_url_rule("/whoami", view_func=whoami)
    response = app.test_client().get(
        "/whoami", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert response.status_code == 200
    data: dict[str, str] = response.get_json()
    return data


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (None, {"addr": "10.0.0.2", "scheme": "http", "host": "localhost", "root": ""}),
        ("0", {"addr": "10.0.0.2", "scheme": "http", "host": "localhost", "root": ""}),
        (
            "1",
            {"addr": "203.0.113.7", "scheme": "https", "host": "journal.example", "root": "/diary"},
        ),
    ],
)
def test_forwarded_headers_count_only_behind_trusted_proxies(
    app_factory: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    trusted: str | None,
    expected: dict[str, str],
) -> None:
    if trusted is not None:
        monkeypatch.setenv("TRUSTED_PROXIES", trusted)

    assert seen_by(app_factory()) == expected


def test_two_proxies_take_the_address_the_first_one_saw(
    app_factory: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    app = app_factory()

    def addr() -> str:
        return request.remote_addr or ""

    app.add_url_rule("/addr", view_func=addr)
    response = app.test_client().get(
        "/addr",
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.0.0.9"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    # The client forged the first value; the two proxies appended the last two.
    assert response.get_data(as_text=True) == "203.0.113.7"
