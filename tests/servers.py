"""Real servers the tests start for themselves: PostgreSQL, gunicorn, nginx, Redis, SMTP."""

from __future__ import annotations

import glob
import http.client
import os
import re
import shutil
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
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

    def __init__(
        self,
        base_url: str,
        tls: ssl.SSLContext | None = None,
        source_address: str | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname or "127.0.0.1"
        self.cookies: dict[str, str] = {}
        # The client's own address: any of 127.0.0.0/8 reaches a server on 127.0.0.1.
        source = (source_address, 0) if source_address else None
        self.connection: http.client.HTTPConnection
        if parts.scheme == "https":
            self.port = parts.port or 443
            self.connection = http.client.HTTPSConnection(
                self.host, self.port, timeout=60, context=tls, source_address=source
            )
        else:
            self.port = parts.port or 80
            self.connection = http.client.HTTPConnection(
                self.host, self.port, timeout=60, source_address=source
            )

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Send one request (a form as urlencoded body, or ``body`` as it is) and keep the
        cookies it sets. A POST names the page it comes from, as browsers do (over HTTPS the
        app's CSRF check wants a same-site ``Referer``)."""
        sent = {"User-Agent": "journal-tests", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent.setdefault("Referer", self.base_url + path)
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=sent)
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

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        """GET ``path``."""
        return self.request("GET", path, headers=headers)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        """POST a form to ``path``."""
        return self.request("POST", path, form)

    def submit(self, path: str, **fields: str) -> Answer:
        """Load the form at ``path`` and post it back with its CSRF token."""
        token = self.get(path).csrf_token()
        return self.post(path, {"csrf_token": token, **fields})

    def register(self, username: str, password: str) -> None:
        """Create the account ``username`` through the registration form (and so sign in)."""
        answer = self.submit(
            "/register",
            username=username,
            email=f"{username}@example.org",
            password=password,
            password2=password,
        )
        assert answer.status == 302, answer.text

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


# --- nginx: the web tier in front of gunicorn, with the shipped template -----------------

NGINX_TEMPLATE = PROJECT_ROOT / "deploy" / "nginx" / "journal.conf"
STATIC_ROOT = PROJECT_ROOT / "journal" / "static"
_PLACEHOLDER_RE = re.compile(r"\$\{JOURNAL_[A-Z0-9_]+\}")


def render_nginx_template(values: Mapping[str, str]) -> str:
    """The template with its ``${JOURNAL_...}`` placeholders filled, nothing else touched.

    ``safe_substitute`` with only the given names is what the nginx image's envsubst does:
    nginx's own ``$variables`` stay. A placeholder left unfilled is an error here, as it
    would be for nginx.
    """
    rendered = string.Template(NGINX_TEMPLATE.read_text()).safe_substitute(values)
    left = sorted(set(_PLACEHOLDER_RE.findall(rendered)))
    if left:
        raise ValueError(f"no value for {', '.join(left)} in the nginx template")
    return rendered


def nginx_executable() -> str | None:
    """Debian's nginx (in /usr/sbin, which a user's PATH may lack), or one on PATH."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (an IP address) and its key, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        unavailable("openssl is not installed; apt-get install openssl")
    assert openssl is not None
    certificate, key = folder / "certificate.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}",
         "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


@dataclass
class NginxServer:
    """nginx on two loopback ports (plain HTTP and HTTPS) in front of one upstream."""

    process: subprocess.Popen[bytes]
    http_port: int
    https_port: int
    certificate: Path
    folder: Path

    @property
    def http_url(self) -> str:
        """The plain-HTTP server block."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def https_url(self) -> str:
        """The TLS server block."""
        return f"https://127.0.0.1:{self.https_port}"

    def tls(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate only."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def error_log(self) -> str:
        """nginx's error log so far."""
        return (self.folder / "error.log").read_text(errors="replace")


def _nginx_main_conf(folder: Path) -> str:
    # The top level an operator's nginx.conf (or the nginx image's) provides; the shipped
    # template is included inside `http` unchanged. Everything nginx writes stays in `folder`.
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Started as root (CI), nginx's workers would switch to `nobody`, which may not read the
    # checkout or write the temporary folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} notice;
events {{
    worker_connections 256;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {folder / "access.log"};
{temp}
    include {folder / "journal.conf"};
}}
"""


@contextmanager
def nginx_server(
    upstream: str,
    folder: Path,
    http_port: int | None = None,
    https_port: int | None = None,
    **settings: str,
) -> Iterator[NginxServer]:
    """Run Debian's nginx with the shipped template in front of ``upstream`` (host:port).

    Plain HTTP and HTTPS listen on loopback (free ports unless given), HTTPS with a
    self-signed certificate for 127.0.0.1, and plain HTTP redirects to it; ``settings``
    override template values.
    """
    executable = nginx_executable()
    if executable is None:
        unavailable("nginx is not installed; apt-get install nginx")
    assert executable is not None
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = self_signed_certificate(folder)
    http_port, https_port = http_port or free_port(), https_port or free_port()
    values = {
        "JOURNAL_SERVER_NAME": "127.0.0.1",
        "JOURNAL_PUBLIC_URL": f"https://127.0.0.1:{https_port}",
        "JOURNAL_UPSTREAM": upstream,
        "JOURNAL_STATIC_ROOT": str(STATIC_ROOT),
        "JOURNAL_HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "JOURNAL_HTTPS_LISTEN": f"127.0.0.1:{https_port}",
        "JOURNAL_TLS_CERTIFICATE": str(certificate),
        "JOURNAL_TLS_CERTIFICATE_KEY": str(key),
        **settings,
    }
    (folder / "journal.conf").write_text(render_nginx_template(values))
    main_conf = folder / "nginx.conf"
    main_conf.write_text(_nginx_main_conf(folder))
    command = [executable, "-p", str(folder), "-c", str(main_conf), "-e", str(folder / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        pytest.fail(f"nginx refuses the rendered template:\n{checked.stderr}")
    (folder / "error.log").touch()
    with (folder / "nginx.out").open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        # /healthz over plain HTTP goes through to the app: both are up when it answers.
        wait_until_serving(f"http://127.0.0.1:{http_port}/healthz", process, folder / "error.log")
        yield NginxServer(
            process=process,
            http_port=http_port,
            https_port=https_port,
            certificate=certificate,
            folder=folder,
        )
    finally:
        stop_process(process)


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
def redis_server(port: int | None = None) -> Iterator[RedisServer]:
    """Start redis-server in a temporary folder, wait until it answers, stop it afterwards.

    ``port``: a chosen one, to start a server again where its clients look for it.
    """
    import redis  # flask-limiter[redis] installs the client

    executable = shutil.which("redis-server")
    if executable is None:
        unavailable("redis-server is not installed; apt-get install redis-server")
    assert executable is not None
    folder = Path(tempfile.mkdtemp(prefix="journal-redis-"))
    port = port or free_port()
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


# --- S3-compatible object storage (photos) ------------------------------------------------


@dataclass
class S3Server:
    """moto's standalone S3-compatible server on loopback (credentials are not checked)."""

    port: int

    @property
    def endpoint(self) -> str:
        """The ``S3_ENDPOINT_URL`` that points at this server."""
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Start ``moto_server`` (``moto[server]``, the test extra), wait until it answers, stop it."""
    executable = Path(sys.executable).with_name("moto_server")
    if not executable.exists():
        found = shutil.which("moto_server")
        if found is None:
            unavailable("moto_server is not installed; pip install 'moto[server]' (test extra)")
        executable = Path(str(found))
    port = free_port()
    process = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto_server did not start")
                time.sleep(0.1)
        yield S3Server(port=port)
    finally:
        process.terminate()
        process.wait(timeout=10)
