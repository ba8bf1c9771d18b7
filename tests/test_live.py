"""The live socket (/live): who may open one, what each viewer is told, limits, resume.

The app runs under Werkzeug's threaded server in this process (``live_api``) and the
sockets are real WebSocket clients (``simple_websocket.Client``).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from simple_websocket import Client, ConnectionClosed

from journal.models import User
from journal.services import events
from tests.conftest import empty_pg_tables
from tests.helpers import PASSWORD
from tests.servers import Browser, free_port, gunicorn_server, redis_server

# How long a test waits for an event it expects (the poller runs every 0.3 s).
WAIT = 10.0
# How long a test waits to be sure an event does not come.
QUIET = 1.5


class Socket:
    """A WebSocket client that reads JSON messages (heartbeats and pongs skipped)."""

    def __init__(
        self,
        base_url: str,
        cookies: dict[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        **headers: str,
    ):
        # The browser's own User-Agent: the session is bound to it (SESSION_PROTECTION).
        sent = {"Origin": base_url, "User-Agent": "journal-tests", **headers}
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.client = Client.connect(
            base_url.replace("http", "ws", 1) + "/live", headers=sent, ssl_context=tls
        )
        # The client reads frames that came with the handshake answer only once more data
        # arrives: a ping's pong brings the hello out.
        self.send({"type": "ping"})
        self.hello = self.next()
        assert self.hello["type"] == "hello", self.hello

    def next(self, timeout: float = WAIT) -> dict[str, Any]:
        """The next message that is not a heartbeat; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            raw = self.client.receive(timeout=left)
            if raw is None:
                break
            message: dict[str, Any] = json.loads(raw)
            if message["type"] not in {"heartbeat", "pong"}:
                return message
        raise AssertionError(f"no message within {timeout}s")

    def quiet(self, timeout: float = QUIET) -> list[dict[str, Any]]:
        """Every message (heartbeats aside) that arrives within ``timeout`` seconds."""
        got = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            raw = self.client.receive(timeout=left)
            if raw is None:
                break
            message = json.loads(raw)
            if message["type"] not in {"heartbeat", "pong"}:
                got.append(message)
        return got

    def send(self, message: dict[str, Any] | str) -> None:
        """Send one message (a dict as JSON)."""
        self.client.send(message if isinstance(message, str) else json.dumps(message))

    def close_code(self, timeout: float = WAIT) -> int:
        """Read until the server closes the socket; its close code."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.client.receive(timeout=0.5)
        except ConnectionClosed:
            return int(self.client.close_reason)
        raise AssertionError("the socket stayed open")

    def close(self) -> None:
        """Close it from this side."""
        with contextlib.suppress(ConnectionClosed):
            self.client.close()


@pytest.fixture
def live_url(app: Flask, live_api: str) -> Iterator[str]:
    """The app served on loopback; its event listener stops afterwards.

    ``PUBLIC_URL`` is its address: the WebSocket client sends ``Host`` without the port,
    so the request's own host would not match the ``Origin`` a browser sends.
    """
    app.config["PUBLIC_URL"] = live_api
    yield live_api
    events.hub(app).close_all()


@pytest.fixture
def sockets() -> Iterator[list[Socket]]:
    """Sockets a test opened, closed afterwards."""
    opened: list[Socket] = []
    yield opened
    for socket in opened:
        socket.close()


_browsers: list[Browser] = []


@pytest.fixture(autouse=True)
def _close_browsers() -> Iterator[None]:
    yield
    while _browsers:
        _browsers.pop().close()


def new_browser(base_url: str) -> Browser:
    """A browser closed after the test."""
    browser = Browser(base_url)
    _browsers.append(browser)
    return browser


def signed_in_browser(base_url: str, username: str) -> Browser:
    """A browser signed in as ``username`` through the sign-in form."""
    browser = new_browser(base_url)
    answer = browser.submit("/login", username=username, password=PASSWORD)
    assert answer.status == 302, answer.text
    return browser


@pytest.fixture
def open_socket(live_url: str, sockets: list[Socket]) -> Callable[..., Socket]:
    """Open a socket as ``username`` (``None``: anonymous)."""

    def open_(username: str | None = None) -> Socket:
        cookies = signed_in_browser(live_url, username).cookies if username else None
        socket = Socket(live_url, cookies)
        sockets.append(socket)
        return socket

    return open_


def upgrade_answer(base_url: str, origin: str | None) -> int:
    """The status of a WebSocket handshake sent with ``origin``."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    if origin is not None:
        headers["Origin"] = origin
    connection.request("GET", "/live", headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


# --- who may open a socket ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("{own}", 101),
        ("https://evil.example", 403),
        ("{own}.evil.example", 403),
        ("null", 403),
        (None, 403),
    ],
)
def test_only_the_sites_own_pages_may_open_a_socket(
    app: Flask, live_url: str, origin: str | None, status: int
) -> None:
    # Without PUBLIC_URL (development), the request's own host is the one origin allowed.
    app.config["PUBLIC_URL"] = None
    sent = origin.replace("{own}", live_url) if origin else None
    assert upgrade_answer(live_url, sent) == status


def test_with_a_public_url_only_its_origin_may_open_a_socket(app: Flask, live_url: str) -> None:
    app.config["PUBLIC_URL"] = "https://journal.example"
    assert upgrade_answer(live_url, live_url) == 403
    assert upgrade_answer(live_url, "https://journal.example") == 101


def test_a_process_holding_its_most_sockets_refuses_more_before_the_upgrade(
    app: Flask, live_url: str, sockets: list[Socket]
) -> None:
    app.config["LIVE_MAX_SOCKETS"] = 1
    sockets.append(Socket(live_url))
    assert upgrade_answer(live_url, live_url) == 503
    sockets.pop().close()
    deadline = time.monotonic() + WAIT
    while upgrade_answer(live_url, live_url) != 101:
        assert time.monotonic() < deadline, "the closed socket's place never came free"
        time.sleep(0.1)


def test_a_plain_get_is_refused(live_url: str) -> None:
    browser = new_browser(live_url)
    assert browser.get("/live", headers={"Origin": live_url}).status == 400


# --- who is told what ----------------------------------------------------------------------


def test_hello_says_who_the_socket_is_for(
    open_socket: Callable[..., Socket], make_user: Callable[..., User]
) -> None:
    make_user("alice")
    assert open_socket().hello["signed_in"] is False
    assert open_socket("alice").hello["signed_in"] is True


@pytest.mark.parametrize(
    ("viewer", "told_of_private"),
    [(None, False), ("bob", False), ("alice", True)],
)  # fmt: skip
def test_a_private_entrys_event_reaches_only_its_author(
    app: Flask,
    open_socket: Callable[..., Socket],
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    viewer: str | None,
    told_of_private: bool,
) -> None:
    alice = make_user("alice")
    make_user("bob")
    socket = open_socket(viewer)
    private = make_entry(alice, title="My secret", visibility="private")
    public = make_entry(alice, title="Hello world", visibility="public")
    first = socket.next()
    if told_of_private:
        assert first["type"] == "entry-created"
        assert first["entry_id"] == private
        assert first["visibility"] == "private"
        first = socket.next()
    assert first["entry_id"] == public
    assert first["title"] == "Hello world"
    assert first["author"] == "alice"
    assert "My secret" not in json.dumps(first)


@pytest.mark.parametrize("viewer", [None, "bob"])
def test_making_an_entry_private_does_not_leak_it_to_others(
    app: Flask,
    open_socket: Callable[..., Socket],
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    viewer: str | None,
) -> None:
    alice = make_user("alice")
    make_user("bob")
    entry_id = make_entry(alice, title="Out loud", visibility="public")
    socket = open_socket(viewer)
    writer = signed_in_browser(socket_base(socket), "alice")
    edited = writer.submit(
        f"/entries/{entry_id}/edit", title="Now a secret", body="Hush.", visibility="private"
    )
    assert edited.status == 302, edited.text
    later = make_entry(alice, title="Marker", visibility="public")
    message = socket.next()
    assert message["entry_id"] == later, message


def socket_base(socket: Socket) -> str:
    """The http:// base URL a socket was opened on."""
    return f"http://{socket.client.host}:{socket.client.port}"


def test_the_author_follows_their_own_writing(
    open_socket: Callable[..., Socket],
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
) -> None:
    alice = make_user("alice")
    socket = open_socket("alice")
    entry_id = make_entry(alice, title="Draft one", visibility="private")
    created = socket.next()
    writer = signed_in_browser(socket_base(socket), "alice")
    assert writer.submit(f"/entries/{entry_id}/edit", title="Draft two", body="More.").status == 302
    changed = socket.next()
    token = writer.get(f"/entries/{entry_id}/edit").csrf_token()
    assert writer.post(f"/entries/{entry_id}/delete", {"csrf_token": token}).status == 302
    deleted = socket.next()
    assert [created["type"], changed["type"], deleted["type"]] == [
        "entry-created",
        "entry-changed",
        "entry-deleted",
    ]
    assert created["id"] < changed["id"] < deleted["id"]
    assert changed["version"] == created["version"] + 1


# --- limits ----------------------------------------------------------------------------------


def test_an_oversized_message_closes_the_socket(
    app: Flask, open_socket: Callable[..., Socket]
) -> None:
    socket = open_socket()
    socket.send("x" * (app.config["LIVE_MAX_MESSAGE_BYTES"] + 1))
    assert socket.close_code() == 1009


def test_a_flooding_client_is_cut_off(app: Flask, open_socket: Callable[..., Socket]) -> None:
    socket = open_socket()
    for _ in range(app.config["LIVE_MAX_MESSAGES_PER_SECOND"] * 3):
        try:
            socket.send({"type": "ping"})
        except (ConnectionClosed, OSError):  # the server closed it under our feet: cut off
            break
    assert socket.close_code() == 1008


def test_a_client_within_its_limits_is_answered(open_socket: Callable[..., Socket]) -> None:
    socket = open_socket()
    socket.send({"type": "ping"})
    assert json.loads(socket.client.receive(timeout=WAIT))["type"] == "pong"
    socket.send("not json")
    assert socket.next()["type"] == "error"
    socket.send({"type": "resume", "after": "yesterday"})
    assert socket.next()["type"] == "error"


def test_heartbeats_come_while_nothing_happens(
    app: Flask, open_socket: Callable[..., Socket]
) -> None:
    app.config["LIVE_HEARTBEAT_SECONDS"] = 0.5
    socket = open_socket()
    kinds = [json.loads(socket.client.receive(timeout=5))["type"] for _ in range(2)]
    assert "heartbeat" in kinds


# --- sessions ------------------------------------------------------------------------------


def test_signing_out_ends_that_sessions_socket(
    live_url: str, sockets: list[Socket], make_user: Callable[..., User]
) -> None:
    make_user("alice")
    browser = signed_in_browser(live_url, "alice")
    socket = Socket(live_url, browser.cookies)
    sockets.append(socket)
    assert browser.submit("/logout").status == 302
    assert socket.next()["type"] == "session-ended"
    assert socket.close_code() == 4001


NEW_PASSWORD = "another long and unusual passphrase"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/account/sessions/delete-others", {}),
        ("/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                               "password2": NEW_PASSWORD}),
    ],
    ids=["sign-out-everywhere", "password-change"],
)  # fmt: skip
def test_ending_the_other_sessions_ends_their_sockets_only(
    live_url: str,
    sockets: list[Socket],
    make_user: Callable[..., User],
    path: str,
    fields: dict[str, str],
) -> None:
    make_user("alice")
    phone = signed_in_browser(live_url, "alice")
    laptop = signed_in_browser(live_url, "alice")
    phone_socket, laptop_socket = Socket(live_url, phone.cookies), Socket(live_url, laptop.cookies)
    sockets += [phone_socket, laptop_socket]
    token = laptop.get("/account").csrf_token()
    assert laptop.post(path, {"csrf_token": token, **fields}).status == 302
    assert phone_socket.next()["type"] == "session-ended"
    assert phone_socket.close_code() == 4001
    assert laptop_socket.quiet() == []


# --- resume ----------------------------------------------------------------------------------


def test_a_socket_resumes_after_a_drop_with_what_it_missed(
    open_socket: Callable[..., Socket],
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
) -> None:
    alice = make_user("alice")
    make_user("bob")
    first = open_socket("bob")
    seen = make_entry(alice, title="Seen", visibility="public")
    last = first.next()
    assert last["entry_id"] == seen
    first.close()
    missed = [
        make_entry(alice, title="Missed one", visibility="public"),
        make_entry(alice, title="Not for bob", visibility="private"),
        make_entry(alice, title="Missed two", visibility="public"),
    ]
    again = open_socket("bob")
    again.send({"type": "resume", "after": last["id"]})
    got = [again.next(), again.next(), again.next()]
    assert [m.get("entry_id") for m in got[:2]] == [missed[0], missed[2]]
    assert got[2]["type"] == "resumed"
    assert got[2]["last_id"] == got[1]["id"]
    assert "Not for bob" not in json.dumps(got)


# --- real gunicorn: processes and hosts ------------------------------------------------------


def register(base_url: str, username: str) -> Browser:
    """Register ``username`` on a running server; returns the signed-in browser."""
    browser = new_browser(base_url)
    browser.register(username, PASSWORD)
    return browser


def write(browser: Browser, title: str, visibility: str = "public") -> int:
    """Write an entry through the form; returns its id."""
    # A kept-alive connection idle for long (sockets were being opened) may be gone.
    browser.connection.close()
    answer = browser.submit("/entry", title=title, body="Words.", visibility=visibility)
    assert answer.status == 302, answer.text
    return int(answer.location.rstrip("/").rsplit("/", 1)[-1])


@pytest.mark.slow
def test_events_cross_hosts_through_redis_and_sign_out_everywhere_reaches_them(
    pg_migrated_url: str,
    redis_url: str,
    tmp_path: Path,
    sockets: list[Socket],
) -> None:
    empty_pg_tables(pg_migrated_url)
    with (
        gunicorn_server(pg_migrated_url, tmp_path, workers=2, REDIS_URL=redis_url) as host_a,
        # A short worker timeout: gunicorn must not take a quiet socket for a stuck worker.
        gunicorn_server(
            pg_migrated_url, tmp_path, workers=2, REDIS_URL=redis_url, GUNICORN_TIMEOUT="2"
        ) as host_b,
    ):
        on_a = register(host_a.base_url, "alice")
        register(host_a.base_url, "bob")
        on_b = signed_in_browser(host_b.base_url, "alice")
        alice_b = Socket(host_b.base_url, on_b.cookies)
        bob_b = Socket(host_b.base_url, signed_in_browser(host_b.base_url, "bob").cookies)
        anonymous_b = Socket(host_b.base_url)
        sockets += [alice_b, bob_b, anonymous_b]
        time.sleep(4)  # twice gunicorn's timeout on host B

        private = write(on_a, "Only mine", "private")
        public = write(on_a, "For everyone")
        mine = [alice_b.next()["entry_id"], alice_b.next()["entry_id"]]
        assert mine == [private, public]
        for other in (bob_b, anonymous_b):
            told = other.next()
            assert told["entry_id"] == public
            assert told["title"] == "For everyone"

        on_a.connection.close()
        token = on_a.get("/account").csrf_token()
        assert on_a.post("/account/sessions/delete-others", {"csrf_token": token}).status == 302
        assert alice_b.next()["type"] == "session-ended"
        assert alice_b.close_code() == 4001
        assert bob_b.quiet() == []
        # The page the ended socket came from now signs in again.
        on_b.connection.close()
        assert on_b.get("/entry").status == 302


@pytest.mark.slow
def test_workers_of_one_host_share_events_without_redis_and_sigterm_says_going_away(
    sqlite_template: Path, tmp_path: Path, sockets: list[Socket]
) -> None:
    database = tmp_path / "journal.sqlite3"
    shutil.copyfile(sqlite_template, database)
    with gunicorn_server(f"sqlite:///{database}", tmp_path, workers=3) as host:
        writer = register(host.base_url, "alice")
        # Several sockets, so some sit in other workers than the one that takes the write.
        readers = [Socket(host.base_url) for _ in range(4)]
        sockets += readers
        entry_id = write(writer, "Across workers")
        for reader in readers:
            assert reader.next()["entry_id"] == entry_id
        # A page is still served while sockets hold threads.
        assert writer.get("/explore").status == 200
        host.process.terminate()
        assert {reader.close_code() for reader in readers} == {1001}


def test_events_go_through_redis_and_survive_a_redis_restart(
    app: Flask,
    open_socket: Callable[..., Socket],
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
) -> None:
    port = free_port()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    alice = make_user("alice")
    with redis_server(port):
        socket = open_socket()
        before = make_entry(alice, title="Before")
        assert socket.next()["entry_id"] == before
    # Redis is down: the write stands, and its event waits in the table.
    during = make_entry(alice, title="During")
    with redis_server(port):
        assert socket.next()["entry_id"] == during
        after = make_entry(alice, title="After")
        assert socket.next()["entry_id"] == after


def test_an_event_committed_after_a_later_one_still_goes_out_once(app: Flask) -> None:
    # On PostgreSQL two writes may commit in the other order than their ids.
    hub = events.Hub(app)
    got: list[int] = []
    listener = events.Listener(
        viewer_id=None,
        session_id=None,
        send_text=lambda text: got.append(json.loads(text)["entry_id"]),
        close=lambda code, reason: None,
    )
    hub.listeners.add(listener)

    def event(event_id: int) -> dict[str, Any]:
        return {"id": event_id, "type": "entry-created", "entry_id": event_id,
                "author_id": 1, "visibility": "public"}  # fmt: skip

    for event_id in (10, 9, 10, 11, 9):
        hub.deliver(event(event_id))
    assert got == [10, 9, 11]
