"""Every route of ``app.url_map``, with hostile path and query values: never a 5xx.

The routes are read from the app, so a new route is fuzzed without a change here. Each
route and method gets every hostile path value in each argument and every hostile query
value (in a parameter that rotates from route to route), then a deterministic Hypothesis
run of random ones; as an anonymous visitor, a signed-in browser (with a valid CSRF
token, so writes reach their views) and an API token, in turn.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from journal.models import User
from tests.helpers import PASSWORD, csrf_token

# Random examples per route and method, after the sweep of the hostile values below.
EXAMPLES_PER_ROUTE = 10
VIEWERS = ("anonymous", "signed-in", "bearer")
QUERY_PARAMETERS = ("page", "before", "after", "q", "next", "tag", "per_page", "author")
ARGUMENT_RE = re.compile(r"<[^>]+>")

# Path segments as they travel in a URL (already percent-encoded where they need to be).
HOSTILE_SEGMENTS = [
    "0", "1", "2", "3", "4", "-1", "01", "1.5", "1e9",
    str(2**31 - 1), str(2**31), str(2**63 - 1), str(2**63), "99999999999999999999999",
    "9" * 5000, "%00", "a%00b", "%0d%0a", "a%0d%0aSet-Cookie:%20x=1", "%0a", "%09",
    "..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "%2F", "%", "%zz", "%ff", "%c0%af", "%20",
    quote("ünïcödé"), quote("😀"), quote("\u202e"), quote("\u2028"), "a" * 10_000,
    "alice", "bob", "walks", "style.css", "NotATag!", "%27%20OR%201=1--", "%3Cscript%3E",
]  # fmt: skip
# Query values before encoding.
HOSTILE_VALUES = [
    "", "0", "-1", "1.5", "1e9", str(2**31), str(2**63), "99999999999999999999999",
    "9" * 5000, "\x00", "\r\n", "\x0b", "0001-01-01T00:00:00+05:00_1",
    "9999-12-31T23:59:59-05:00_1", "0001-01-01T00:00:00+00:00_1",
    "2024-01-01T00:00:00+00:00_99999999999999999999", "2024-01-01T00:00:00_1", "_", "_1",
    "2024-13-45T99:99:99+00:00_1", "/entries/1\r", "/entries/1\r\nX: y", "//evil.example",
    "/\\evil.example", "javascript:alert(1)", "' OR 1=1 --", '"', "*", "NEAR(", "a:b",
    "-", "\"unterminated", "AND OR NOT", "a" * 10_000, "ünïcödé 😀", "\u202e\u2028",
    "alice", "walks",
]  # fmt: skip

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
segments = st.one_of(
    st.sampled_from(HOSTILE_SEGMENTS),
    st.integers().map(str),
    text.filter(bool).map(lambda value: quote(value, safe="")),
)
query_values = st.one_of(st.sampled_from(HOSTILE_VALUES), st.integers().map(str), text)
queries = st.dictionaries(st.sampled_from(QUERY_PARAMETERS), query_values, max_size=4)
viewers = st.sampled_from(VIEWERS)


def routes(app: Flask) -> list[tuple[Rule, str]]:
    """Every rule with each method it answers (HEAD and OPTIONS are Werkzeug's own)."""
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


@dataclass
class Viewers:
    """An anonymous visitor, a signed-in browser and an API token, kept in that state."""

    app: Flask
    anonymous: FlaskClient = field(init=False)
    browser: FlaskClient = field(init=False)
    tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.anonymous = self.app.test_client()
        self.tokens["anonymous"] = csrf_token(self.anonymous, "/login")
        self.browser = self.app.test_client()
        self.sign_in()
        self.new_bearer_token()

    def sign_in(self) -> None:
        """Sign the browser in (again) through the form."""
        token = csrf_token(self.browser, "/login")
        response = self.browser.post(
            "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        self.tokens["signed-in"] = csrf_token(self.browser, "/entry")

    def new_bearer_token(self) -> None:
        """A new API token for alice (the last one may have been revoked)."""
        basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        response = self.anonymous.post(
            "/api/v1/tokens", headers={"Authorization": f"Basic {basic}"}
        )
        assert response.status_code == 201
        self.tokens["bearer"] = response.get_json()["token"]

    def request(self, viewer: str, method: str, path: str, query: dict[str, str]) -> TestResponse:
        """Send the request as ``viewer``, then put that viewer back as it was."""
        client = self.browser if viewer == "signed-in" else self.anonymous
        headers = {}
        if viewer == "bearer":
            headers["Authorization"] = f"Bearer {self.tokens['bearer']}"
        data = None
        if method == "POST":
            data = {"csrf_token": self.tokens.get(viewer, self.tokens["anonymous"])}
        response = client.open(path, method=method, query_string=query, headers=headers, data=data)
        response.close()
        if viewer == "signed-in":
            with self.browser.session_transaction() as session:
                signed_out = "_user_id" not in session
            if signed_out:  # a sign-out or the end of this very session was fuzzed
                self.sign_in()
        if viewer == "bearer" and response.status_code == 401:
            self.new_bearer_token()  # the token was revoked by the request
        return response


def fill(rule: Rule, segment: Callable[[], str]) -> str:
    """The rule's path with each ``<converter:argument>`` replaced by ``segment()``."""
    return ARGUMENT_RE.sub(lambda match: segment(), rule.rule)


def plausible(rule: Rule) -> str:
    """The rule's path with values that name something, so the view reads its query."""
    return ARGUMENT_RE.sub(
        lambda match: "1" if ":" in match.group() and "int" in match.group() else "alice", rule.rule
    )


def test_no_route_answers_a_server_error(
    app_factory: Callable[..., Flask],
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Refused sign-ins are what the fuzzer sends most: the limits would only answer 429.
    monkeypatch.setenv("FLASK_RATELIMIT_ENABLED", "false")
    app = app_factory()
    alice, bob = make_user("alice"), make_user("bob")
    for author in (alice, bob):
        for visibility in ("public", "private"):
            make_entry(author, visibility=visibility, tags=("walks",))
    viewer_state = Viewers(app)
    found = routes(app)
    assert len(found) >= 30  # the map was read, not an empty list

    for number, (rule, method) in enumerate(found):
        sweep_route(viewer_state, number, rule, method)
        fuzz_route(viewer_state, rule, method)


def sweep_route(viewer_state: Viewers, number: int, rule: Rule, method: str) -> None:
    """Every hostile path value in the rule's arguments, every hostile query value once."""
    sent: list[tuple[str, str, dict[str, str]]] = []
    if rule.arguments:
        sent += [
            (VIEWERS[i % 3], fill(rule, lambda v=v: v), {}) for i, v in enumerate(HOSTILE_SEGMENTS)
        ]
    for i, value in enumerate(HOSTILE_VALUES):
        parameter = QUERY_PARAMETERS[(i + number) % len(QUERY_PARAMETERS)]
        sent.append((VIEWERS[(i + number) % 3], plausible(rule), {parameter: value}))
    for viewer, path, query in sent:
        response = viewer_state.request(viewer, method, path, query)
        assert response.status_code < 500, (method, path, query, viewer)


def fuzz_route(viewer_state: Viewers, rule: Rule, method: str) -> None:
    """``EXAMPLES_PER_ROUTE`` random requests to one rule and method, mixing the values."""

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data(), query=queries, viewer=viewers)
    def no_server_error(data: st.DataObject, query: dict[str, str], viewer: str) -> None:
        path = fill(rule, lambda: data.draw(segments))
        response = viewer_state.request(viewer, method, path, query)
        assert response.status_code < 500, (method, path, query, viewer)

    no_server_error()


def test_the_fuzzer_sees_a_route_added_later(app: Flask) -> None:
    @app.get("/_test/added/<int:number>")
    def added(number: int) -> Any:
        return str(number)

    assert any(rule.rule == "/_test/added/<int:number>" for rule, _ in routes(app))
