"""Time zones: IANA names, local wall-clock times to UTC and back, and local days.

Times are stored as aware UTC; a zone only says how a reader or writer sees them.
Two wall-clock times need a rule, and both follow PEP 495's ``fold=0``:

- **A time in a gap** (the clocks jump from 02:00 to 03:00, so 02:30 never
  happens) is read with the offset in force *before* the jump, which lands the
  same distance *after* the gap: 02:30 becomes 03:30 daylight time. The writer
  meant "half an hour after two"; that instant is 03:30.
- **A time in an overlap** (the clocks fall back from 02:00 to 01:00, so 01:30
  happens twice) is the *first* occurrence, still in daylight time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Keys some systems list that are not zones a person lives in.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
LOCAL_FORMAT = "YYYY-MM-DDTHH:MM"
# What ``<input type="datetime-local">`` sends: minutes, or seconds when its step asks.
_LOCAL_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII)


UNKNOWN_ZONE_MESSAGE = "Choose a time zone from the list (an IANA name such as Europe/Paris)."


class UnknownZone(ValueError):
    """The name is not an IANA time zone this system knows."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown time zone: {name[:64]!r}.")
        self.name = name


class BadLocalTime(ValueError):
    """Text that is not a local date and time (``YYYY-MM-DDTHH:MM``) or not a real one."""


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_ZONES)


@cache
def all_zones() -> list[str]:
    """Every IANA zone name, sorted (computed once: it reads the zone database)."""
    return sorted(_zone_names())


def is_valid_zone(name: str) -> bool:
    """Whether ``name`` is exactly a known IANA zone name (case matters: ``Europe/Berlin``)."""
    return name in _zone_names()


def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for ``name``; raises ``UnknownZone`` for anything else.

    Only names from the zone list are opened, so a path such as ``../../etc/passwd``
    never reaches the file system.
    """
    if not is_valid_zone(name):
        raise UnknownZone(name)
    return ZoneInfo(name)


def local_to_utc(naive_local: datetime, zone_name: str) -> datetime:
    """The UTC instant of a wall-clock time in ``zone_name`` (gap: after it; overlap: first).

    :raises ValueError: ``naive_local`` already carries a zone.
    """
    if naive_local.tzinfo is not None:
        raise ValueError("local_to_utc takes a naive wall-clock time.")
    aware = naive_local.replace(tzinfo=zone(zone_name), fold=0)
    return aware.astimezone(UTC)


def is_missing(naive_local: datetime, zone_name: str) -> bool:
    """Whether this wall-clock time never happens in the zone (it falls in a DST gap)."""
    utc = local_to_utc(naive_local, zone_name)
    return to_local(utc, zone_name).replace(tzinfo=None) != naive_local


def is_ambiguous(naive_local: datetime, zone_name: str) -> bool:
    """Whether this wall-clock time happens twice in the zone (it falls in a DST overlap)."""
    tz = zone(zone_name)
    first = naive_local.replace(tzinfo=tz, fold=0).utcoffset()
    second = naive_local.replace(tzinfo=tz, fold=1).utcoffset()
    return first != second and not is_missing(naive_local, zone_name)


def parse_local(text: str, zone_name: str) -> datetime:
    """Read ``YYYY-MM-DDTHH:MM`` (seconds optional) as local time in the zone; aware UTC.

    :raises BadLocalTime: the text is not in that form or names no real date or time.
    :raises UnknownZone: the zone is not known.
    """
    match = _LOCAL_RE.fullmatch(text.strip())
    if match is None:
        raise BadLocalTime(f"Use the form {LOCAL_FORMAT}, for example 2024-02-29T21:30.")
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    second = int(match.group(6) or 0)
    try:
        naive = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001  (a wall-clock time)
    except ValueError:
        raise BadLocalTime(f"{text.strip()[:20]} is not a real date and time.") from None
    return local_to_utc(naive, zone_name)


def to_local(moment: datetime, zone_name: str) -> datetime:
    """An aware instant as the zone's wall-clock time (still aware, in that zone).

    :raises ValueError: ``moment`` is naive (a naive time has no instant).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("to_local takes an aware datetime.")
    return moment.astimezone(zone(zone_name))


def local_day_bounds(day: date, zone_name: str) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` of a local calendar day in the zone.

    Usually 24 hours apart, but 23 on the day clocks spring forward and 25 on the
    day they fall back (and a day whose midnight falls in a gap starts at 01:00).
    """
    start = local_to_utc(datetime.combine(day, time()), zone_name)
    end = local_to_utc(datetime.combine(day + timedelta(days=1), time()), zone_name)
    return start, end


def local_date(moment: datetime, zone_name: str) -> date:
    """The calendar day an aware instant falls on in the zone."""
    return to_local(moment, zone_name).date()


def today_in(zone_name: str, now: datetime | None = None) -> date:
    """Today's date in the zone (``now`` defaults to the current instant)."""
    return local_date(now or datetime.now(UTC), zone_name)
