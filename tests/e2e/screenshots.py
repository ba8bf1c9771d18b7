"""``make screenshots``: PNGs of the main pages, light and dark, phone and desktop.

Seeds demo people and entries through the services into a throwaway SQLite file, serves
the app on loopback and photographs it with the system Chromium.
Usage: ``python -m tests.e2e.screenshots [folder]`` (default ``docs/screenshots``).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import Page, sync_playwright

from journal import create_app, init_migrations
from journal.models import utcnow
from tests.e2e.demo import PASSWORD, seed_demo
from tests.e2e.live import HEIGHTS, WIDTHS, chromium_path, launch_args, serve

DRAFT_TITLE = "Evening, back on the mainland"
DRAFT_BODY = """\
The crossing home was rough, and *wonderful*.

## Things to do tomorrow

- Develop the film
- Write to Anna about the island
"""


def fill_draft(page: Page) -> None:
    """Put a half-written entry into the editor, as someone in the middle of writing."""
    page.get_by_label("Title").fill(DRAFT_TITLE)
    page.get_by_label("Entry", exact=True).fill(DRAFT_BODY)
    page.get_by_label("Tags").fill("travel, film")
    page.get_by_label("Entry", exact=True).focus()
    page.evaluate("window.scrollTo(0, 0)")


def show_preview(page: Page) -> None:
    """The half-written entry again, switched to the editor's preview."""
    offer = page.locator(".draft-offer")  # the editor's shot left a draft behind
    if offer.count():
        offer.get_by_role("button", name="Discard").click()
    fill_draft(page)
    page.get_by_role("button", name="Preview").click()
    page.locator("#preview h2", has_text="Things to do tomorrow").wait_for()
    page.evaluate("window.scrollTo(0, 0)")


# What to do on a page before it is photographed.
ACTIONS = {"editor": fill_draft, "editor-preview": show_preview}


def main(folder: Path) -> int:
    """Write the screenshots into ``folder``; returns the process exit status."""
    if chromium_path() is None:
        print("Chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="journal-screens-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'journal.sqlite3'}"
        app = create_app("testing")
        init_migrations(app)
        with app.app_context():
            upgrade()
        demo = seed_demo(app)
        # Every page is photographed signed in as the demo author (whose zone is UTC).
        today = utcnow() - timedelta(minutes=20)  # the age of the demo's newest entries
        pages = {
            "home": "/",
            "calendar-year": f"/calendar/{today.year}",
            "calendar-month": f"/calendar/{today.year}/{today.month}",
            "day": f"/day/{today:%Y-%m-%d}",
            "on-this-day": "/on-this-day",
            "explore": "/explore",
            "entry": f"/entries/{demo.rich_entry_id}",
            "editor": "/entry",
            "editor-preview": "/entry",
            "edit": f"/entries/{demo.rich_entry_id}/edit",
            "search": "/search?q=ferry+island",
            "tag": "/tags/travel",
            "user": f"/u/{demo.author}",
            "account": "/account",
            "not-found": "/no-such-page",
        }
        with serve(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_args())
            login = browser.new_context()
            page = login.new_page()
            page.goto(server.at("/login"))
            page.get_by_label("Username or email").fill(demo.author)
            page.get_by_label("Password").fill(PASSWORD)
            page.locator("main").get_by_role("button", name="Sign in").click()
            page.wait_for_url(server.at("/"))
            state = login.storage_state()
            login.close()
            for device, width in WIDTHS.items():
                for scheme in ("light", "dark"):
                    context = browser.new_context(
                        storage_state=state,
                        viewport={"width": width, "height": HEIGHTS[device]},
                        color_scheme=scheme,  # type: ignore[arg-type]
                        locale="en-GB",
                        timezone_id="UTC",
                    )
                    page = context.new_page()
                    for name, path in pages.items():
                        page.goto(server.at(path))
                        if name in ACTIONS:
                            ACTIONS[name](page)
                        target = folder / f"{name}-{scheme}-{device}.png"
                        page.screenshot(path=str(target), animations="disabled", caret="hide")
                        print(target)
                    context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")))
