"""Deterministic demo data, written in bulk: enough users and entries to try and to measure."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, text

from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import Entry, Tag, User, entry_tags
from journal.services.passwords import hash_password
from journal.text import excerpt, plain_text, word_count

# Every seeded account signs in with this password (documented in the README).
DEMO_PASSWORD = "journal demo passphrase"  # noqa: S105 (public by design)
CHUNK_SIZE = 10_000
PUBLIC_SHARE = 0.7
# Seeded entries are spread over these years, oldest first, whatever the day the seed runs.
FIRST_DAY = datetime(2019, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2026, 1, 1, tzinfo=UTC)
# How many tags an entry gets (0-4), and how likely each count is.
TAG_COUNT_WEIGHTS = (20, 30, 25, 15, 10)
# Words that appear in about one title in RARE_WORD_ODDS: searches for them find a handful.
RARE_WORDS = ("quokka", "zeppelin", "marzipan", "obsidian", "kumquat")
RARE_WORD_ODDS = 20_000
# A word in every seeded body: searches for it match (almost) everything.
WORD_IN_EVERY_BODY = "morning"

# Ordered from most to least used: tag i is picked with a weight of 1 / (i + 1).
TAG_VOCABULARY = (
    "life", "work", "family", "travel", "books", "ideas", "health", "music", "food", "running",
    "weekend", "friends", "garden", "coffee", "cooking", "photography", "movies", "learning",
    "python", "writing", "dreams", "sleep", "weather", "city", "nature", "cycling", "art",
    "history", "kids", "money", "home", "gratitude", "goals", "podcasts", "hiking", "birds",
    "chess", "knitting", "sql", "astronomy", "poetry", "baking", "languages", "tea",
    "meditation", "swimming", "vinyl", "woodwork", "climbing", "origami",
)  # fmt: skip
FIRST_NAMES = (
    "alex", "sam", "robin", "kim", "jo", "noor", "maria", "li", "omar", "ines", "yuki",
    "priya", "lars", "ada", "tomas", "zoe", "emeka", "hana", "ivan", "lucia",
)  # fmt: skip
ADJECTIVES = (
    "quiet", "long", "rainy", "bright", "slow", "busy", "strange", "good", "cold", "lazy",
    "late", "early", "small", "sudden", "green", "grey", "happy", "tired", "new", "last",
)  # fmt: skip
NOUNS = (
    "day", "walk", "evening", "idea", "letter", "train ride", "dinner", "week", "book",
    "conversation", "garden", "plan", "trip", "lesson", "song", "recipe", "meeting", "dream",
    "afternoon", "list",
)  # fmt: skip
PLACES = (
    "the park", "the office", "the kitchen", "the station", "the coast", "the hills",
    "the library", "town", "the market", "the river",
)  # fmt: skip
SENTENCES = (
    "The {noun} took longer than I expected, and I did not mind at all.",
    "I keep coming back to the {noun} from {place}.",
    "Nothing much happened, which is its own kind of {adjective} luck.",
    "Wrote three pages before breakfast; the {noun} can wait until tomorrow.",
    "Someone at {place} asked about the {noun} and I had no good answer.",
    "It was a {adjective} one, the kind you only notice afterwards.",
    "Note to self: fewer plans, more {noun}s.",
    "The light at {place} was {adjective} and soft for an hour.",
)
BODY_TEMPLATES = (
    "{s1} This {common} felt {adjective}.\n\n{s2}\n\n- {noun}\n- {place}\n- *{adjective}*\n",
    "# {Noun}\n\nThis {common}: {s1}\n\n> {s2}\n\n{s3}\n",
    "{s1}\n\n## What went well\n\n1. The {noun}\n2. **{Adjective}** weather this {common}\n"
    "3. {s2}\n",
    "Started the {common} at {place}. {s1}\n\n```\n{noun}: {adjective}\n```\n\n{s2} {s3}\n",
    "{s1} {s2}\n\nThis {common} I read [an article](https://example.org/{slug}) about "
    "the {noun}.\n\n{s3}\n",
    "| when | what |\n|---|---|\n| {common} | {noun} |\n| evening | {place} |\n\n{s1}\n\n"
    "~~{s2}~~ {s3}\n",
)
# Distinct bodies to draw from; each is rendered to HTML once per run.
BODY_POOL_SIZE = 120


class DatabaseNotEmpty(Exception):
    """Seeding was asked for on a database that already holds users or entries."""


@dataclass(frozen=True)
class SeedReport:
    """What a seed run wrote."""

    users: int
    entries: int
    tags: int
    entry_tags: int


@dataclass(frozen=True)
class _Body:
    source: str
    html: str
    text: str
    excerpt: str
    word_count: int


def make_bodies(rng: random.Random, count: int = BODY_POOL_SIZE) -> list[_Body]:
    """``count`` distinct Markdown bodies from the templates, each rendered once."""
    bodies: list[_Body] = []
    seen: set[str] = set()
    while len(bodies) < count:
        words = {
            "noun": rng.choice(NOUNS),
            "adjective": rng.choice(ADJECTIVES),
            "place": rng.choice(PLACES),
        }
        sentences = [rng.choice(SENTENCES).format(**words) for _ in range(3)]
        source = rng.choice(BODY_TEMPLATES).format(
            s1=sentences[0],
            s2=sentences[1],
            s3=sentences[2],
            common=WORD_IN_EVERY_BODY,
            Noun=words["noun"].capitalize(),
            Adjective=words["adjective"].capitalize(),
            slug=words["noun"].replace(" ", "-"),
            **words,
        )
        if source in seen:
            continue
        seen.add(source)
        plain = plain_text(source)
        bodies.append(
            _Body(source, render_markdown(source), plain, excerpt(plain), word_count(plain))
        )
    return bodies


def make_title(rng: random.Random) -> str:
    """A short varied title; about one in RARE_WORD_ODDS carries a rare word."""
    title = f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)}"
    if rng.random() < 0.4:
        title += f" at {rng.choice(PLACES)}"
    if rng.randrange(RARE_WORD_ODDS) == 0:
        title += f" with a {rng.choice(RARE_WORDS)}"
    return title


def is_empty() -> bool:
    """Whether the database holds no users and no entries."""
    return not (
        db.session.scalar(select(User.id).limit(1)) or db.session.scalar(select(Entry.id).limit(1))
    )


def seed(
    users: int,
    entries: int,
    seed: int = 1,
    *,
    append: bool = False,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Write ``users`` demo accounts and ``entries`` entries, the same ones for the same seed.

    :raises DatabaseNotEmpty: when the database has users or entries and ``append`` is false.
    :raises ValueError: when entries are asked for but there is no one to write them.
    """
    if not append and not is_empty():
        raise DatabaseNotEmpty("the database is not empty")
    db.session.rollback()
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not secrets)
    with _bulk_connection() as connection:
        user_ids = _insert_users(connection, rng, users)
        if not user_ids and entries:
            user_ids = list(connection.scalars(select(User.id).order_by(User.id)))
            if not user_ids:
                raise ValueError("there are no users to write entries: seed some with --users")
        tag_ids = _ensure_tags(connection)
        links = _insert_entries(connection, rng, entries, user_ids, tag_ids, chunk_size, progress)
        _advance_sequences(connection)
    return SeedReport(users=users, entries=entries, tags=len(tag_ids), entry_tags=links)


@contextmanager
def _bulk_connection() -> Iterator[Connection]:
    """A connection tuned for bulk loading; the settings end with the seed run."""
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Crash safety is pointless while loading demo data: a failed seed is rerun.
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-262144")
            connection.exec_driver_sql("PRAGMA temp_store=MEMORY")
            connection.commit()
        try:
            yield connection
        finally:
            connection.rollback()
            if sqlite:
                connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
                connection.exec_driver_sql("PRAGMA cache_size=-2000")
            connection.commit()
            # Fresh planner statistics: without them SQLite walks the public-entries index
            # for a user's page and sorts every public entry for a signed-in main page.
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def _last_issued_id(connection: Connection, table: str) -> int:
    """The largest id the database has handed out for ``table``, deleted rows included."""
    if connection.dialect.name == "postgresql":
        issued = "pg_sequence_last_value(pg_get_serial_sequence(:table, 'id')::regclass)"
        larger = "greatest"
    else:  # SQLite: AUTOINCREMENT keeps the largest id ever used in sqlite_sequence
        issued = "(SELECT seq FROM sqlite_sequence WHERE name = :table)"
        larger = "max"
    query = f"SELECT {larger}(coalesce({issued}, 0), coalesce(max(id), 0)) FROM {table}"  # noqa: S608
    return int(connection.scalar(text(query), {"table": table}) or 0)


def _next_id(connection: Connection, model: type[User] | type[Entry]) -> int:
    # Never an id that was used before, even by a row deleted since (migration 0003).
    return _last_issued_id(connection, model.__tablename__) + 1


def _insert_users(connection: Connection, rng: random.Random, count: int) -> list[int]:
    if count == 0:
        return []
    password_hash = hash_password(DEMO_PASSWORD)  # deliberately slow: once per run
    first_id = _next_id(connection, User)
    created = FIRST_DAY - timedelta(days=30)
    rows = []
    for user_id in range(first_id, first_id + count):
        username = f"{rng.choice(FIRST_NAMES)}{user_id}"
        rows.append(
            {
                "id": user_id,
                "username": username,
                "username_key": username,
                "email": f"{username}@example.org",
                "email_key": f"{username}@example.org",
                "password_hash": password_hash,
                "created_at": created + timedelta(minutes=rng.randrange(30 * 24 * 60)),
            }
        )
    for chunk in _chunks(rows, CHUNK_SIZE):
        connection.execute(insert(User), chunk)
        connection.commit()
    return list(range(first_id, first_id + count))


def _ensure_tags(connection: Connection) -> list[int]:
    """The ids of the tag vocabulary, in vocabulary order, inserting the missing tags."""
    existing = dict(
        connection.execute(select(Tag.name, Tag.id).where(Tag.name.in_(TAG_VOCABULARY))).all()
    )
    missing = [name for name in TAG_VOCABULARY if name not in existing]
    if missing:
        connection.execute(insert(Tag), [{"name": name} for name in missing])
        connection.commit()
        existing = dict(
            connection.execute(select(Tag.name, Tag.id).where(Tag.name.in_(TAG_VOCABULARY))).all()
        )
    return [existing[name] for name in TAG_VOCABULARY]


def _insert_entries(
    connection: Connection,
    rng: random.Random,
    count: int,
    user_ids: Sequence[int],
    tag_ids: Sequence[int],
    chunk_size: int,
    progress: Callable[[int], None] | None,
) -> int:
    if count == 0:
        return 0
    bodies = make_bodies(rng)
    tag_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(tag_ids))))
    count_weights = list(itertools.accumulate(TAG_COUNT_WEIGHTS))
    tag_counts = range(len(TAG_COUNT_WEIGHTS))
    first_id = _next_id(connection, Entry)
    step = (LAST_DAY - FIRST_DAY) / count
    links_written = 0
    for start in range(0, count, chunk_size):
        entry_rows: list[dict[str, Any]] = []
        link_rows: list[dict[str, int]] = []
        for index in range(start, min(start + chunk_size, count)):
            entry_id = first_id + index
            body = bodies[rng.randrange(len(bodies))]
            # Increasing with the id, with a little jitter, as real writing is.
            created = FIRST_DAY + step * index + timedelta(seconds=rng.randrange(3600))
            edited = rng.random() < 0.1
            entry_rows.append(
                {
                    "id": entry_id,
                    "author_id": user_ids[rng.randrange(len(user_ids))],
                    "title": make_title(rng),
                    "body": body.source,
                    "body_html": body.html,
                    "body_text": body.text,
                    "excerpt": body.excerpt,
                    "word_count": body.word_count,
                    "is_public": rng.random() < PUBLIC_SHARE,
                    "created_at": created,
                    "dated_at": created,
                    "timezone": "UTC",
                    "updated_at": created + timedelta(hours=rng.randrange(1, 72))
                    if edited
                    else created,
                }
            )
            how_many = rng.choices(tag_counts, cum_weights=count_weights)[0]
            if how_many:
                chosen = set(rng.choices(tag_ids, cum_weights=tag_weights, k=how_many))
                link_rows.extend({"entry_id": entry_id, "tag_id": tag_id} for tag_id in chosen)
        connection.execute(insert(Entry), entry_rows)
        if link_rows:
            connection.execute(insert(entry_tags), link_rows)
        connection.commit()
        links_written += len(link_rows)
        if progress is not None:
            progress(start + len(entry_rows))
    return links_written


def _advance_sequences(connection: Connection) -> None:
    """PostgreSQL: move the id sequences past the ids written explicitly."""
    if connection.dialect.name != "postgresql":
        return
    for table in ("users", "tags", "entries"):
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :next, false)"),
            {"next": _last_issued_id(connection, table) + 1},
        )
    connection.commit()


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
