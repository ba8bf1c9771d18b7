"""Real servers the tests start for themselves: PostgreSQL now; more beside it as needed."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

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
