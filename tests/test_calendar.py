"""The calendar, day pages, "on this day" and the tag index: your own days, in your zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import update

from journal.extensions import db
from journal.models import User
from tests.helpers import soup, text_of, titles

NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"
# "Now" for most tests: a Friday afternoon in July, the same day in New York and Tokyo.
NOW = datetime(2025, 7, 4, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """An aware UTC instant from ``2024-07-05T01:15``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def set_zone(app, user: User, zone_name: str) -> None:
    """Give ``user`` a time zone, as the account page would."""
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(timezone=zone_name))
        db.session.commit()


@pytest.fixture
def frozen():
    """The clock stands at ``NOW`` for the whole test."""
    with time_machine.travel(NOW, tick=False):
        yield


def day_links(response) -> list[str]:
    """The ``/day/…`` links of a calendar page, in page order, without repeats."""
    found: list[str] = []
    for link in soup(response).select("main a[href^='/day/']"):
        if link["href"] not in found:
            found.append(link["href"])
    return found


# --- who may see the pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/calendar", "/calendar/2024", "/calendar/2024/7", "/day/2024-07-04", "/on-this-day"]
)
def test_signed_out_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path in response.headers["Location"]


@pytest.mark.parametrize(
    ("zone_name", "year"),
    [("UTC", 2024), (NEW_YORK, 2024), (TOKYO, 2025)],
)
def test_calendar_opens_this_year_where_the_reader_is(app, client, auth, user, zone_name, year):
    set_zone(app, user, zone_name)
    with time_machine.travel(at("2024-12-31T23:30"), tick=False):
        auth.login()
        response = client.get("/calendar")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/calendar/{year}"


# --- out of range ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/0",
        "/calendar/0000",
        "/calendar/10000",
        "/calendar/-1",
        "/calendar/abc",
        "/calendar/2024.5",
        "/calendar/%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%94",  # full-width digits
        "/calendar/2024/0",
        "/calendar/2024/13",
        "/calendar/2024/123",
        "/calendar/2024/x",
        "/calendar/10000/1",
        "/day/2023-02-29",
        "/day/2024-13-01",
        "/day/2024-04-31",
        "/day/0000-01-01",
        "/day/2024-7-4",
        "/day/20240704",
        "/day/2024-07-04x",
        "/day/garbage",
        "/day/%EF%BC%92024-07-04",
    ],
)
def test_a_year_month_or_day_out_of_range_is_404(signed_in, path):
    assert signed_in.get(path).status_code == 404


@pytest.mark.parametrize("zone_name", [TOKYO, NEW_YORK, "Pacific/Kiritimati", "Etc/GMT+12"])
@pytest.mark.parametrize(
    "path",
    [
        "/calendar/1",
        "/calendar/1/1",
        "/calendar/9999",
        "/calendar/9999/12",
        "/calendar/2024/02",
        "/day/0001-01-01",
        "/day/9999-12-31",
        "/day/2024-02-29",
    ],
)
def test_the_first_and_last_representable_days_answer(app, signed_in, user, zone_name, path):
    set_zone(app, user, zone_name)
    assert signed_in.get(path).status_code == 200


@pytest.fixture
def reader(frozen, signed_in):
    """alice, signed in while the clock stands at ``NOW``."""
    return signed_in


# --- days in the reader's zone -------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone_name", "day", "other_day"),
    [(NEW_YORK, "2024-07-04", "2024-07-05"), (TOKYO, "2024-07-05", "2024-07-04")],
)
def test_an_entry_is_on_the_day_it_was_where_the_reader_is(
    app, reader, user, make_entry, zone_name, day, other_day
):
    make_entry(user, title="Fireworks", date=at("2024-07-05T01:15"), timezone=NEW_YORK)
    set_zone(app, user, zone_name)
    assert titles(reader.get(f"/day/{day}")) == ["Fireworks"]
    assert titles(reader.get(f"/day/{other_day}")) == []
    assert day_links(reader.get("/calendar/2024")) == [f"/day/{day}"]
    month = reader.get("/calendar/2024/7")
    assert day_links(month) == [f"/day/{day}"]
    cell = soup(month).find("a", href=f"/day/{day}").find_parent("td")
    assert "Fireworks" in cell.get_text()


def test_a_day_lists_its_entries_oldest_first_with_links_around_it(app, reader, user, make_entry):
    make_entry(user, title="Evening", date=at("2024-07-04T21:00"))
    make_entry(user, title="Morning", date=at("2024-07-04T07:00"))
    make_entry(user, title="Next day", date=at("2024-07-05T07:00"))
    response = reader.get("/day/2024-07-04")
    assert response.status_code == 200
    assert titles(response) == ["Morning", "Evening"]
    page = soup(response)
    assert page.h1.get_text() == "Thursday 4 July 2024"
    assert page.find("a", rel="prev")["href"] == "/day/2024-07-03"
    assert page.find("a", rel="next")["href"] == "/day/2024-07-05"
    assert page.find("a", href="/calendar/2024/7") is not None


def test_an_empty_day_says_so(reader):
    response = reader.get("/day/2024-07-04")
    assert response.status_code == 200
    assert "Nothing written on this day." in text_of(response)


# New York: 10 March 2024 lasts 23 hours (02:00 EST becomes 03:00 EDT), 3 November 25
# hours (02:00 EDT becomes 01:00 EST, so 01:30 happens twice).
DST_ENTRIES = [
    ("Late on the 9th", "2024-03-10T04:30", "2024-03-09"),  # 23:30 EST
    ("Just after midnight", "2024-03-10T05:10", "2024-03-10"),  # 00:10 EST
    ("After the jump", "2024-03-10T07:30", "2024-03-10"),  # 03:30 EDT
    ("Late on the 10th", "2024-03-11T03:30", "2024-03-10"),  # 23:30 EDT
    ("First 01:30", "2024-11-03T05:30", "2024-11-03"),  # 01:30 EDT
    ("Second 01:30", "2024-11-03T06:30", "2024-11-03"),  # 01:30 EST
    ("Late on the 3rd", "2024-11-04T04:30", "2024-11-03"),  # 23:30 EST
    ("Start of the 4th", "2024-11-04T05:00", "2024-11-04"),  # 00:00 EST
]


@pytest.mark.parametrize("day", ["2024-03-09", "2024-03-10", "2024-11-03", "2024-11-04"])
def test_days_when_the_clocks_change_hold_their_own_entries(app, reader, user, make_entry, day):
    set_zone(app, user, NEW_YORK)
    for title, moment, _day in DST_ENTRIES:
        make_entry(user, title=title, date=at(moment), timezone=NEW_YORK)
    expected = [title for title, _moment, on in DST_ENTRIES if on == day]
    assert titles(reader.get(f"/day/{day}")) == expected
    month = soup(reader.get(f"/calendar/2024/{int(day[5:7])}"))
    cell = month.find("a", href=f"/day/{day}").find_parent("td")
    assert [item.get_text() for item in cell.select(".calendar-titles a")] == expected


# --- the year and the month ------------------------------------------------------------------


def test_the_year_shades_written_days_and_links_them(app, reader, user, make_entry):
    make_entry(user, title="Short", body="one two", date=at("2024-03-01T12:00"))
    make_entry(user, title="Long", body="word " * 400, date=at("2024-03-02T12:00"))
    make_entry(user, title="Other year", date=at("2023-03-02T12:00"))
    response = reader.get("/calendar/2024")
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text() == "Calendar 2024"
    assert day_links(response) == ["/day/2024-03-01", "/day/2024-03-02"]
    short = page.find("a", href="/day/2024-03-01")
    long = page.find("a", href="/day/2024-03-02")
    assert short.get_text(" ", strip=True).endswith("Friday 1 March 2024: 1 entry, 2 words")
    assert long["title"] == "Saturday 2 March 2024: 1 entry, 400 words"
    assert short.find_parent("td")["class"] == ["level-2"]
    assert long.find_parent("td")["class"] == ["level-4"]
    # Every day has a text label, written or not.
    labels = [cell.get_text() for cell in page.select("td .visually-hidden")]
    assert len(labels) == 366
    assert "Sunday 3 March 2024: no entries" in labels
    assert [h.get_text() for h in page.select(".calendar-month h2")][0] == "January"
    assert page.find("a", href="/calendar/2024/3").get_text() == "March"
    assert page.find("a", rel="prev")["href"] == "/calendar/2023"
    assert page.find("a", rel="next")["href"] == "/calendar/2025"
    stats = page.select_one(".calendar-stats").get_text(" ", strip=True)
    assert "2 entries" in stats
    assert "402 words" in stats
    assert "2 days written in 2024" in stats


def test_the_first_and_last_years_have_no_link_beyond_them(reader):
    assert soup(reader.get("/calendar/1")).find("a", rel="prev") is None
    assert soup(reader.get("/calendar/9999")).find("a", rel="next") is None
    assert soup(reader.get("/calendar/1/1")).find("a", rel="prev") is None
    assert soup(reader.get("/calendar/9999/12")).find("a", rel="next") is None


def test_today_is_marked_in_the_grid(reader):
    page = soup(reader.get("/calendar/2025"))
    today = page.find("td", attrs={"aria-current": "date"})
    assert "Friday 4 July 2025: no entries (today)" in today.get_text()


def test_the_month_lists_titles_or_a_count_on_a_busy_day(app, reader, user, make_entry):
    for hour in range(4):
        make_entry(user, title=f"Busy {hour}", date=at(f"2024-01-10T{10 + hour}:00"))
    make_entry(user, title="Quiet <one>", date=at("2024-01-11T10:00"))
    entry_id = make_entry(user, title="Also quiet", date=at("2024-01-11T09:00"))
    response = reader.get("/calendar/2024/1")
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text() == "January 2024"
    busy = page.find("a", href="/day/2024-01-10").find_parent("td")
    assert busy.select_one(".calendar-count").get_text(strip=True) == "4 entries"
    assert not busy.select(".calendar-titles")
    quiet = page.find("a", href="/day/2024-01-11").find_parent("td")
    assert [a.get_text() for a in quiet.select(".calendar-titles a")] == [
        "Also quiet",
        "Quiet <one>",
    ]
    assert quiet.select(".calendar-titles a")[0]["href"] == f"/entries/{entry_id}"
    assert "Quiet &lt;one&gt;" in text_of(response)
    assert page.find("a", rel="prev")["href"] == "/calendar/2023/12"
    assert page.find("a", rel="prev").get_text() == "← December 2023"
    assert page.find("a", rel="next")["href"] == "/calendar/2024/2"
    assert page.find("a", href="/calendar/2024").get_text() == "All of 2024"
    stats = page.select_one(".calendar-stats").get_text(" ", strip=True)
    assert "6 entries" in stats
    assert "2 days written in January" in stats
    # Each day of the month has its label, the month's other days are blank.
    assert len(page.select("td .visually-hidden")) == 31


def test_a_month_with_leading_zero_is_the_same_month(reader):
    assert soup(reader.get("/calendar/2024/02")).h1.get_text() == "February 2024"


@pytest.mark.parametrize(
    ("written", "streak"),
    [
        ([], "0 days"),
        (["2025-07-04T10:00"], "1 day"),
        (["2025-07-03T10:00", "2025-07-02T10:00"], "2 days"),  # today not written yet
        (["2025-07-04T10:00", "2025-07-03T10:00", "2025-07-01T10:00"], "2 days"),
        (["2025-07-02T10:00"], "0 days"),
        (["2025-07-05T10:00"], "0 days"),  # dated tomorrow in UTC: not yet
    ],
)
def test_the_current_streak(app, reader, user, make_entry, written, streak):
    for moment in written:
        make_entry(user, date=at(moment))
    for path in ("/calendar/2025", "/calendar/2025/7", "/calendar/2019"):
        stats = soup(reader.get(path)).select_one(".calendar-stats").get_text(" ", strip=True)
        assert f"Current streak: {streak}" in stats, path


def test_the_current_streak_follows_the_reader_zone(app, reader, user, make_entry):
    # 2025-07-04T01:00Z is the evening of the 3rd in New York, the 4th in Tokyo;
    # 2025-07-04T14:00Z the 4th in both.
    make_entry(user, date=at("2025-07-04T01:00"))
    make_entry(user, date=at("2025-07-04T14:00"))
    set_zone(app, user, NEW_YORK)
    assert "Current streak: 2 days" in text_of(reader.get("/calendar/2025"))
    set_zone(app, user, TOKYO)
    assert "Current streak: 1 day" in text_of(reader.get("/calendar/2025"))


def test_a_streak_longer_than_the_window_read_with_the_page_is_counted_whole(
    app, reader, user, make_entry, monkeypatch
):
    from journal.services import calendar

    monkeypatch.setattr(calendar, "STREAK_WINDOW_DAYS", 3)
    for days_ago in range(10):
        make_entry(user, date=NOW - timedelta(days=days_ago))
    assert "Current streak: 10 days" in text_of(reader.get("/calendar/2019"))


# --- on this day ---------------------------------------------------------------------------


def year_headings(response) -> list[str]:
    """The "N years ago" headings of the on-this-day page, top to bottom."""
    return [h.get_text(" ", strip=True) for h in soup(response).select(".years-ago > h2")]


def test_on_this_day_lists_earlier_years_newest_first(app, reader, user, make_entry):
    make_entry(user, title="2024 evening", date=at("2024-07-04T20:00"))
    make_entry(user, title="2024 morning", date=at("2024-07-04T08:00"))
    make_entry(user, title="2021", date=at("2021-07-04T12:00"))
    make_entry(user, title="Today", date=at("2025-07-04T09:00"))
    make_entry(user, title="Day before", date=at("2024-07-03T12:00"))
    make_entry(user, title="Day after", date=at("2024-07-05T12:00"))
    response = reader.get("/on-this-day")
    assert response.status_code == 200
    assert soup(response).h1.get_text() == "On this day, 4 July"
    assert year_headings(response) == ["1 year ago · 2024", "4 years ago · 2021"]
    assert titles(response) == ["2024 morning", "2024 evening", "2021"]


def test_on_this_day_follows_the_reader_zone(app, reader, user, make_entry):
    # 2024-07-04T23:30 UTC is 4 July in New York and 5 July in Tokyo.
    make_entry(user, title="Late", date=at("2024-07-04T23:30"))
    set_zone(app, user, NEW_YORK)
    assert titles(reader.get("/on-this-day")) == ["Late"]
    set_zone(app, user, TOKYO)
    assert titles(reader.get("/on-this-day")) == []


def test_on_this_day_with_nothing_says_so(reader):
    response = reader.get("/on-this-day")
    assert response.status_code == 200
    assert "Nothing written on 4 July in earlier years yet." in text_of(response)


LEAP_ENTRIES = [
    ("28 Feb 2023", "2023-02-28T12:00"),
    ("1 Mar 2023", "2023-03-01T12:00"),
    ("28 Feb 2024", "2024-02-28T12:00"),
    ("29 Feb 2024", "2024-02-29T12:00"),
    ("1 Mar 2024", "2024-03-01T12:00"),
    ("28 Feb 2027", "2027-02-28T12:00"),
]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # A common year's 28 February also stands for the leap years' 29 February.
        ("2025-02-28T15:00", ["28 Feb 2024", "29 Feb 2024", "28 Feb 2023"]),
        ("2025-03-01T15:00", ["1 Mar 2024", "1 Mar 2023"]),
        # 29 February is only 29 February: the common years had their turn on the 28th.
        ("2028-02-29T15:00", ["29 Feb 2024"]),
        ("2028-02-28T15:00", ["28 Feb 2027", "28 Feb 2024", "28 Feb 2023"]),
    ],
)
def test_29_february_falls_back_to_28_february_in_common_years(
    app, client, auth, user, make_entry, today, expected
):
    with time_machine.travel(at("2027-03-01T12:00"), tick=False):
        for title, moment in LEAP_ENTRIES:
            make_entry(user, title=title, date=at(moment))
    with time_machine.travel(at(today), tick=False):
        auth.login()
        assert titles(client.get("/on-this-day")) == expected


def test_on_this_day_looks_back_a_century_in_one_statement(app, reader, user, make_entry):
    from tests.test_statement_counts import counting

    make_entry(user, title="Long ago", date=at("1925-07-04T12:00"))
    make_entry(user, title="Not quite", date=at("1925-07-05T12:00"))
    make_entry(user, title="Last year", date=at("2024-07-04T12:00"))
    with counting(app) as statements:
        response = reader.get("/on-this-day")
    assert titles(response) == ["Last year", "Long ago"]
    assert year_headings(response)[-1] == "100 years ago · 1925"
    entry_reads = [s for s in statements if "FROM entries" in s and "min(" not in s.lower()]
    assert len(entry_reads) == 1


def test_home_shows_up_to_three_entries_of_this_day(app, reader, user, make_entry):
    assert "On this day" not in text_of(reader.get("/"))
    for year in (2024, 2023, 2022, 2021):
        make_entry(user, title=f"Back in {year}", date=at(f"{year}-07-04T12:00"))
    page = soup(reader.get("/"))
    panel = page.select_one(".on-this-day-panel")
    assert panel.h2.get_text() == "On this day"
    items = [li.get_text(" ", strip=True) for li in panel.select("li")]
    assert items == [
        "1 year ago today Back in 2024",
        "2 years ago today Back in 2023",
        "3 years ago today Back in 2022",
    ]
    assert panel.find("a", href="/on-this-day") is not None


# --- another person's entries ----------------------------------------------------------------


def test_another_person_s_entries_never_show_on_your_calendar(
    app, reader, user, make_user, make_entry
):
    bob = make_user("bob")
    for visibility in ("private", "public"):
        make_entry(
            bob,
            title=f"Bob {visibility} title",
            body=f"bob {visibility} words",
            visibility=visibility,
            tags=(f"bob{visibility}",),
            date=at("2024-07-04T12:00"),
        )
    make_entry(user, title="Mine", tags=("mine",), date=at("2023-07-04T12:00"))
    pages = [
        "/calendar/2024",
        "/calendar/2024/7",
        "/day/2024-07-04",
        "/on-this-day",
        "/",
        "/tags",
    ]
    for path in pages:
        response = reader.get(path)
        assert response.status_code == 200, path
        page = text_of(response)
        for secret in ("Bob private title", "bob private words", "bobprivate"):
            assert secret not in page, (path, secret)
        # The calendar is your own journal: someone else's shared entries are not on it.
        assert "Bob public" not in page, path
    assert day_links(reader.get("/calendar/2024")) == []
    assert "0 entries" in text_of(reader.get("/calendar/2024"))


# --- tags ------------------------------------------------------------------------------------


def tag_rows(response) -> list[tuple[str, str]]:
    """The tag index as (name, count text) pairs, top to bottom."""
    return [
        (li.a.get_text(), li.select_one(".tag-count").get_text())
        for li in soup(response).select(".tag-index li")
    ]


def test_tags_signed_in_are_your_own_by_count_then_name(
    app, signed_in, user, make_user, make_entry
):
    make_entry(user, tags=("walks", "books"), visibility="private")
    make_entry(user, tags=("walks", "ärger"))
    make_entry(user, tags=("books", "walks", "日記"))
    make_entry(make_user("bob"), tags=("walks", "secret"), visibility="private")
    make_entry(make_user("carol"), tags=("shared",))
    response = signed_in.get("/tags")
    assert response.status_code == 200
    assert soup(response).h1.get_text() == "Your tags"
    assert tag_rows(response) == [
        ("walks", "3 entries"),
        ("books", "2 entries"),
        ("ärger", "1 entry"),
        ("日記", "1 entry"),
    ]
    link = soup(response).find("a", string="walks")
    assert link["href"] == "/tags/walks"


def test_tags_signed_out_are_public_entries_tags(app, client, user, make_user, make_entry):
    make_entry(user, tags=("walks", "diary"), visibility="private")
    make_entry(user, tags=("walks",))
    make_entry(make_user("bob"), tags=("walks", "books"))
    response = client.get("/tags")
    assert response.status_code == 200
    assert tag_rows(response) == [("walks", "2 entries"), ("books", "1 entry")]
    assert "diary" not in text_of(response)


def test_tags_with_none_say_so(client, signed_in):
    assert "None of your entries has a tag yet." in text_of(signed_in.get("/tags"))


def test_tags_is_one_statement(app, client, user, make_entry):
    from tests.test_statement_counts import counting

    for number in range(5):
        make_entry(user, tags=(f"t{number}", "common"))
    with counting(app) as statements:
        assert client.get("/tags").status_code == 200
    assert len(statements) == 1


# --- statements per page ---------------------------------------------------------------------

# The most statements each page may run, whatever the size of the journal: the session's
# user, then: home: the page's rows and tags, the earliest entry, this day's rows and tags;
# calendar: the period with the streak window, and the rest of a longer streak; day: rows
# and tags; on this day: the earliest entry, rows and tags.
MOST_STATEMENTS = {
    "/": 6,
    "/calendar/2025": 3,
    "/calendar/2025/7": 3,
    "/day/2025-07-04": 3,
    "/on-this-day": 4,
}


def test_pages_cost_a_bounded_number_of_statements_at_50_and_5000_entries(
    app, reader, user, make_entry
):
    from journal.services import seed
    from tests.test_statement_counts import counting

    def costs() -> dict[str, int]:
        found = {}
        for path in MOST_STATEMENTS:
            reader.get(path)  # warm up: first-request work is not the page's
            with counting(app) as statements:
                assert reader.get(path).status_code == 200
            found[path] = len(statements)
        return found

    # Today and this day last year have entries in both, so both pages read their tags.
    make_entry(user, title="Today", tags=("now",), date=NOW)
    make_entry(user, title="A year ago", tags=("then",), date=NOW - timedelta(days=365))
    with app.app_context():
        seed.seed(users=0, entries=48, append=True)
    few = costs()
    with app.app_context():
        seed.seed(users=0, entries=4950, seed=2, append=True)
    many = costs()
    for path, most in MOST_STATEMENTS.items():
        assert few[path] <= many[path] <= most, (path, few, many)
    # Only a current streak longer than the window read with the page costs one more: the
    # 5,000 seeded entries (two a day) make one of years.
    assert {path: many[path] - few[path] for path in few} == {
        "/": 0,
        "/calendar/2025": 1,
        "/calendar/2025/7": 1,
        "/day/2025-07-04": 0,
        "/on-this-day": 0,
    }


# (The home page is left out: its card's date, shown by the local_time filter, cannot be
# written in year 0 either; that belongs to the date display, not to the calendar.)
@pytest.mark.parametrize("path", ["/on-this-day", "/calendar/1", "/calendar/1/1"])
def test_an_entry_before_the_reader_s_year_1_breaks_no_page(app, reader, user, make_entry, path):
    # 01:00 UTC on 1 January of year 1 is still year 0 in New York: no date can hold it.
    make_entry(user, title="The very start", date=datetime(1, 1, 1, 1, 0, tzinfo=UTC))
    set_zone(app, user, NEW_YORK)
    assert reader.get(path).status_code == 200
