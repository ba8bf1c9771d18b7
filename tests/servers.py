"""Real servers the tests start for themselves: PostgreSQL, gunicorn, Redis, SMTP."""

from __future__ import annotations

import glob
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aiosmtpd.smtp import Envelope

REQUIRE_ALL = os.environ.get("JOURNAL_REQUIRE_ALL") == "1"


def unavailable(reason: str) -> None:
    """Skip with ``reason``; under JOURNAL_REQUIRE_ALL=1 (CI) fail instead."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (JOURNAL_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user() -> list[str]:
    # pg_ctl refuses to run as root; CI runs as root, so run the server as `postgres`.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def postgresql_bindir() -> Path | None:
    """Where initdb and pg_ctl live: ``pg_config --bindir``, else Debian's versioned folders."""
    candidates: list[str] = []
    if shutil.which("pg_config"):
        result = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        candidates.append(result.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


@dataclass
class PostgreSQLServer:
    """A throwaway cluster on loopback; ``url(name)`` addresses one of its databases."""

    bindir: Path
    datadir: Path
    port: int

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """libpq connection string of ``database`` on this server."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on this cluster (``stop``, ``start``) as the right user."""
        subprocess.run(
            [*_as_postgres_user(), str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        """Start (or restart after ``stop``) the server and wait until it accepts connections."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.datadir.parent} -F -c max_connections=200"
        self.pg_ctl("-o", options, "-l", str(self.datadir.parent / "server.log"), "-w", "start")

    def stop(self) -> None:
        """Stop the server at once (its data stays for a later ``start``)."""
        self.pg_ctl("-m", "immediate", "-w", "stop")


@contextmanager
def postgresql_server() -> Iterator[PostgreSQLServer]:
    """Create a cluster in a temporary folder, start it, and remove it all afterwards."""
    bindir = postgresql_bindir()
    if bindir is None:
        unavailable(
            "PostgreSQL is not installed (no initdb/pg_ctl found); apt-get install postgresql"
        )
    assert bindir is not None
    folder = Path(tempfile.mkdtemp(prefix="journal-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        datadir = folder / "data"
        subprocess.run(
            [*_as_postgres_user(), str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
             "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        server = PostgreSQLServer(bindir=bindir, datadir=datadir, port=free_port())
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- gunicorn: the app as production runs it ---------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Enough for tests: production refuses to start without a long key and a public address.
PRODUCTION_SECRET_KEY = "test-only-secret-key-for-real-gunicorn-runs-0123456789"
# Seconds a server may take to answer its first request (a busy CI machine is slow to import).
START_TIMEOUT = 120


@dataclass
class GunicornServer:
    """A gunicorn master serving ``wsgi:app`` on loopback; its stderr goes to ``log_path``."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        """Where it answers."""
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything it wrote to stderr so far."""
        return self.log_path.read_text(errors="replace")


def production_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    """The process environment of a production start on ``database_url``."""
    return {
        **os.environ,
        "JOURNAL_ENV": "production",
        "SECRET_KEY": PRODUCTION_SECRET_KEY,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database_url,
        "PORT": str(port),
        **extra,
    }


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or stalls."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"server did not answer {url} within {START_TIMEOUT}s:\n{log_path.read_text()}")


def stop_process(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it lingers; returns the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return int(process.returncode)


@contextmanager
def gunicorn_server(
    database_url: str, log_dir: Path, workers: int = 4, **extra_env: str
) -> Iterator[GunicornServer]:
    """Run the project's gunicorn.conf.py with ``workers`` workers on a free loopback port."""
    port = free_port()
    log_path = log_dir / f"gunicorn-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "--config", "gunicorn.conf.py",
             "--workers", str(workers), "--bind", f"127.0.0.1:{port}"],
            cwd=PROJECT_ROOT,
            env=production_env(database_url, port, **extra_env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/healthz", process, log_path)
        yield GunicornServer(process=process, port=port, log_path=log_path)
    finally:
        stop_process(process)


_CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Answer:
    """One HTTP answer as a browser sees it."""

    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        """The redirect target."""
        return self.headers.get("Location", "")

    def csrf_token(self) -> str:
        """The CSRF token of the form on this page."""
        match = _CSRF_RE.search(self.text)
        assert match, f"no CSRF token in the answer (status {self.status})"
        return match.group(1)


class Browser:
    """A minimal cookie-keeping HTTP client for a real server (plain ``http.client``).

    It sends every cookie back, ``Secure`` ones included: the tests speak plain HTTP to a
    production app, as its TLS-terminating proxy would.
    """

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        """Send one request (a form as urlencoded body) and keep the cookies it sets."""
        headers = {"User-Agent": "journal-tests"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return Answer(status=response.status, headers=response.headers, text=text)

    def get(self, path: str) -> Answer:
        """GET ``path``."""
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        """POST a form to ``path``."""
        return self.request("POST", path, form)

    def submit(self, path: str, **fields: str) -> Answer:
        """Load the form at ``path`` and post it back with its CSRF token."""
        token = self.get(path).csrf_token()
        return self.post(path, {"csrf_token": token, **fields})

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


# --- Redis (shared rate-limit storage) ---------------------------------------------------


@dataclass
class RedisServer:
    """A throwaway redis-server on loopback, without persistence."""

    port: int

    @property
    def url(self) -> str:
        """The ``RATELIMIT_STORAGE_URI`` that points at this server."""
        return f"redis://127.0.0.1:{self.port}/0"


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Start redis-server in a temporary folder, wait until it answers, stop it afterwards."""
    import redis  # flask-limiter[redis] installs the client

    executable = shutil.which("redis-server")
    if executable is None:
        unavailable("redis-server is not installed; apt-get install redis-server")
    assert executable is not None
    folder = Path(tempfile.mkdtemp(prefix="journal-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [executable, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start within 5 seconds")
        client.close()
        yield RedisServer(port=port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


# --- SMTP (password-reset mail) ----------------------------------------------------------


@dataclass
class SMTPServer:
    """An aiosmtpd server on loopback that keeps every message it receives."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)


class _Collector:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        self.server.messages.append(message)
        return "250 Message accepted"


@contextmanager
def smtp_server() -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port, stopped afterwards."""
    from aiosmtpd.controller import Controller

    # Controller(port=0) fails its own readiness check: pick a free port first.
    server = SMTPServer(port=free_port())
    controller = Controller(_Collector(server), hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
