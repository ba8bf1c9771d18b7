"""Profile one page in process with pyinstrument: where a slow page spends its time.

    .venv/bin/python benchmarks/profile.py /?page=3500            # on the last bench database
    .venv/bin/python benchmarks/profile.py /entries/50001 --signed-in --html > profile.html

Uses the production config on ``benchmarks/.data/run.sqlite3`` (written by ``make bench``)
unless DATABASE_URL is set; prints the SQL statements, CPU time per request and the profile.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    """Warm the page up, time it, then profile it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--signed-in", action="store_true", help="as the first seeded user")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--html", action="store_true", help="pyinstrument's HTML report")
    args = parser.parse_args()

    from pyinstrument import Profiler
    from sqlalchemy import event, select

    from journal import create_app
    from journal.extensions import db
    from journal.models import User
    from journal.services.seed import DEMO_PASSWORD

    database = ROOT / "benchmarks" / ".data" / "run.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ.setdefault("SECRET_KEY", "profile-" * 6)
    os.environ.setdefault("PUBLIC_URL", "http://127.0.0.1:8000")
    app = create_app("production")
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    client = app.test_client()
    if args.signed_in:
        with app.app_context():
            username = db.session.scalars(select(User.username).order_by(User.id)).first()
        page = client.get("/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, "no CSRF token on /login"
        data = {"username": username, "password": DEMO_PASSWORD, "csrf_token": match.group(1)}
        assert client.post("/login", data=data).status_code == 302, "sign-in failed"

    statements: list[str] = []

    def record(*parts: Any) -> None:
        statements.append(str(parts[2]))

    with app.app_context():
        engine = db.engine
    for _ in range(5):
        response = client.get(args.path)
    event.listen(engine, "before_cursor_execute", record)
    client.get(args.path)
    event.remove(engine, "before_cursor_execute", record)
    print(f"{args.path}: status {response.status_code}, {len(statements)} SQL statements")
    for statement in statements:
        print("  " + " ".join(statement.split())[:160])
    started = time.process_time()
    for _ in range(args.requests):
        client.get(args.path)
    cpu = (time.process_time() - started) / args.requests * 1000
    print(f"{cpu:.2f} ms CPU per request ({args.requests} requests)")
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(args.requests):
            client.get(args.path)
    print(profiler.output_html() if args.html else profiler.output_text(color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
