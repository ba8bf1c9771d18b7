"""Real servers the tests start for themselves: PostgreSQL, Redis, SMTP."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
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
