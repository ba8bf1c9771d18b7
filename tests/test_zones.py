"""Time zones: wall-clock times to UTC across DST gaps and overlaps, and local days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from journal.services import zones
from journal.services.zones import (
    BadLocalTime,
    UnknownZone,
    all_zones,
    is_ambiguous,
    is_missing,
    is_valid_zone,
    local_date,
    local_day_bounds,
    local_to_utc,
    parse_local,
    to_local,
    today_in,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def wall(*parts: int) -> datetime:
    return datetime(*parts)  # type: ignore[misc]  # noqa: DTZ001


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        # ordinary times, both sides of the date line
        ("2024-07-01T12:00", "UTC", utc(2024, 7, 1, 12, 0)),
        ("2024-07-01T20:30", "America/New_York", utc(2024, 7, 2, 0, 30)),  # EDT, next UTC day
        ("2024-01-15T20:30", "America/New_York", utc(2024, 1, 16, 1, 30)),  # EST
        ("2024-07-01T08:00", "Asia/Tokyo", utc(2024, 6, 30, 23, 0)),  # JST, previous UTC day
        ("2024-01-01T08:00", "Asia/Tokyo", utc(2023, 12, 31, 23, 0)),  # no DST in Tokyo
        ("2024-01-15T12:00", "Europe/Berlin", utc(2024, 1, 15, 11, 0)),  # CET
        ("2024-07-15T12:00", "Europe/Berlin", utc(2024, 7, 15, 10, 0)),  # CEST
        # gaps: the time after the gap (02:30 -> 03:30 daylight time)
        ("2024-03-10T02:30", "America/New_York", utc(2024, 3, 10, 7, 30)),
        ("2024-03-31T02:30", "Europe/Berlin", utc(2024, 3, 31, 1, 30)),
        # Lord Howe springs forward 30 minutes, 02:00 -> 02:30 (+10:30 -> +11)
        ("2024-10-06T02:15", "Australia/Lord_Howe", utc(2024, 10, 5, 15, 45)),
        # overlaps: the first occurrence, still in daylight time
        ("2024-11-03T01:30", "America/New_York", utc(2024, 11, 3, 5, 30)),
        ("2024-10-27T02:30", "Europe/Berlin", utc(2024, 10, 27, 0, 30)),
        # Lord Howe falls back 30 minutes, 02:00 -> 01:30: 01:45 is first at +11
        ("2024-04-07T01:45", "Australia/Lord_Howe", utc(2024, 4, 6, 14, 45)),
        # leap day, and seconds as a browser may send them
        ("2024-02-29T23:59", "Asia/Tokyo", utc(2024, 2, 29, 14, 59)),
        ("2024-02-29T23:59:30", "UTC", utc(2024, 2, 29, 23, 59, 30)),
        (" 2024-02-29T00:00 ", "UTC", utc(2024, 2, 29)),
    ],
)
def test_parse_local_reads_the_wall_clock_in_the_zone(text, zone, expected):
    parsed = parse_local(text, zone)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("naive", "zone", "local_after"),
    [
        (wall(2024, 3, 10, 2, 30), "America/New_York", wall(2024, 3, 10, 3, 30)),
        (wall(2024, 3, 10, 2, 0), "America/New_York", wall(2024, 3, 10, 3, 0)),
        (wall(2024, 3, 31, 2, 59), "Europe/Berlin", wall(2024, 3, 31, 3, 59)),
        (wall(2024, 10, 6, 2, 15), "Australia/Lord_Howe", wall(2024, 10, 6, 2, 45)),
    ],
)
def test_a_time_in_a_gap_becomes_the_time_after_the_gap(naive, zone, local_after):
    assert is_missing(naive, zone)
    assert not is_ambiguous(naive, zone)
    local = to_local(local_to_utc(naive, zone), zone)
    assert local.replace(tzinfo=None) == local_after


@pytest.mark.parametrize(
    ("naive", "zone", "first_offset_hours"),
    [
        (wall(2024, 11, 3, 1, 30), "America/New_York", -4),
        (wall(2024, 10, 27, 2, 30), "Europe/Berlin", 2),
        (wall(2024, 4, 7, 1, 45), "Australia/Lord_Howe", 11),
    ],
)
def test_a_time_that_happens_twice_is_its_first_occurrence(naive, zone, first_offset_hours):
    assert is_ambiguous(naive, zone)
    assert not is_missing(naive, zone)
    moment = local_to_utc(naive, zone)
    assert moment == naive.replace(tzinfo=timezone(timedelta(hours=first_offset_hours)))
    # and it reads back as the same wall-clock time
    assert to_local(moment, zone).replace(tzinfo=None) == naive


@pytest.mark.parametrize(
    ("naive", "zone"),
    [
        (wall(2024, 7, 1, 12, 0), "America/New_York"),
        (wall(2024, 3, 10, 1, 59), "America/New_York"),
        (wall(2024, 3, 10, 3, 0), "America/New_York"),
        (wall(2024, 3, 31, 2, 30), "Asia/Tokyo"),
        (wall(2024, 2, 29, 0, 0), "UTC"),
    ],
)
def test_an_ordinary_time_is_neither_missing_nor_ambiguous(naive, zone):
    assert not is_missing(naive, zone)
    assert not is_ambiguous(naive, zone)
    assert to_local(local_to_utc(naive, zone), zone).replace(tzinfo=None) == naive


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024-02-30T10:00",  # no such day
        "2023-02-29T10:00",  # not a leap year
        "2024-13-01T10:00",
        "2024-01-01T24:00",
        "2024-01-01T10:60",
        "2024-01-01 10:00",  # a space, not the T datetime-local sends
        "2024-01-01",
        "10:00",
        "2024-1-1T1:00",
        "2024-01-01T10:00Z",  # an offset: the field is local time
        "2024-01-01T10:00+02:00",
        "٢٠٢٤-٠١-٠١T10:00",  # Arabic-Indic digits are digits to \d, not to us
        "tomorrow",
    ],
)
def test_parse_local_refuses_what_is_not_a_local_date_and_time(text):
    with pytest.raises(BadLocalTime) as caught:
        parse_local(text, "UTC")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus_Mons",
        "europe/berlin",  # names are exact
        "Europe/Berlin ",
        "../../etc/passwd",
        "/etc/localtime",
        "localtime",
        "posixrules",
        "Europe",
        "UTC+2",
    ],
)
def test_unknown_zone_names_are_refused_everywhere(name):
    assert not is_valid_zone(name)
    assert name not in all_zones()
    with pytest.raises(UnknownZone) as caught:
        parse_local("2024-01-01T10:00", name)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(UnknownZone):
        to_local(utc(2024, 1, 1), name)
    with pytest.raises(UnknownZone):
        local_day_bounds(date(2024, 1, 1), name)


@pytest.mark.parametrize(
    "name",
    [
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Asia/Tokyo",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
    ],
)
def test_known_zones_are_valid_and_listed(name):
    assert is_valid_zone(name)
    assert name in all_zones()


def test_all_zones_is_sorted_and_computed_once():
    names = all_zones()
    assert names == sorted(names)
    assert len(names) > 300
    assert all_zones() is names


def test_local_to_utc_refuses_an_aware_time():
    with pytest.raises(ValueError, match="naive"):
        local_to_utc(utc(2024, 1, 1), "UTC")


def test_to_local_refuses_a_naive_time():
    with pytest.raises(ValueError, match="aware"):
        to_local(wall(2024, 1, 1), "UTC")


def test_to_local_shows_the_instant_in_the_zone():
    local = to_local(utc(2024, 7, 1, 23, 30), "Asia/Tokyo")
    assert (local.date(), local.hour, local.minute) == (date(2024, 7, 2), 8, 30)
    assert local == utc(2024, 7, 1, 23, 30)


@pytest.mark.parametrize(
    ("day", "zone", "start", "hours"),
    [
        (date(2024, 7, 1), "UTC", utc(2024, 7, 1), 24),
        (date(2024, 7, 1), "America/New_York", utc(2024, 7, 1, 4), 24),
        (date(2024, 7, 1), "Asia/Tokyo", utc(2024, 6, 30, 15), 24),
        (date(2024, 3, 10), "America/New_York", utc(2024, 3, 10, 5), 23),  # spring forward
        (date(2024, 11, 3), "America/New_York", utc(2024, 11, 3, 4), 25),  # fall back
        (date(2024, 3, 31), "Europe/Berlin", utc(2024, 3, 30, 23), 23),
        (date(2024, 10, 27), "Europe/Berlin", utc(2024, 10, 26, 22), 25),
        (date(2024, 10, 6), "Australia/Lord_Howe", utc(2024, 10, 5, 13, 30), 23.5),
        (date(2024, 4, 7), "Australia/Lord_Howe", utc(2024, 4, 6, 13), 24.5),
        (date(2024, 2, 29), "Asia/Tokyo", utc(2024, 2, 28, 15), 24),
        # Chile springs forward at midnight: 2024-09-08 starts at 01:00 local
        (date(2024, 9, 8), "America/Santiago", utc(2024, 9, 8, 4), 23),
    ],
)
def test_local_day_bounds_follow_the_zone(day, zone, start, hours):
    day_start, day_end = local_day_bounds(day, zone)
    assert day_start == start
    assert day_end - day_start == timedelta(hours=hours)
    # the bounds touch: the next day starts where this one ends
    assert local_day_bounds(day + timedelta(days=1), zone)[0] == day_end
    assert local_date(day_start, zone) == day
    assert local_date(day_end - timedelta(microseconds=1), zone) == day
    assert local_date(day_end, zone) == day + timedelta(days=1)


def test_one_instant_falls_on_different_days_in_different_zones():
    evening_in_new_york = utc(2024, 7, 2, 1, 0)  # 21:00 on 1 July in New York
    assert local_date(evening_in_new_york, "America/New_York") == date(2024, 7, 1)
    assert local_date(evening_in_new_york, "UTC") == date(2024, 7, 2)
    assert local_date(evening_in_new_york, "Asia/Tokyo") == date(2024, 7, 2)
    start, end = local_day_bounds(date(2024, 7, 1), "America/New_York")
    assert start <= evening_in_new_york < end
    start, end = local_day_bounds(date(2024, 7, 1), "Asia/Tokyo")
    assert not start <= evening_in_new_york < end


@pytest.mark.parametrize(
    ("now", "zone", "today"),
    [
        (utc(2024, 7, 2, 1, 0), "America/New_York", date(2024, 7, 1)),
        (utc(2024, 7, 2, 1, 0), "UTC", date(2024, 7, 2)),
        (utc(2024, 2, 28, 16, 0), "Asia/Tokyo", date(2024, 2, 29)),
        (utc(2024, 12, 31, 11, 0), "Pacific/Kiritimati", date(2025, 1, 1)),
    ],
)
def test_today_in_the_zone(now, zone, today):
    assert today_in(zone, now=now) == today


def test_today_in_defaults_to_the_current_instant():
    assert today_in("UTC") == datetime.now(UTC).date()


def test_a_zone_name_never_reaches_the_file_system():
    with pytest.raises(UnknownZone):
        zones.zone("../../../../etc/passwd")
