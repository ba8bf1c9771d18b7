"""``flask journal rerender``: stored HTML brought up to date with the renderer."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import Entry
from journal.services.rendering import rerender_entries

# What the renderer stored before bare links, task lists, footnotes and the
# remote-image rule existed.
OLD_HTML = {
    "Read https://example.org/a today.": "<p>Read https://example.org/a today.</p>\n",
    "- [x] done": "<ul>\n<li>[x] done</li>\n</ul>\n",
    "![cat](https://img.example/cat.png)": (
        '<p><img src="https://img.example/cat.png" alt="cat"></p>\n'
    ),
}
CURRENT_BODY = "**Already** current."


@pytest.fixture
def stale_entries(app, user, make_entry):
    """Three entries whose stored HTML is the old renderer's, and one that is current."""
    ids = {}
    for body, html in OLD_HTML.items():
        entry_id = make_entry(user, body=body)
        with app.app_context():
            db.session.execute(update(Entry).where(Entry.id == entry_id).values(body_html=html))
            db.session.commit()
        ids[body] = entry_id
    ids[CURRENT_BODY] = make_entry(user, body=CURRENT_BODY)
    return ids


def stored(app):
    with app.app_context():
        rows = db.session.execute(select(Entry.body, Entry.body_html, Entry.updated_at)).all()
    return {body: (html, updated_at) for body, html, updated_at in rows}


@pytest.mark.parametrize("batch_size", ["1", "2", "500"])
def test_rerender_command_updates_old_html_and_says_how_many(
    app, runner, stale_entries, batch_size
):
    before = stored(app)
    result = runner.invoke(args=["journal", "rerender", "--batch-size", batch_size])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 4 entries: 3 changed." in result.stdout
    after = stored(app)
    for body in stale_entries:
        assert after[body][0] == render_markdown(body)
        assert after[body][1] == before[body][1]  # not an edit: updated_at is kept
    assert 'class="contains-task-list"' in after["- [x] done"][0]
    assert "<img" not in after["![cat](https://img.example/cat.png)"][0]
    assert '<a href="https://example.org/a"' in after["Read https://example.org/a today."][0]


def test_rerender_again_changes_nothing(app, runner, stale_entries):
    assert runner.invoke(args=["journal", "rerender"]).exit_code == 0
    result = runner.invoke(args=["journal", "rerender"])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 4 entries: 0 changed." in result.stdout


def test_rerender_an_empty_database(runner):
    result = runner.invoke(args=["journal", "rerender"])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 0 entries: 0 changed." in result.stdout


def test_rerender_refuses_a_batch_size_below_one(app, runner):
    result = runner.invoke(args=["journal", "rerender", "--batch-size", "0"])
    assert result.exit_code == 2
    with app.app_context(), pytest.raises(ValueError, match="batch_size"):
        rerender_entries(batch_size=0)


def test_rerender_reports_progress_after_each_batch(app, stale_entries):
    calls = []
    with app.app_context():
        report = rerender_entries(
            batch_size=3, progress=lambda seen, changed: calls.append((seen, changed))
        )
    assert (report.seen, report.changed) == (4, 3)
    assert calls == [(3, 3), (4, 3)]


def test_rerender_prints_no_progress_line_for_a_small_journal(app, runner, user, make_entry):
    entry_id = make_entry(user, body="x")
    with app.app_context():
        db.session.execute(update(Entry).where(Entry.id == entry_id).values(body_html="old"))
        db.session.commit()
    result = runner.invoke(args=["journal", "rerender", "--batch-size", "10000"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # 1 entry: no progress line
    assert "1 changed" in result.stdout


def test_rerender_entries_without_a_progress_callback(app, stale_entries):
    with app.app_context():
        report = rerender_entries()
    assert (report.seen, report.changed) == (4, 3)
    assert stored(app)["- [x] done"][0] == render_markdown("- [x] done")
