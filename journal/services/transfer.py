"""Export and import: the Journal export format and jrnl's JSON export (see the README)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import selectinload

from journal.exceptions import JournalError, ValidationFailed
from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import VISIBILITIES, Entry, User, entry_tags, utcnow
from journal.services import zones
from journal.services.entries import (
    FUTURE_LIMIT,
    TAGS_MAX,
    TITLE_MAX,
    EntryInput,
    check_entry,
    tags_named,
)
from journal.services.tag_rules import normalise_tag

EXPORT_FORMAT = "journal-export"
EXPORT_VERSION = 1
# Look-ups of possible duplicates go in batches of this many timestamps.
TIMESTAMPS_PER_LOOKUP = 500
# New entries are inserted this many at a time (all in the import's one transaction).
ENTRIES_PER_INSERT = 500
# How far ahead of now an imported date may lie (clocks and time zones differ); entries
# dated later would sit on top of every listing for years, so they are left out.
# The namespace of PostgreSQL advisory locks taken by imports (the second key is the user).
IMPORT_LOCK_NAMESPACE = 7_240_312


class ImportRefused(JournalError):
    """The file cannot be imported; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class ImportedEntry:
    """One entry read from a file, already shaped to the journal's rules."""

    title: str
    body: str
    visibility: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    # When it happened and the zone it was written in.
    dated_at: datetime
    timezone: str = "UTC"

    @property
    def key(self) -> tuple[str, str, datetime]:
        """What makes two entries exact duplicates: the same title, text and time."""
        return (self.title, self.body, self.created_at)


@dataclass(frozen=True)
class ParsedImport:
    """A whole file: which format it was, its entries, and what had to be adjusted."""

    source: str
    entries: list[ImportedEntry]
    dropped_tags: int = 0
    shortened_titles: int = 0


@dataclass
class ImportReport:
    """What an import did."""

    source: str
    imported: int = 0
    duplicates: int = 0
    dropped_tags: int = 0
    shortened_titles: int = 0
    too_far_ahead: int = 0

    def summary(self) -> str:
        """One sentence for the person who imported."""
        noun = "entry" if self.imported == 1 else "entries"
        text = f"Imported {self.imported} {noun} from a {self.source} file"
        extras = []
        if self.duplicates:
            extras.append(f"skipped {self.duplicates} already in your journal")
        if self.too_far_ahead:
            extras.append(f"left out {self.too_far_ahead} dated more than a day ahead of today")
        if self.dropped_tags:
            extras.append(f"dropped {self.dropped_tags} tag(s) that are not valid tags")
        if self.shortened_titles:
            extras.append(
                f"shortened {self.shortened_titles} title(s) to {TITLE_MAX} characters "
                "(the whole text is in the body)"
            )
        if extras:
            text += "; " + ", ".join(extras)
        return text + "."


# --- export ------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def export_entry(entry: Entry) -> dict[str, Any]:
    """One entry as the export format writes it."""
    return {
        "id": entry.id,
        "title": entry.title,
        "body": entry.body,
        "visibility": entry.visibility,
        "tags": [tag.name for tag in entry.tags],
        "date": zones.to_local(entry.dated_at, entry.timezone).isoformat(),
        "timezone": entry.timezone,
        "created_at": _iso(entry.created_at),
        "updated_at": _iso(entry.updated_at),
    }


def export_document(user: User) -> dict[str, Any]:
    """Every entry of ``user`` in the Journal export format, oldest first."""
    entries = db.session.scalars(
        select(Entry)
        .where(Entry.author_id == user.id)
        .options(selectinload(Entry.tags))
        .order_by(Entry.created_at, Entry.id)
    ).all()
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(utcnow()),
        "user": {"username": user.username},
        "entries": [export_entry(entry) for entry in entries],
    }


# --- parsing (pure) -------------------------------------------------------------------------


def decode_document(data: bytes) -> Any:
    """The JSON value in ``data``; refuses text that is not UTF-8 or not JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("The file is not UTF-8 text, so it cannot be an export.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRefused(
            f"The file is not valid JSON (line {error.lineno}, column {error.colno})."
        ) from None
    except RecursionError:
        raise ImportRefused("The file is nested too deeply to be an export.") from None
    except ValueError:  # a number longer than Python converts (4,300 digits)
        raise ImportRefused("The file holds a number too long to be part of an export.") from None


def parse_import(
    data: bytes, max_entries: int | None = None, zone_name: str = "UTC"
) -> ParsedImport:
    """Read a Journal export or a jrnl JSON export; raises ``ImportRefused`` naming the problem.

    jrnl writes local times without a zone: they are read in ``zone_name`` (the importer's).

    A file of more than ``max_entries`` entries is refused before any is read: one import
    is one request, and its work must stay bounded.
    """
    document = decode_document(data)
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise ImportRefused(
            'This is JSON, but neither a Journal export nor a jrnl JSON export (no "entries" list).'
        )
    if max_entries is not None and len(document["entries"]) > max_entries:
        raise ImportRefused(
            f"The file holds {len(document['entries']):,} entries; one import takes at most "
            f"{max_entries:,}. Split it into smaller files and import each."
        )
    if document.get("format") == EXPORT_FORMAT:
        if document.get("version") != EXPORT_VERSION:
            raise ImportRefused(
                f"This Journal export has version {document.get('version')!r}; "
                f"only version {EXPORT_VERSION} can be imported."
            )
        return _parse_entries("Journal export", document["entries"], _journal_entry, zone_name)
    if "format" in document:
        raise ImportRefused(f"Unknown export format {str(document['format'])[:40]!r}.")
    return _parse_entries("jrnl", document["entries"], _jrnl_entry, zone_name)


@dataclass
class _Tally:
    dropped_tags: int = 0
    shortened_titles: int = 0
    zone: str = "UTC"


def _parse_entries(source: str, items: list[Any], parse_one: Any, zone_name: str) -> ParsedImport:
    tally = _Tally(zone=zone_name)
    entries = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ImportRefused(f"Entry {number} is not an object.")
        try:
            entries.append(parse_one(item, tally))
        except ImportRefused as error:
            raise ImportRefused(f"Entry {number}: {error}") from None
    return ParsedImport(source, entries, tally.dropped_tags, tally.shortened_titles)


def _text(item: dict[str, Any], name: str, default: str | None = None) -> str:
    value = item.get(name, default)
    if not isinstance(value, str):
        raise ImportRefused(f'"{name}" must be text.')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # JSON's "\ud800": half of a character, which nothing stores
        raise ImportRefused(f'"{name}" holds a broken character (a lone surrogate).') from None
    return value


def _timestamp(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ImportRefused(f'"{name}" must be an ISO 8601 time.')
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ImportRefused(f'"{name}" is not an ISO 8601 time: {value[:40]!r}.') from None
    if moment.tzinfo is None:  # no zone written: take it as UTC
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise ImportRefused(f'"{name}" lies outside the calendar in UTC: {value[:40]!r}.') from None


def clean_tags(names: Iterable[Any], tally: _Tally) -> tuple[str, ...]:
    """Tags without their ``@``/``#``, normalised; invalid ones and extras are counted."""
    tags: list[str] = []
    for name in names:
        tag = normalise_tag(name.strip().lstrip("@#")) if isinstance(name, str) else None
        if tag is None or len(tags) >= TAGS_MAX and tag not in tags:
            tally.dropped_tags += 1
        elif tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _title_and_body(title: str, body: str, tally: _Tally) -> tuple[str, str]:
    title = title.strip()
    if len(title) > TITLE_MAX:
        tally.shortened_titles += 1
        body = f"{title}\n\n{body}" if body.strip() else title
        title = title[:TITLE_MAX].rstrip()
    if not body.strip():
        body = title
    return title, body


def _checked(entry: ImportedEntry) -> ImportedEntry:
    # The date is not judged here: an entry dated too far ahead is left out and counted
    # by ``import_entries``, not a reason to refuse the whole file.
    try:
        check_entry(
            EntryInput(entry.title, entry.body, entry.visibility, entry.tags, None, entry.timezone)
        )
    except ValidationFailed as error:
        raise ImportRefused(" ".join(m for msgs in error.errors.values() for m in msgs)) from None
    return entry


def _tag_list(item: dict[str, Any]) -> list[Any]:
    tags = item.get("tags", [])
    if not isinstance(tags, list):
        raise ImportRefused('"tags" must be a list.')
    return tags


def _journal_entry(item: dict[str, Any], tally: _Tally) -> ImportedEntry:
    title, body = _title_and_body(_text(item, "title"), _text(item, "body"), tally)
    visibility = item.get("visibility", "private")
    if visibility not in VISIBILITIES:
        raise ImportRefused('"visibility" must be "private" or "public".')
    created_at = _timestamp(item.get("created_at"), "created_at")
    updated_at = _timestamp(item.get("updated_at", item.get("created_at")), "updated_at")
    # Exports made before entries had a date of their own: the date is when it was written.
    dated_at = _timestamp(item["date"], "date") if "date" in item else created_at
    zone_name = item.get("timezone", "UTC")
    if not isinstance(zone_name, str) or not zones.is_valid_zone(zone_name):
        raise ImportRefused('"timezone" must be an IANA time zone name such as "Europe/Paris".')
    return _checked(
        ImportedEntry(
            title,
            body,
            visibility,
            clean_tags(_tag_list(item), tally),
            created_at,
            max(updated_at, created_at),
            dated_at,
            zone_name,
        )
    )


def _jrnl_entry(item: dict[str, Any], tally: _Tally) -> ImportedEntry:
    title, body = _title_and_body(_text(item, "title"), _text(item, "body", ""), tally)
    date, time = _text(item, "date"), _text(item, "time", "00:00")
    try:
        # jrnl writes local time without a zone or seconds: read it in the importer's zone.
        wall_time = datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M")  # noqa: DTZ007
        moment = zones.local_to_utc(wall_time, tally.zone)
    except (ValueError, OverflowError):
        raise ImportRefused(
            f'"date" and "time" must look like 2024-03-01 and 08:15, not {date!r} {time!r}.'
        ) from None
    tags = clean_tags(_tag_list(item), tally)
    return _checked(ImportedEntry(title, body, "private", tags, moment, moment, moment, tally.zone))


# --- writing ----------------------------------------------------------------------------------


def _existing_keys(user: User, moments: Sequence[datetime]) -> set[tuple[str, str, datetime]]:
    keys: set[tuple[str, str, datetime]] = set()
    unique = sorted(set(moments))
    for start in range(0, len(unique), TIMESTAMPS_PER_LOOKUP):
        rows = db.session.execute(
            select(Entry.title, Entry.body, Entry.created_at).where(
                Entry.author_id == user.id,
                Entry.created_at.in_(unique[start : start + TIMESTAMPS_PER_LOOKUP]),
            )
        )
        keys.update((title, body, created_at) for title, body, created_at in rows)
    return keys


def _new_entries(user: User, entries: Iterable[ImportedEntry]) -> list[ImportedEntry]:
    """``entries`` less those already in the journal and repeats inside the file."""
    entries = list(entries)
    seen = _existing_keys(user, [entry.created_at for entry in entries])
    new = []
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            new.append(entry)
    return new


def lock_imports_of(user: User) -> None:
    """Wait for any other import into ``user``'s journal, then hold it off until commit.

    PostgreSQL: a transaction-scoped advisory lock on the user. SQLite: a write as the
    transaction's first statement takes the database's write lock at once (what ``BEGIN
    IMMEDIATE`` does), so the look for duplicates that follows sees every earlier import.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK_NAMESPACE, user.id)))
    else:
        db.session.execute(text("UPDATE users SET id = id WHERE id = :id"), {"id": user.id})


def _insert(user: User, entries: Sequence[ImportedEntry], html: dict[str, str]) -> None:
    """Insert ``entries`` and their tag links, ``ENTRIES_PER_INSERT`` rows a statement."""
    tags = {tag.name: tag for tag in tags_named(sorted({t for e in entries for t in e.tags}))}
    db.session.flush()  # every tag has its id
    for start in range(0, len(entries), ENTRIES_PER_INSERT):
        chunk = entries[start : start + ENTRIES_PER_INSERT]
        ids = db.session.scalars(
            insert(Entry).returning(Entry.id, sort_by_parameter_order=True),
            [
                {
                    "author_id": user.id,
                    "title": item.title,
                    "body": item.body,
                    "body_html": html[item.body],
                    "is_public": item.visibility == "public",
                    "created_at": item.created_at,
                    "updated_at": item.updated_at,
                    "dated_at": item.dated_at,
                    "timezone": item.timezone,
                }
                for item in chunk
            ],
        ).all()
        links = [
            {"entry_id": entry_id, "tag_id": tags[name].id}
            for entry_id, item in zip(ids, chunk, strict=True)
            for name in item.tags
        ]
        if links:
            db.session.execute(insert(entry_tags), links)


def _rendered(entries: Sequence[ImportedEntry], seconds: float | None) -> dict[str, str]:
    """The HTML of each body; refused once rendering has taken more than ``seconds``."""
    started = time.monotonic()
    html: dict[str, str] = {}
    for item in entries:
        if item.body not in html:
            html[item.body] = render_markdown(item.body)
        if seconds is not None and time.monotonic() - started > seconds:
            raise ImportRefused(
                f"The file takes too long to import in one go (more than {seconds:g} seconds "
                "of work). Split it into smaller files and import each."
            )
    return html


def import_entries(
    user: User, parsed: ParsedImport, max_seconds: float | None = None
) -> ImportReport:
    """Write the parsed entries for ``user`` in one transaction, skipping exact duplicates.

    Entries dated more than ``FUTURE_LIMIT`` ahead (the rule of every write) are left out
    and counted. Two imports into one journal at once are taken one after the other, so a
    file imported twice at the same moment still adds each entry once. The Markdown is
    rendered before the lock is taken, so the lock is held only for the look-up and the
    inserts; should the rendering take more than ``max_seconds``, the import is refused
    before any write.
    """
    report = ImportReport(
        parsed.source, dropped_tags=parsed.dropped_tags, shortened_titles=parsed.shortened_titles
    )
    horizon = utcnow() + FUTURE_LIMIT
    dated = [e for e in parsed.entries if max(e.created_at, e.updated_at, e.dated_at) <= horizon]
    report.too_far_ahead = len(parsed.entries) - len(dated)
    # A first look outside the lock, so only new entries are rendered.
    candidates = _new_entries(user, dated)
    html = _rendered(candidates, max_seconds)
    lock_imports_of(user)
    # Look again: another import may have written some of them meanwhile.
    new = _new_entries(user, candidates)
    report.imported = len(new)
    report.duplicates = len(dated) - len(new)
    if new:
        _insert(user, new, html)
    # The only commit: should anything above fail, the request's session is rolled back
    # and nothing of the file is kept.
    db.session.commit()
    return report
