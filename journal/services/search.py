"""Full-text search per database: SQLite FTS5 (``entries_fts``) or PostgreSQL ``tsvector``.

Both indexes are created by migration 0002 and kept in step by the database itself (FTS5
triggers, a generated column), so every way of writing entries is searchable. Since
migration 0005 they index the title and ``body_text``, the body without its Markdown, so
extracts show what a reader sees (no ``**`` or ``- ``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    column,
    false,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.sql.elements import UnaryExpression

from journal.extensions import db
from journal.models import Entry

QUERY_MAX = 200
CANDIDATES = 200
# A search with more matches than this is common, and is run another way (see ``matching``):
# SQLite ranks it by the title, since bm25 counts every match of each word (45 ms for a word
# in each of a million entries); PostgreSQL walks the newest entries instead of the index.
COMMON_WORD_MATCHES = 10_000
# Result pages say how many matched, counted up to this bound ("more than 1,000").
MATCHES_COUNTED = 1_000
MARK_START = "\x02"
MARK_END = "\x03"
SNIPPET_WORDS = 24
_WORD_RE = re.compile(r"\w+")

entries_fts = table("entries_fts", column("rowid", Integer), column("title"), column("body_text"))
_FTS: ColumnElement[str] = literal_column("entries_fts")
_VECTOR: ColumnElement[str] = literal_column("entries.search_vector")
_ENGLISH: ColumnElement[str] = literal_column("'english'::regconfig")


def query_words(query: str) -> list[str]:
    """The searchable words of a query: its runs of letters and digits, punctuation dropped.

    This is also how both databases split the indexed text into words.
    """
    return _WORD_RE.findall(query[:QUERY_MAX])


def fts5_query(words: Sequence[str]) -> str:
    """An FTS5 query matching every word as plain text: each one quoted as an FTS5 string.

    Quoting turns ``AND``, ``NEAR(``, ``title:``, ``*`` and stray quotes into ordinary words,
    so no user text is FTS5 syntax.
    """
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def matching(query: Select[Entry], text: str) -> tuple[Select[Entry], ...]:
    """``query`` narrowed to entries matching ``text``, in two parts read one after the other.

    The first part is the newest ``CANDIDATES`` matches, best match first (then newest):
    ranking a word found in most of a million entries would otherwise cost a rank
    computation per match on every page view. The second part is every older match,
    most recently written first, so no match is ever out of reach.
    """
    words = query_words(text)
    if not words:
        return (query.where(false()),)
    newest: list[UnaryExpression[Any]] = [Entry.dated_at.desc(), Entry.id.desc()]
    if _dialect() == "postgresql":
        tsquery = func.websearch_to_tsquery(_ENGLISH, " ".join(words))
        found = _VECTOR.op("@@")(tsquery)
        by_rank = [func.ts_rank(_VECTOR, tsquery).desc(), *newest]
        if more_than(COMMON_WORD_MATCHES, select(literal_column("1")).where(found)):
            # Matches are dense: walking the newest entries finds the candidates (and a
            # page of older ones) within a few thousand rows, and the planner, whose
            # statistics know a frequent word, does so (0.4 ms at a million entries).
            # Reading every match through the GIN index first would cost a row per match:
            # 2.9 s for the word in every one of a million entries.
            candidates = select(Entry.id).where(found).order_by(Entry.id.desc()).limit(CANDIDATES)
            oldest = select(func.min(candidates.subquery().c.id)).scalar_subquery()
            best = query.where(Entry.id.in_(candidates)).order_by(None).order_by(*by_rank)
            rest = query.where(found, Entry.id < oldest).order_by(None).order_by(Entry.id.desc())
            return best, rest
        # At most ``COMMON_WORD_MATCHES`` matches: their ids are found through the GIN index
        # first, and only then ordered. Written as ``WHERE search_vector @@ q ORDER BY id DESC
        # LIMIT n``, the planner guesses thousands of matches for a word that has six (its
        # estimate for a word missing from the statistics) and walks the primary key
        # backwards testing every row: 1.5 s at a million entries. A MATERIALIZED CTE is
        # planned on its own, with no ORDER BY or LIMIT to tempt it, and read by both parts.
        matched = select(Entry.id.label("id")).where(found).cte("matched")
        matched = matched.prefix_with("MATERIALIZED")
        candidates = select(matched.c.id).order_by(matched.c.id.desc()).limit(CANDIDATES)
        oldest = select(func.min(candidates.subquery().c.id)).scalar_subquery()
        best = query.where(Entry.id.in_(candidates)).order_by(None).order_by(*by_rank)
        older = select(matched.c.id).where(matched.c.id < oldest)
        rest = query.where(Entry.id.in_(older)).order_by(None).order_by(Entry.id.desc())
        return best, rest
    match = _FTS.op("MATCH")(fts5_query(words))
    recent = (
        select(entries_fts.c.rowid)
        .where(match)
        .order_by(entries_fts.c.rowid.desc())
        .limit(CANDIDATES)
    )
    newest_matches = recent.subquery("candidates")
    oldest = select(func.min(newest_matches.c.rowid)).correlate(None).scalar_subquery()
    if any_common(words):
        # Cheap relevance: the candidates with every word in the title first, then newest.
        in_title = select(entries_fts.c.rowid).where(
            _FTS.op("MATCH")(" ".join(f"title : {fts5_query([word])}" for word in words)),
            entries_fts.c.rowid >= oldest,
        )
        ranked = select(
            newest_matches.c.rowid,
            case((newest_matches.c.rowid.in_(in_title), 0), else_=1).label("score"),
        ).subquery("ranked")
    else:
        # bm25, computed inside FTS5 for the candidates only: smaller is better; a word in
        # the title counts five times one in the body.
        ranked = recent.add_columns(func.bm25(_FTS, 5.0, 1.0).label("score")).subquery("ranked")
    best = (
        query.join(ranked, ranked.c.rowid == Entry.id)
        .order_by(None)
        .order_by(ranked.c.score, *newest)
    )
    # Joined, not IN (...): FTS5 then walks its matches newest first and stops at the page.
    rest = (
        query.join(entries_fts, entries_fts.c.rowid == Entry.id)
        .where(match, entries_fts.c.rowid < oldest)
        .order_by(None)
        .order_by(entries_fts.c.rowid.desc())
    )
    return best, rest


def more_than(bound: int, rows: Select[Any]) -> bool:
    """Whether ``rows`` has more than ``bound`` rows, reading at most ``bound + 1`` of them."""
    limited = rows.select_from(Entry).limit(bound + 1).subquery()
    return int(db.session.scalar(select(func.count()).select_from(limited)) or 0) > bound


def any_common(words: Sequence[str]) -> bool:
    """Whether any word matches more than ``COMMON_WORD_MATCHES`` entries (SQLite; one statement).

    Each count stops at the bound, so this costs at most that many index reads a word.
    """
    counts = [
        select(func.count())
        .select_from(
            select(entries_fts.c.rowid)
            .where(_FTS.op("MATCH")(fts5_query([word])))
            .limit(COMMON_WORD_MATCHES + 1)
            .subquery()
        )
        .scalar_subquery()
        for word in dict.fromkeys(words)
    ]
    return any(count > COMMON_WORD_MATCHES for count in db.session.execute(select(*counts)).one())


@dataclass(frozen=True)
class Count:
    """How many rows a listing has, counted up to a bound: exact, or "more than ``value``"."""

    value: int
    exact: bool

    def __str__(self) -> str:
        return f"{self.value:,}" if self.exact else f"more than {self.value:,}"


def count_up_to(parts: Sequence[Select[Any]], bound: int) -> Count:
    """How many rows the listing made of ``parts`` has, reading at most ``bound + 1`` a part.

    One statement: a ``COUNT`` over a ``LIMIT``ed subquery per part, so a word in every
    entry, or a listing of a million, costs no more than ``bound`` rows a part.
    """
    counts = [
        select(func.count())
        .select_from(
            part.with_only_columns(literal_column("1"), maintain_column_froms=True)
            .order_by(None)
            .limit(bound + 1)
            .subquery()
        )
        .scalar_subquery()
        for part in parts
    ]
    total = sum(int(count or 0) for count in db.session.execute(select(*counts)).one())
    if total > bound:
        return Count(bound, exact=False)
    return Count(total, exact=True)


def highlight(raw: str) -> Markup:
    """Escape a snippet, then turn the database's match markers into ``<mark>`` elements."""
    if raw.count(MARK_START) != raw.count(MARK_END):  # markers typed by the author: drop all
        raw = raw.replace(MARK_START, "").replace(MARK_END, "")
    safe = str(escape(raw))
    return Markup(safe.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S704


def snippets(entry_ids: Sequence[int], text: str) -> dict[int, Markup]:
    """A highlighted extract of each entry's body, for the entries of one result page only."""
    words = query_words(text)
    if not entry_ids or not words:
        return {}
    if _dialect() == "postgresql":
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, "
            'MinWords=8, MaxFragments=2, FragmentDelimiter=" … "'
        )
        extract = func.ts_headline(
            _ENGLISH, Entry.body_text, func.websearch_to_tsquery(_ENGLISH, " ".join(words)), options
        )
        rows = db.session.execute(
            Entry.__table__.select()
            .with_only_columns(Entry.id, extract)
            .where(Entry.id.in_(entry_ids))
        )
    else:
        extract = func.snippet(_FTS, 1, MARK_START, MARK_END, "…", SNIPPET_WORDS)
        rows = db.session.execute(
            entries_fts.select()
            .with_only_columns(entries_fts.c.rowid, extract)
            .where(_FTS.op("MATCH")(fts5_query(words)), entries_fts.c.rowid.in_(entry_ids))
        )
    return {int(entry_id): highlight(raw or "") for entry_id, raw in rows}
