"""Re-render every stored entry's HTML and plain text with today's Markdown renderer.

The HTML is rendered once, on save; after the renderer changes (new syntax, a
stricter sanitiser) old entries keep the old HTML until this runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from journal import text
from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import Entry

BATCH_SIZE = 500


@dataclass(frozen=True)
class RerenderReport:
    """How many entries were read and how many had HTML that changed."""

    seen: int
    changed: int


def rerender_entries(
    batch_size: int = BATCH_SIZE, progress: Callable[[int, int], None] | None = None
) -> RerenderReport:
    """Render each entry's body again and store the HTML where it differs.

    Walks the entries by id in batches, one transaction per batch, so a large
    journal never holds one long transaction and a stopped run can simply be run
    again. ``updated_at`` is untouched: nobody edited the entry. A row is written
    only if its body is still the one that was rendered, so an edit saved while
    this runs is never overwritten with HTML of the older text.

    :param progress: called after each batch with (seen, changed) so far.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    seen = changed = 0
    last_id = 0
    while True:
        rows = db.session.execute(
            select(
                Entry.id,
                Entry.body,
                Entry.body_html,
                Entry.body_text,
                Entry.excerpt,
                Entry.word_count,
            )
            .where(Entry.id > last_id)
            .order_by(Entry.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        for entry_id, body, body_html, body_text, excerpt, words in rows:
            html = render_markdown(body)
            plain = text.plain_text(body)
            card = (text.excerpt(plain), text.word_count(plain))
            if (html, plain, card) != (body_html, body_text, (excerpt, words)):
                # One statement per changed row: its row count says whether it was written
                # (a driver's executemany count is not reliable on every backend).
                result = db.session.execute(
                    update(Entry)
                    .where(Entry.id == entry_id, Entry.body == body)
                    .values(body_html=html, body_text=plain, excerpt=card[0], word_count=card[1])
                    .execution_options(synchronize_session=False)
                )
                changed += cast(CursorResult[Any], result).rowcount
        db.session.commit()
        seen += len(rows)
        last_id = rows[-1].id
        if progress is not None:
            progress(seen, changed)
    return RerenderReport(seen=seen, changed=changed)
