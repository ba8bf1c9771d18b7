"""The web tier: the shipped nginx template, run by a real nginx in front of real gunicorn.

Browser -> nginx (deploy/nginx/journal.conf, rendered as the nginx image renders it) ->
gunicorn (gunicorn.conf.py, one worker, TRUSTED_PROXIES=1) -> the app in production mode.
"""

from __future__ import annotations

import io
import json
import os
import re
import runpy
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from config import Config
from tests.helpers import PASSWORD
from tests.servers import (
    NGINX_TEMPLATE,
    PROJECT_ROOT,
    STATIC_ROOT,
    Answer,
    Browser,
    GunicornServer,
    NginxServer,
    free_port,
    gunicorn_server,
    nginx_server,
    render_nginx_template,
    unavailable,
)
from tests.test_live import Socket

MiB = 1024 * 1024
# The app's own request lines in gunicorn's stderr.
LINE_RE = re.compile(
    r" INFO journal\.requests request_id=(?P<id>\S+) method=(?P<method>\S+) path=(?P<path>\S+)"
    r" status=(?P<status>\d{3}) duration_ms=\S+ user_id=\S+ client=(?P<client>\S+)$",
    re.MULTILINE,
)
LOGIN_LIMIT = 3  # failed sign-ins per address and minute, for this module's app
WRITER = "tierwriter"


@dataclass
class Tier:
    """nginx in front of gunicorn on one SQLite database."""

    app: GunicornServer
    web: NginxServer
    database: Path

    def browser(self, source: str = "127.0.0.1") -> Browser:
        """A client speaking HTTPS to nginx from ``source`` (any 127.0.0.0/8 address)."""
        return Browser(self.web.https_url, tls=self.web.tls(), source_address=source)

    def app_lines(self) -> list[dict[str, str]]:
        """The app's request lines so far."""
        return [m.groupdict() for m in LINE_RE.finditer(self.app.log())]


@pytest.fixture(scope="module")
def tier(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tier]:
    folder = tmp_path_factory.mktemp("tier")
    database = folder / "journal.sqlite3"
    shutil.copyfile(sqlite_template, database)
    https_port = free_port()
    with (
        gunicorn_server(
            f"sqlite:///{database}",
            folder,
            workers=1,
            TRUSTED_PROXIES="1",
            PUBLIC_URL=f"https://127.0.0.1:{https_port}",
            FLASK_RATELIMIT_LOGIN_PER_ADDRESS=f"{LOGIN_LIMIT} per minute",
        ) as app,
        nginx_server(f"127.0.0.1:{app.port}", folder / "nginx", https_port=https_port) as web,
    ):
        tier = Tier(app=app, web=web, database=database)
        browser = tier.browser()
        browser.register(WRITER, PASSWORD)
        browser.close()
        yield tier


@pytest.fixture
def writer(tier: Tier) -> Iterator[Browser]:
    """A browser signed in over HTTPS through nginx."""
    browser = tier.browser()
    signed_in = browser.submit("/login", username=WRITER, password=PASSWORD)
    assert signed_in.status == 302, signed_in.text
    yield browser
    browser.close()


def reached_app(tier: Tier, request_id: str) -> bool:
    """True when the app logged the request sent with ``X-Request-ID: request_id``."""
    return any(line["id"] == request_id for line in tier.app_lines())


# --- the template itself (no servers) ----------------------------------------------------


def location_body_limits() -> dict[str, int]:
    """``client_max_body_size`` of the TLS server (``"server"``) and each location, in bytes."""
    text = NGINX_TEMPLATE.read_text()
    tls_server = text[text.index("listen ${JOURNAL_HTTPS_LISTEN}") :]
    limits: dict[str, int] = {}
    scope = "server"
    for line in tls_server.splitlines():
        if match := re.match(r"\s*location\s+(.+?)\s*\{", line):
            scope = match.group(1)
        elif match := re.match(r"\s*client_max_body_size\s+(\d+)m;", line):
            limits[scope] = int(match.group(1)) * MiB
    return limits


def test_body_limits_agree_with_the_apps_limit_for_each_route() -> None:
    # nginx refuses exactly what the app would: nothing the app accepts is cut off, and the
    # app never has to refuse a body it has not read.
    assert location_body_limits() == {
        "server": Config.MAX_CONTENT_LENGTH,
        "= /account/import": Config.MAX_IMPORT_LENGTH,
    }
    largest = max(value for name, value in vars(Config).items() if name.endswith("_LENGTH"))
    assert max(location_body_limits().values()) == largest


def test_proxy_read_timeout_outlasts_gunicorns_timeout() -> None:
    text = NGINX_TEMPLATE.read_text()
    gunicorn_timeout = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))["timeout"]
    page_timeouts = re.findall(r"^    proxy_read_timeout (\d+)s;", text, re.MULTILINE)
    assert page_timeouts and all(int(t) > gunicorn_timeout for t in page_timeouts)
    live = text[text.index("location = /live") :]
    assert re.search(r"proxy_read_timeout 1h;", live[: live.index("}")])


def test_template_fills_its_placeholders_and_keeps_nginx_variables() -> None:
    values = {
        name: "x" for name in re.findall(r"\$\{(JOURNAL_[A-Z_]+)\}", NGINX_TEMPLATE.read_text())
    }
    rendered = render_nginx_template(values)
    assert not re.search(r"\$\{JOURNAL_[A-Z_]+\}", rendered)
    for variable in ("$http_upgrade", "$proxy_add_x_forwarded_for", "$scheme", "$http_host"):
        assert variable in rendered
    with pytest.raises(ValueError, match="JOURNAL_UPSTREAM"):
        render_nginx_template({k: v for k, v in values.items() if k != "JOURNAL_UPSTREAM"})


def test_the_nginx_images_envsubst_renders_the_template_as_the_tests_do() -> None:
    # What the image does at start with compose.yaml's values (NGINX_ENVSUBST_FILTER=^JOURNAL_):
    # envsubst told the names to replace, so nginx's own $variables survive.
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        unavailable("envsubst is not installed; apt-get install gettext-base")
    assert envsubst is not None
    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    values = {
        name: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
        for name, value in compose["services"]["nginx"]["environment"].items()
        if name.startswith("JOURNAL_")
    }
    rendered = subprocess.run(
        [envsubst, " ".join(f"${{{name}}}" for name in values)],
        input=NGINX_TEMPLATE.read_text(),
        env={**values, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert rendered == render_nginx_template(values)
    assert "server app:8000;" in rendered
    assert "return 301 https://localhost:8443$request_uri;" in rendered


# --- through nginx ------------------------------------------------------------------------


@pytest.mark.slow
def test_pages_render_through_nginx_in_the_site_layout_compressed(tier: Tier) -> None:
    browser = tier.browser()
    for path in ("/", "/login", f"/u/{WRITER}", "/search?q=nginx"):
        page = browser.get(path)
        assert page.status == 200, path
        assert 'class="site-header' in page.text
        assert page.headers["X-Request-ID"]  # the app answered
    compressed = browser.get("/login", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    browser.close()


@pytest.mark.slow
def test_static_files_are_served_by_nginx_with_far_future_caching_when_fingerprinted(
    tier: Tier,
) -> None:
    browser = tier.browser()
    page = browser.get("/")
    fingerprinted = re.findall(r'"(/static/[^"?]+\?v=[0-9a-f]+)"', page.text)
    assert {url.split("?")[0] for url in fingerprinted} >= {"/static/style.css", "/static/app.js"}

    for url in fingerprinted:
        answer = browser.request("GET", url)
        assert answer.status == 200, url
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        file = STATIC_ROOT / url.split("?")[0].removeprefix("/static/")
        assert answer.text == file.read_text()
    plain = browser.get("/static/style.css")
    assert plain.status == 200
    assert plain.headers["Cache-Control"] == "public, max-age=300"
    compressed = browser.get("/static/style.css", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert browser.get("/static/missing.css").status == 404
    browser.close()

    # None of them reached gunicorn: the app logged the page and nothing under /static/.
    paths = [line["path"] for line in tier.app_lines()]
    assert "/" in paths
    assert not [path for path in paths if path.startswith("/static/")]


@pytest.mark.slow
@pytest.mark.parametrize("source", ["127.0.0.1", "127.0.0.2"])
def test_the_client_address_reaches_the_app_and_forged_forwarding_does_not(
    tier: Tier, source: str
) -> None:
    browser = tier.browser(source)
    request_id = f"tier-address-{source}"
    page = browser.get(
        "/",
        headers={
            "X-Request-ID": request_id,
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Prefix": "/evil",
        },
    )
    browser.close()

    assert page.status == 200
    [line] = [line for line in tier.app_lines() if line["id"] == request_id]
    assert line["client"] == source
    # The app built its links for the real site, not for what the client claimed.
    assert 'href="/evil' not in page.text
    assert "evil.example" not in page.text


@pytest.mark.slow
def test_the_sign_in_limit_counts_each_client_address_apart(tier: Tier) -> None:
    def failed_sign_in(source: str, number: int) -> Answer:
        browser = tier.browser(source)
        answer = browser.submit("/login", username=f"nobody{number}", password="wrong")
        browser.close()
        return answer

    answers = [failed_sign_in("127.0.0.3", n).status for n in range(LOGIN_LIMIT + 1)]
    assert answers == [422] * LOGIN_LIMIT + [429]
    # Another address is still let in to try, though all come through the same nginx.
    assert failed_sign_in("127.0.0.4", LOGIN_LIMIT + 1).status == 422
    logged = [
        (line["client"], line["status"])
        for line in tier.app_lines()
        if line["path"] == "/login" and line["method"] == "POST"
    ]
    assert logged[-LOGIN_LIMIT - 2 :] == [("127.0.0.3", "422")] * LOGIN_LIMIT + [
        ("127.0.0.3", "429"),
        ("127.0.0.4", "422"),
    ]


@pytest.mark.slow
def test_hsts_comes_from_the_app_over_https_only(tier: Tier) -> None:
    secure = tier.browser()
    for path in ("/healthz", "/"):
        answer = secure.get(path)
        assert answer.status == 200
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    secure.close()

    plain = Browser(tier.web.http_url)
    probe = plain.get("/healthz")  # proxied over plain HTTP for health checks
    assert probe.status == 200
    assert probe.headers["X-Request-ID"]
    assert "Strict-Transport-Security" not in probe.headers
    moved = plain.get("/entries?page=2")
    assert moved.status == 301
    assert moved.location == f"{tier.web.https_url}/entries?page=2"
    assert "Strict-Transport-Security" not in moved.headers
    plain.close()


def import_body(token: str, size: int) -> tuple[str, bytes]:
    """A multipart import of one entry, exactly ``size`` bytes long (JSON padded with spaces)."""
    document = {
        "format": "journal-export",
        "version": 1,
        "entries": [
            {
                "title": "Carried through nginx",
                "body": "Imported whole.",
                "visibility": "private",
                "tags": [],
                "created_at": "2026-01-02T03:04:05+00:00",
            }
        ],
    }
    data = json.dumps(document).encode()

    def encode(padding: int) -> tuple[str, bytes]:
        fields = {
            "csrf_token": token,
            "file": FileStorage(io.BytesIO(data + b" " * padding), "export.json"),
        }
        return encode_multipart(fields, boundary="tier-boundary")

    boundary, body = encode(size - len(encode(0)[1]))
    assert len(body) == size
    return boundary, body


IMPORT_LIMIT = Config.MAX_IMPORT_LENGTH


@pytest.mark.slow
@pytest.mark.parametrize(
    ("size", "status", "by_app", "shows"),
    [
        # Just under the limit: through nginx, and imported.
        (IMPORT_LIMIT - 1, 302, True, ""),
        # Exactly the limit: nginx lets it through; Werkzeug, reading a stream its server
        # ends (gunicorn), refuses a body that fills its limit. The app's page, body read.
        (IMPORT_LIMIT, 413, True, 'class="site-header'),
        # One byte over: nginx refuses it before gunicorn sees it, with its own page.
        (IMPORT_LIMIT + 1, 413, False, "16 MiB for an import"),
    ],
)
def test_an_import_just_under_the_limit_is_accepted_and_over_it_refused_with_a_page(
    tier: Tier, writer: Browser, size: int, status: int, by_app: bool, shows: str
) -> None:
    def imported() -> int:
        with sqlite3.connect(tier.database) as connection:
            query = "SELECT count(*) FROM entries WHERE title = 'Carried through nginx'"
            count: int = connection.execute(query).fetchone()[0]
        return count

    before = imported()
    token = writer.get("/account").csrf_token()
    boundary, body = import_body(token, size)
    request_id = f"tier-import-{size}"
    answer = writer.request(
        "POST",
        "/account/import",
        body=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Request-ID": request_id,
        },
    )

    assert answer.status == status, answer.text[:500]
    assert reached_app(tier, request_id) == by_app
    if status == 413:
        assert "<h1>Request Entity Too Large</h1>" in answer.text
        assert shows in answer.text
        assert imported() == before
    else:
        assert answer.location == "/account"
        assert imported() == before + 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "size", "content_type", "shows"),
    [
        # One byte over the app's general limit: nginx's page, as the app would answer.
        ("/entry", Config.MAX_CONTENT_LENGTH + 1, "text/html", "2 MiB for an entry"),
        # Far over it (a body gunicorn would close on unread): a page, never a 502.
        ("/login", 15 * MiB, "text/html", "2 MiB for an entry"),
        ("/api/v1/entries", Config.MAX_CONTENT_LENGTH + 1, "application/problem+json",
         '"status": 413'),
    ],
)  # fmt: skip
def test_a_body_over_the_routes_limit_gets_a_413_page(
    tier: Tier, path: str, size: int, content_type: str, shows: str
) -> None:
    browser = tier.browser()
    request_id = f"tier-too-large-{path.replace('/', '-')}-{size}"
    answer = browser.request(
        "POST",
        path,
        body=b"x" * size,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Request-ID": request_id},
    )
    browser.close()
    assert answer.status == 413
    assert answer.headers.get_content_type() == content_type
    assert shows in answer.text
    assert not reached_app(tier, request_id)


@pytest.mark.slow
def test_a_slow_client_does_not_hold_the_only_gunicorn_worker(tier: Tier) -> None:
    # A client that sends half a form and stalls: nginx waits for the rest, not gunicorn.
    raw = socket.create_connection(("127.0.0.1", tier.web.https_port), timeout=30)
    stalled = tier.web.tls().wrap_socket(raw, server_hostname="127.0.0.1")
    stalled.sendall(
        f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{tier.web.https_port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        "username=slow".encode()
    )
    try:
        browser = tier.browser()
        started = time.monotonic()
        page = browser.get("/")
        waited = time.monotonic() - started
        browser.close()
    finally:
        stalled.close()
    assert page.status == 200
    assert waited < 10, f"the page waited {waited:.1f}s behind a stalled client"


@pytest.mark.slow
def test_live_upgrades_to_a_websocket_through_nginx(tier: Tier, writer: Browser) -> None:
    raw = socket.create_connection(("127.0.0.1", tier.web.https_port), timeout=30)
    with tier.web.tls().wrap_socket(raw, server_hostname="127.0.0.1") as connection:
        connection.sendall(
            f"GET /live HTTP/1.1\r\nHost: 127.0.0.1:{tier.web.https_port}\r\n"
            f"Origin: {tier.web.https_url}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = connection.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 101")
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head  # RFC 6455's answer to that key

    # An event reaches a signed-in socket through nginx: its cookie and Origin pass too.
    live = Socket(tier.web.https_url, writer.cookies, tls=tier.web.tls())
    try:
        assert live.hello["signed_in"] is True
        written = writer.submit("/entry", title="Through nginx", body="Hi.", visibility="private")
        assert written.status == 302, written.text
        event = live.next()
        assert event["type"] == "entry-created"
        assert written.location.endswith(f"/entries/{event['entry_id']}")
    finally:
        live.close()


def test_a_socket_from_another_site_is_refused_through_nginx(tier: Tier) -> None:
    browser = tier.browser()
    answer = browser.get(
        "/live",
        headers={
            "Origin": "https://evil.example",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
    )
    browser.close()
    assert answer.status == 403
