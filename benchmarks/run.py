"""``make bench``: seed, serve under gunicorn, drive with wrk, and write the results file.

    .venv/bin/python benchmarks/run.py --report benchmarks/results/<date>.json
writes the ``.md`` of a results file again from its ``.json``.

Settings (environment):
  BENCH_SIZE=small|full   100,000 (default) or 1,000,000 entries, 1,000 users
  BENCH_SCALING=1         also measure the pages at 10,000 / 100,000 / 1,000,000 entries
  BENCH_DURATION=5        seconds per page per round
  BENCH_CONNECTIONS=16    wrk connections for the page table
  BENCH_ROUNDS=3          interleaved rounds (the table shows the median, with min-max)
  BENCH_LABEL=before      appended to the results file name
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
LUA = BENCH / "wrk_report.lua"
BIN = Path(sys.executable).parent
SIZES = {"small": 100_000, "full": 1_000_000}
SCALING_SIZES = (10_000, 100_000, 1_000_000)
USERS = 1_000
SEED = 1
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
STRESS_CONNECTIONS = 64
WRITE_CONNECTIONS = 4
DEEP_PAGE = 5_000
PER_PAGE = 20
COMMON_WORD = "morning"
RARE_WORD = "quokka"
TAG = "travel"

sys.path[:0] = [str(ROOT), str(BENCH)]


def say(message: str) -> None:
    """Progress for the person running the benchmark."""
    print(message, file=sys.stderr, flush=True)


# --- the database -------------------------------------------------------------------------


def seed_key() -> str:
    """Changes whenever the schema or the seeder does, so a stale seeded file is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("migrations/versions/*.py"), ROOT / "journal/services/seed.py"]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def app_env(database: Path, port: int = 0) -> dict[str, str]:
    """The production settings the app runs with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        JOURNAL_ENV="production",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", secrets.token_urlsafe(48)),
        PUBLIC_URL=f"http://127.0.0.1:{port or 8000}",
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONPATH=str(ROOT),
    )
    return env


def seeded_database(entries: int) -> Path:
    """A migrated, seeded SQLite file for ``entries`` entries (built once, then reused)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"seed-{entries}-{seed_key()}.sqlite3"
    if path.exists():
        return path
    for stale in DATA.glob(f"seed-{entries}-*"):
        stale.unlink()
    building = path.with_suffix(".building")
    for leftover in DATA.glob(building.name + "*"):
        leftover.unlink()
    env = app_env(building)
    say(f"seeding {entries:,} entries (once; kept in {path.relative_to(ROOT)})")
    started = time.perf_counter()
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            BIN / "flask",
            "journal",
            "seed",
            "--users",
            str(USERS),
            "--entries",
            str(entries),
            "--seed",
            str(SEED),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with contextlib.closing(sqlite3.connect(building)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    building.rename(path)
    for leftover in DATA.glob(building.name + "*"):
        leftover.unlink()
    say(f"seeded in {time.perf_counter() - started:.0f} s")
    return path


def working_copy(seeded: Path) -> Path:
    """A copy to serve and write to, so the seeded file stays as seeded."""
    copy = DATA / "run.sqlite3"
    for old in DATA.glob("run.sqlite3*"):
        old.unlink()
    shutil.copyfile(seeded, copy)
    return copy


@dataclass
class Facts:
    """What the page list needs to know about the seeded data."""

    entries: int
    username: str
    entry_id: int
    anonymous_pages: int


def facts_about(database: Path) -> Facts:
    """Read the signed-in user, a public entry and the page count straight from the file."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        entries = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
        public = connection.execute("SELECT count(*) FROM entries WHERE is_public").fetchone()[0]
        username = connection.execute("SELECT username FROM users ORDER BY id LIMIT 1").fetchone()
        entry = connection.execute(
            "SELECT id FROM entries WHERE is_public AND id >= ? ORDER BY id LIMIT 1",
            (entries // 2,),
        ).fetchone()
    return Facts(
        entries=entries,
        username=username[0],
        entry_id=entry[0],
        anonymous_pages=max(1, math.ceil(public / PER_PAGE)),
    )


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A gunicorn master started with the project's ``gunicorn.conf.py``."""

    name: str
    port: int
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the master), from /proc."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_rss_mib(self) -> list[float]:
        """Each worker's resident memory in MiB."""
        sizes = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        """Stop gracefully, then for good."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(name: str, target: str, env: dict[str, str], port: int) -> Server:
    """gunicorn with the project's settings, bound to loopback, answering before we go on."""
    log = (DATA / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [
            BIN / "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--pythonpath",
            f"{ROOT},{BENCH}",
            target,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(name, port, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} did not start; see {log.name}")
        with contextlib.suppress(OSError):
            status, _, _ = request(port, "GET", "/")
            if status < 500:
                return server
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not answer within 60 s")


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, list[str]], bytes]:
    """One HTTP request; returns status, headers (lower-case names, all values) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        collected: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            collected.setdefault(name.lower(), []).append(value)
        return response.status, collected, response.read()
    finally:
        connection.close()


class Browser:
    """Just enough of a browser: keeps cookies (Secure ones too, we are on loopback)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        """The Cookie header this browser sends."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def go(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        """Send a request; returns status and body text."""
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, data = request(self.port, method, path, body, headers)
        for cookie in response_headers.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, data.decode("utf-8", "replace")


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(page: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(page)
    if not match:
        raise SystemExit("no CSRF token on the page")
    return match.group(1)


def sign_in(port: int, username: str, password: str) -> Browser:
    """Sign in through the real form, then load a page so the session holds its CSRF token."""
    browser = Browser(port)
    _, page = browser.go("GET", "/login")
    status, _ = browser.go(
        "POST",
        "/login",
        {"username": username, "password": password, "csrf_token": csrf_from(page)},
    )
    if status != 302:
        raise SystemExit(f"signing in as {username} answered {status}")
    browser.go("GET", "/")
    return browser


def api_token(port: int, username: str, password: str) -> str | None:
    """A bearer token for the API, or ``None`` when the API is not there."""
    import base64

    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    status, _, body = request(
        port, "POST", "/api/v1/tokens", b"", {"Authorization": f"Basic {credentials}"}
    )
    if status != 201:
        return None
    token: str = json.loads(body)["token"]
    return token


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Target:
    """One thing wrk is pointed at."""

    key: str
    label: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


def wrk(
    target: Target,
    connections: int,
    duration: int,
    method: str = "",
    body: str = "",
    content_type: str = "",
) -> dict[str, Any]:
    """Run wrk once; returns its JSON summary with req/s and latencies in ms."""
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "2s",
        "-s",
        str(LUA),
    ]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{target.port}{target.path}")
    env = dict(os.environ, WRK_METHOD=method, WRK_BODY=body, WRK_CONTENT_TYPE=content_type)
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    drain(target.port)
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds,
        "p50_ms": latency["p50"] / 1000,
        "p90_ms": latency["p90"] / 1000,
        "p99_ms": latency["p99"] / 1000,
        "max_ms": latency["max"] / 1000,
        "errors": raw["errors"],
    }


def drain(port: int) -> None:
    """Wait until the server has answered what wrk left queued, so rounds do not overlap."""
    request(port, "GET", "/healthz")


def summarise(samples: list[float]) -> dict[str, float]:
    """Median with min and max."""
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


# --- SQL statements per page, in process ----------------------------------------------------


def statement_counts(
    database: Path, pages: list[Target], username: str, password: str
) -> dict[str, int | None]:
    """Statements each page issues for one request (after a warm-up), anonymous and signed in."""
    from flask.testing import FlaskClient
    from sqlalchemy import event

    from journal import create_app
    from journal.extensions import db

    os.environ.update({k: v for k, v in app_env(database).items() if k != "PYTHONPATH"})
    app = create_app("production")
    # The test client speaks plain HTTP: let it send the Secure session cookie back.
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    counted = [0]
    with app.app_context():
        engine = db.engine

    def count(*_: Any) -> None:
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    anonymous = app.test_client()
    signed: FlaskClient = app.test_client()
    page = signed.get("/login").get_data(as_text=True)
    signed.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_from(page)}
    )
    signed.get("/")
    counts: dict[str, int | None] = {}
    for target in pages:
        client = signed if target.key.endswith(":signed") else anonymous
        headers = {k: v for k, v in target.headers.items() if k == "Authorization"}
        client.get(target.path, headers=headers)
        counted[0] = 0
        response = client.get(target.path, headers=headers)
        counts[target.key] = counted[0] if response.status_code == target.status else None
    event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.engine.dispose()
    return counts


def cpu_per_request(pages: list[Target], username: str, password: str) -> dict[str, float]:
    """CPU milliseconds one request costs in process (test client, no server, no network).

    CPU time, unlike req/s, hardly moves when other processes share the machine; the
    Flask hello view is measured the same way as ``hello_flask``.
    """
    from flask import Flask
    from hello_flask import app as hello

    from journal import create_app

    app = create_app("production")
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    anonymous, signed = app.test_client(), app.test_client()
    page = signed.get("/login").get_data(as_text=True)
    signed.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_from(page)}
    )
    signed.get("/")

    def measure(flask_app: Flask, client: Any, path: str, headers: dict[str, str]) -> float:
        for _ in range(3):
            client.get(path, headers=headers)
        started, done = time.process_time(), 0
        while done < 200 and (done < 5 or time.process_time() - started < 2):
            client.get(path, headers=headers)
            done += 1
        return (time.process_time() - started) / done * 1000

    result = {"hello_flask": measure(hello, hello.test_client(), "/", {})}
    for target in pages:
        client = signed if target.key.endswith(":signed") else anonymous
        headers = {k: v for k, v in target.headers.items() if k == "Authorization"}
        result[target.key] = measure(app, client, target.path, headers)
    return result


# --- one benchmark run ----------------------------------------------------------------------


def older_link(port: int, path: str, headers: dict[str, str]) -> str:
    """The page's "Older" link: what a reader following the pages requests next."""
    status, _, body = request(port, "GET", path, headers=headers)
    match = re.search(r'rel="next" href="([^"]+)"', body.decode())
    if status != 200 or match is None:
        return path  # no such page: the target is reported as missing
    return match.group(1).replace("&amp;", "&")


def page_targets(port: int, facts: Facts, cookie: str, token: str | None) -> list[Target]:
    """Every page, anonymous and signed in."""
    deep = min(DEEP_PAGE, facts.anonymous_pages)
    pages = [
        ("main", "main page 1", "/"),
        ("deep", f"main page {deep:,} by its link", f"/?page={deep - 1}"),
        ("typed", f"main page {deep:,} typed (?page=)", f"/?page={deep}"),
        ("entry", "entry page", f"/entries/{facts.entry_id}"),
        ("user", "user page", f"/u/{facts.username}"),
        ("tag", f"tag page ({TAG})", f"/tags/{TAG}"),
        ("search_common", f"search common word ({COMMON_WORD})", f"/search?q={COMMON_WORD}"),
        ("search_rare", f"search rare word ({RARE_WORD})", f"/search?q={RARE_WORD}"),
        ("feed", "Atom feed", "/feed.atom"),
        ("api", "API list", "/api/v1/entries"),
    ]
    targets = []
    for key, label, path in pages:
        targets.append(Target(f"{key}:anon", f"{label}, anonymous", port, path))
        if key == "api":
            headers = {"Authorization": f"Bearer {token}"} if token else {}
        else:
            headers = {"Cookie": cookie}
        targets.append(Target(f"{key}:signed", f"{label}, signed in", port, path, headers))
    for target in targets:
        if target.key.startswith("deep:"):  # the link from the page before, with its cursor
            target.path = older_link(port, target.path, target.headers)
    return targets


def available(targets: list[Target]) -> tuple[list[Target], dict[str, str]]:
    """The targets that answer 200; the others with the status they gave instead."""
    ok, missing = [], {}
    for target in targets:
        status, _, _ = request(target.port, "GET", target.path, headers=target.headers)
        if status == target.status:
            ok.append(target)
        else:
            missing[target.key] = f"n/a ({status})"
    return ok, missing


def measure_pages(references: list[Target], pages: list[Target], rounds: int) -> dict[str, Any]:
    """Interleaved rounds over every target; per target the median and range of each figure."""
    samples: dict[str, list[dict[str, Any]]] = {t.key: [] for t in [*references, *pages]}
    say("warming up")
    for target in [*references, *pages]:
        wrk(target, 2, 1)
    for number in range(1, rounds + 1):
        say(f"round {number} of {rounds}")
        for target in [*references, *pages]:
            result = wrk(target, CONNECTIONS, DURATION)
            samples[target.key].append(result)
            say(
                f"  {target.label:45} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.1f} ms"
                f"  p99 {result['p99_ms']:6.1f} ms"
            )
    hello = [s["rps"] for s in samples["hello_flask"]]
    table = {}
    for target in [*references, *pages]:
        runs = samples[target.key]
        errors = sum(sum(run["errors"].values()) for run in runs)
        table[target.key] = {
            "label": target.label,
            "path": target.path,
            "rps": summarise([run["rps"] for run in runs]),
            "p50_ms": summarise([run["p50_ms"] for run in runs]),
            "p99_ms": summarise([run["p99_ms"] for run in runs]),
            "ratio": summarise([run["rps"] / h for run, h in zip(runs, hello, strict=True)]),
            "errors": errors,
        }
    return table


def measure_single(targets: list[Target]) -> dict[str, Any]:
    """Latency with one connection: what one reader waits, with no queue in front of them.

    At 16 connections a page's latency is mostly its place in the queue (16 ÷ req/s), so
    the latency targets (search, and 1M against 10k entries) are read from this.
    """
    say("one connection")
    single = {}
    for target in targets:
        single[target.key] = result = wrk(target, 1, DURATION)
        say(f"  {target.label:45}  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms")
    return single


def measure_writes(
    port: int, browser: Browser, token: str | None, database: Path
) -> dict[str, Any]:
    """Entries created through the form (and the API when it is there), several connections."""
    results: dict[str, Any] = {}
    _, page = browser.go("GET", "/entry")
    form = urllib.parse.urlencode(
        {
            "csrf_token": csrf_from(page),
            "title": "Benchmark entry",
            "visibility": "public",
            "tags": "bench, travel",
            "body": "Written by *make bench* this morning.\n\n- one\n- two",
        }
    )
    before = entry_count(database)
    target = Target(
        "write_form",
        "create entry (form)",
        port,
        "/entry",
        {"Cookie": browser.cookie_header()},
        302,
    )
    result = wrk(
        target, WRITE_CONNECTIONS, DURATION, "POST", form, "application/x-www-form-urlencoded"
    )
    result["created"] = entry_count(database) - before
    results["form"] = result
    say(
        f"  writes through the form: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.1f} ms, "
        f"{result['created']} entries created"
    )
    if token is None:
        results["api"] = "n/a (/api/v1 answers 404): skipped"
    else:
        body = json.dumps(
            {
                "title": "Benchmark entry",
                "body": "Written by *make bench*.",
                "visibility": "public",
                "tags": ["bench"],
            }
        )
        before = entry_count(database)
        target = Target(
            "write_api",
            "create entry (API)",
            port,
            "/api/v1/entries",
            {"Authorization": f"Bearer {token}"},
            201,
        )
        result = wrk(target, WRITE_CONNECTIONS, DURATION, "POST", body, "application/json")
        result["created"] = entry_count(database) - before
        results["api"] = result
    return results


def entry_count(database: Path) -> int:
    """How many entries the file holds now."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM entries").fetchone()[0])


@contextlib.contextmanager
def serving(database: Path) -> Iterator[tuple[Server, Server, Server]]:
    """The app and both references, with the same gunicorn settings."""
    servers: list[Server] = []
    try:
        port = free_port()
        servers.append(start_server("journal", "wsgi:app", app_env(database, port), port))
        plain = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        for name in ("hello_wsgi", "hello_flask"):
            port = free_port()
            servers.append(start_server(name, f"{name}:app", plain, port))
        yield servers[0], servers[1], servers[2]
    finally:
        for server in servers:
            server.stop()


def run_size(entries: int, rounds: int, full: bool) -> dict[str, Any]:
    """Seed (or reuse), serve and measure at one size."""
    from journal.services.seed import DEMO_PASSWORD

    database = working_copy(seeded_database(entries))
    facts = facts_about(database)
    with serving(database) as (app, hello_wsgi, hello_flask):
        browser = sign_in(app.port, facts.username, DEMO_PASSWORD)
        token = api_token(app.port, facts.username, DEMO_PASSWORD)
        references = [
            Target("hello_wsgi", "reference: bare WSGI", hello_wsgi.port, "/"),
            Target("hello_flask", "reference: Flask hello", hello_flask.port, "/"),
        ]
        pages, missing = available(page_targets(app.port, facts, browser.cookie_header(), token))
        table = measure_pages(references, pages, rounds)
        result: dict[str, Any] = {"entries": facts.entries, "pages": table, "missing": missing}
        result["single"] = measure_single([references[1], *pages])
        if full:
            main = next(t for t in pages if t.key == "main:signed")
            say(f"{STRESS_CONNECTIONS}-connection check")
            stress = {}
            for target in [main, *(t for t in pages if t.key == "entry:anon")]:
                stress[target.key] = wrk(target, STRESS_CONNECTIONS, DURATION)
            result["stress"] = stress
            say("writes")
            result["writes"] = measure_writes(app.port, browser, token, database)
            result["rss_mib"] = app.worker_rss_mib()
            result["workers"] = len(app.worker_pids())
            result["statements"] = statement_counts(
                database,
                [*pages, *(Target(k, "", 0, "") for k in missing)],
                facts.username,
                DEMO_PASSWORD,
            )
            result["cpu_ms"] = cpu_per_request(pages, facts.username, DEMO_PASSWORD)
            result["paths"] = {t.key: t.path for t in pages}
    return result


# --- the report -----------------------------------------------------------------------------


def fmt_load(load: tuple[float, float, float]) -> str:
    """``1.0/0.8/0.5``."""
    return "/".join(f"{value:.1f}" for value in load)


def fmt_range(figure: dict[str, float], digits: int = 0) -> str:
    """``median (min-max)``."""
    return f"{figure['median']:.{digits}f} ({figure['min']:.{digits}f}–{figure['max']:.{digits}f})"


PAGE_ORDER = [
    "main",
    "deep",
    "typed",
    "entry",
    "user",
    "tag",
    "search_common",
    "search_rare",
    "feed",
    "api",
]


def page_keys() -> list[str]:
    """Every page key in table order."""
    return [f"{page}:{who}" for page in PAGE_ORDER for who in ("anon", "signed")]


def targets_report(run: dict[str, Any], scaling: dict[int, Any] | None) -> list[tuple[str, str]]:
    """Each performance target with whether it holds in this run."""
    pages, at = run["pages"], f"{run['entries']:,} entries"
    out: list[tuple[str, str]] = []

    def ratio(key: str, floor: float, name: str) -> None:
        if key not in pages:
            out.append((name, run["missing"].get(key, "not measured")))
            return
        value = pages[key]["ratio"]["median"]
        cpu = run.get("cpu_ms", {})
        by_cpu = f"; by CPU time {cpu['hello_flask'] / cpu[key]:.2f} ×" if key in cpu else ""
        verdict = "holds" if value >= floor else "FAILS"
        out.append((name, f"{verdict}: {value:.2f} × ({at}{by_cpu})"))

    ratio("main:signed", 0.35, "main page signed in ≥ 0.35 × Flask hello")
    if "main:signed" in pages:
        p99 = pages["main:signed"]["p99_ms"]["median"]
        verdict = "holds" if p99 <= 50 else "FAILS"
        out.append(
            ("main page signed in p99 ≤ 50 ms at 16 connections", f"{verdict}: {p99:.1f} ms ({at})")
        )
    for key in ("entry:anon", "entry:signed"):
        ratio(key, 0.45, f"entry page ({key.split(':')[1]}) ≥ 0.45 ×")
    for key in ("tag:anon", "tag:signed", "user:anon", "user:signed"):
        ratio(key, 0.30, f"{key.split(':')[0]} page ({key.split(':')[1]}) ≥ 0.30 ×")
    single = run.get("single", {})
    for who in ("anon", "signed"):
        deep, first = pages.get(f"deep:{who}"), pages.get(f"main:{who}")
        if deep and first:
            # Both ways: p50 at 16 connections (mostly the queue) and at one (the page itself).
            factors = [deep["p50_ms"]["median"] / first["p50_ms"]["median"]]
            if f"deep:{who}" in single and f"main:{who}" in single:
                factors.append(single[f"deep:{who}"]["p50_ms"] / single[f"main:{who}"]["p50_ms"])
            verdict = "holds" if max(factors) <= 1.2 else "FAILS"
            shown = " at 16 connections, ".join(f"{factor:.2f} ×" for factor in factors)
            out.append(
                (
                    f"deep page ≤ 1.2 × page 1 latency ({who})",
                    f"{verdict}: {shown}{' at 1' if len(factors) > 1 else ''} ({deep['label']})",
                )
            )
    for word in ("search_common", "search_rare"):
        for who in ("anon", "signed"):
            key = f"{word}:{who}"
            if key not in pages:
                out.append((f"{key} p50 ≤ 20 ms", run["missing"].get(key, "not measured")))
                continue
            one = run.get("single", {}).get(key)
            p50 = one["p50_ms"] if one else pages[key]["p50_ms"]["median"]
            how = "1 connection" if one else f"{CONNECTIONS} connections"
            note = "" if run["entries"] >= 1_000_000 else "; target is at 1M"
            verdict = "holds" if p50 <= 20 else "FAILS"
            out.append((f"{key} p50 ≤ 20 ms", f"{verdict}: {p50:.1f} ms ({how}, {at}{note})"))
    stress = run.get("stress", {})
    bad = {k: sum(v["errors"].values()) for k, v in stress.items()}
    out.append(
        (
            "no errors or timeouts at 64 connections",
            ("holds" if not any(bad.values()) else "FAILS")
            + ": "
            + ", ".join(f"{k} {n} errors" for k, n in bad.items()),
        )
    )
    rss = run.get("rss_mib") or [0.0]
    out.append(
        ("worker RSS ≤ 80 MiB", f"{'holds' if max(rss) <= 80 else 'FAILS'}: max {max(rss):.0f} MiB")
    )
    if scaling and 10_000 in scaling and 1_000_000 in scaling:
        worst = ("", 0.0)
        small_single = scaling[10_000].get("single", {})
        big_single = scaling[1_000_000].get("single", {})
        for key, small in scaling[10_000]["pages"].items():
            big = scaling[1_000_000]["pages"].get(key)
            if big and ":" in key:
                if key in small_single and key in big_single:
                    factor = big_single[key]["p50_ms"] / small_single[key]["p50_ms"]
                else:
                    factor = big["p50_ms"]["median"] / small["p50_ms"]["median"]
                worst = max(worst, (key, factor), key=lambda pair: pair[1])
        verdict = "holds" if worst[1] <= 1.2 else "FAILS"
        out.append(
            (
                "1M ≤ 1.2 × 10k latency, every page",
                f"{verdict}: worst {worst[0]} {worst[1]:.2f} × (p50 at 1 connection)",
            )
        )
    else:
        out.append(("1M ≤ 1.2 × 10k latency, every page", "not measured (BENCH_SCALING=1)"))
    return out


def markdown(report: dict[str, Any]) -> str:
    """The results file."""
    run = report["main"]
    lines = [
        f"# Benchmark {report['date']}{' — ' + report['label'] if report['label'] else ''}",
        "",
        f"{run['entries']:,} entries, {USERS:,} users, SQLite; gunicorn with `gunicorn.conf.py` "
        f"({run.get('workers', '?')} workers, {report['gunicorn']}), {report['cpus']} CPUs; "
        f"wrk {CONNECTIONS} connections, {DURATION} s per page, median of {report['rounds']} "
        f"interleaved rounds (min–max). Ratio = req/s ÷ Flask hello req/s in the same round. "
        "CPU ms/request: one request in process (test client, no server), with Flask hello's "
        "CPU time ÷ the page's in brackets — the figure least moved by other load. "
        f"Commit `{report['commit']}`. Load average (1/5/15 min) before the run "
        f"{fmt_load(report['load_before'])}, after {fmt_load(report['load_after'])}: "
        "a loaded machine lowers every figure, the references' too.",
        "",
        "| page | req/s | ratio to Flask hello | p50 ms | p99 ms | errors | SQL statements "
        "| CPU ms/request (ratio) | p50 / p99 ms at 1 connection |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    statements = run.get("statements", {})
    for key in ["hello_wsgi", "hello_flask", *page_keys()]:
        if key in run["pages"]:
            row = run["pages"][key]
            count = statements.get(key, "–") if ":" in key else "–"
            cpu = run.get("cpu_ms", {}).get(key)
            hello_cpu = run.get("cpu_ms", {}).get("hello_flask")
            cpu_cell = f"{cpu:.2f} ({hello_cpu / cpu:.2f})" if cpu and hello_cpu else "–"
            one = run.get("single", {}).get(key)
            one_cell = f"{one['p50_ms']:.2f} / {one['p99_ms']:.2f}" if one else "–"
            lines.append(
                f"| {row['label']} | {fmt_range(row['rps'])} | {fmt_range(row['ratio'], 2)} | "
                f"{fmt_range(row['p50_ms'], 1)} | {fmt_range(row['p99_ms'], 1)} | "
                f"{row['errors']} | {count} | {cpu_cell} | {one_cell} |"
            )
        elif key in run["missing"]:
            lines.append(f"| {key.replace(':', ', ')} | {run['missing'][key]} | | | | | | | |")
    rss = ", ".join(f"{r:.0f}" for r in run.get("rss_mib", []))
    lines += ["", f"Worker RSS after the run: {rss} MiB.", ""]
    if "stress" in run:
        lines.append(f"{STRESS_CONNECTIONS}-connection check ({DURATION} s, wrk timeout 2 s):")
        lines.append("")
        for key, result in run["stress"].items():
            lines.append(
                f"- {key}: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.1f} ms, "
                f"errors {result['errors']}"
            )
        lines.append("")
    writes = run.get("writes", {})
    if writes:
        lines.append(f"Writes ({WRITE_CONNECTIONS} connections, {DURATION} s):")
        lines.append("")
        for how, result in writes.items():
            if isinstance(result, str):
                lines.append(f"- {how}: {result}")
            else:
                lines.append(
                    f"- {how}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                    f"p99 {result['p99_ms']:.1f} ms, {result['created']} entries created, "
                    f"errors {result['errors']}"
                )
        lines.append("")
    if report.get("scaling"):
        sizes = sorted(report["scaling"], key=int)
        lines += [
            "## Scaling (p50 ms at 1 connection; at 16 connections in brackets, one round each)",
            "",
            "| page | " + " | ".join(f"{int(s):,}" for s in sizes) + " |",
            "|---|" + "---|" * len(sizes),
        ]
        for key in page_keys():
            cells = []
            for size in sizes:
                row = report["scaling"][size]["pages"].get(key)
                one = report["scaling"][size].get("single", {}).get(key)
                cells.append(
                    f"{one['p50_ms'] if one else float('nan'):.2f} ({row['p50_ms']['median']:.1f})"
                    if row
                    else report["scaling"][size]["missing"].get(key, "–")
                )
            lines.append(f"| {key.replace(':', ', ')} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Targets", "", "| target | result |", "|---|---|"]
    lines += [f"| {name} | {verdict} |" for name, verdict in report["targets"]]
    lines.append("")
    return "\n".join(lines)


def git_commit() -> str:
    """The commit measured (with ``+dirty`` when files changed)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--",
            "journal",
            "gunicorn.conf.py",
            "config.py",
            "wsgi.py",
            "migrations",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + ("+dirty" if dirty else "")


def rewrite_report(path: Path) -> int:
    """Write the ``.md`` of a results ``.json`` again (after a change to the report only)."""
    report = json.loads(path.read_text())
    if "scaling" in report:
        report["scaling"] = {int(size): run for size, run in report["scaling"].items()}
    report["targets"] = targets_report(report["main"], report.get("scaling"))
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    path.with_suffix(".md").write_text(markdown(report))
    say(f"written: {path.with_suffix('.md')}")
    return 0


def main() -> int:
    """Run the benchmark and write the results files."""
    if shutil.which("wrk") is None:
        say("wrk is not installed: install it first (Debian/Ubuntu: sudo apt-get install wrk).")
        return 2
    size = os.environ.get("BENCH_SIZE", "small")
    if size not in SIZES:
        say(f"BENCH_SIZE must be one of {', '.join(SIZES)}, not {size!r}")
        return 2
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        return rewrite_report(Path(sys.argv[2]))
    label = os.environ.get("BENCH_LABEL", "")
    conf = (ROOT / "gunicorn.conf.py").read_text()
    worker_class = re.search(r"^worker_class\s*=\s*(.+)$", conf, re.M)
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "label": label,
        "size": size,
        "rounds": ROUNDS,
        "connections": CONNECTIONS,
        "duration_s": DURATION,
        "cpus": os.cpu_count(),
        "commit": git_commit(),
        "gunicorn": f"worker_class {worker_class.group(1) if worker_class else 'sync'}",
    }
    report["load_before"] = os.getloadavg()
    report["main"] = run_size(SIZES[size], ROUNDS, full=True)
    report["load_after"] = os.getloadavg()
    scaling: dict[int, Any] | None = None
    if os.environ.get("BENCH_SCALING") == "1":
        scaling = {}
        for entries in SCALING_SIZES:
            say(f"scaling: {entries:,} entries")
            scaling[entries] = run_size(entries, 1, full=False)
        report["scaling"] = scaling
    report["targets"] = targets_report(report["main"], scaling)
    RESULTS.mkdir(exist_ok=True)
    stem = dt.datetime.now(dt.UTC).date().isoformat() + (f"-{label}" if label else "")
    text = markdown(report)
    (RESULTS / f"{stem}.md").write_text(text)
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(text)
    say(f"written: benchmarks/results/{stem}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
