"""How long an import of the largest allowed file holds SQLite's write lock.

    .venv/bin/python benchmarks/import_lock.py

Builds a jrnl file of ``IMPORT_MAX_ENTRIES`` entries that fills ``MAX_IMPORT_LENGTH``
(tagged, Markdown bodies), imports it into a fresh migrated SQLite database, and prints
how long the import took, how long it held the write lock, and how long another writer
that started meanwhile had to wait.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journal import create_app, init_migrations  # noqa: E402
from journal.extensions import db  # noqa: E402
from journal.models import User  # noqa: E402
from journal.services import transfer  # noqa: E402


def jrnl_file(entries: int, size: int) -> bytes:
    """A jrnl export of ``entries`` entries, about ``size`` bytes in all."""
    words = "The *zeppelin* rose over the harbour, and [we](https://example.org) waved. "
    body = (words * (size // entries // len(words)))[: size // entries - 200]
    items = [
        {
            "title": f"Day {n}",
            "body": f"{body}\n\n- note {n}",
            "date": f"{2000 + n // 366:04d}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "time": f"{n % 24:02d}:{n % 60:02d}",
            "tags": [f"@tag{n % 50}", "@travel"],
            "starred": False,
        }
        for n in range(entries)
    ]
    return json.dumps({"tags": {}, "entries": items}).encode()


def main() -> None:
    folder = tempfile.mkdtemp()
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/journal.sqlite3"
    app = create_app("testing")
    init_migrations(app)
    with app.app_context():
        upgrade()
        user = User(
            username="importer",
            username_key="importer",
            email="importer@example.org",
            email_key="importer@example.org",
            password_hash="!",  # noqa: S106 (no password matches it)
        )
        db.session.add(user)
        db.session.commit()
        data = jrnl_file(app.config["IMPORT_MAX_ENTRIES"], app.config["MAX_IMPORT_LENGTH"])
        print(f"file: {len(data) / 2**20:.1f} MiB, {app.config['IMPORT_MAX_ENTRIES']} entries")

        moments: dict[str, float] = {}
        take_lock = transfer.lock_imports_of

        def timed_lock(who: User) -> None:
            take_lock(who)
            moments["locked"] = time.perf_counter()
            writer.start()

        def committed(session: object) -> None:
            moments.setdefault("committed", time.perf_counter())

        def other_writer() -> None:
            # Another user's write, started the moment the import holds the lock.
            with app.app_context():
                began = time.perf_counter()
                db.session.execute(text("UPDATE users SET email = email WHERE id = :id"), {"id": 1})
                db.session.commit()
                moments["other_waited"] = time.perf_counter() - began

        writer = threading.Thread(target=other_writer)
        transfer.lock_imports_of = timed_lock  # type: ignore[assignment]
        event.listen(db.session, "after_commit", committed)
        began = time.perf_counter()
        parsed = transfer.parse_import(data, app.config["IMPORT_MAX_ENTRIES"])
        parsed_at = time.perf_counter()
        report = transfer.import_entries(user, parsed)
        ended = time.perf_counter()
        writer.join()
    print(report.summary())
    print(f"parse: {parsed_at - began:.2f} s, whole import: {ended - began:.2f} s")
    print(f"write lock held: {moments['committed'] - moments['locked']:.2f} s")
    print(f"another writer waited: {moments['other_waited']:.2f} s")


if __name__ == "__main__":
    main()
