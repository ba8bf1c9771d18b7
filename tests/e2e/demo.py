"""Demo people and entries, written through the services, for screenshots and page checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from journal.extensions import db
from journal.models import Entry, utcnow
from journal.services import accounts, entries
from journal.services.accounts import Registration
from journal.services.entries import EntryInput

PASSWORD = "a long and unusual passphrase"

RICH_BODY = """\
The ferry left at dawn. I stood at the rail with a paper cup of coffee and watched
the harbour lights go out **one by one**, and for once I did not reach for my phone.

## What I packed

- a notebook with a *stiff* cover
- two pencils, one sharpened
- the good socks

> Not all those who wander are lost.
> — and some of us just missed the earlier boat.

### Tide table

| Time  | Height |
|-------|--------|
| 06:12 | 3.4 m  |
| 12:40 | 0.6 m  |

Remember to check the timetable with `ferry --next` before leaving:

```
$ ferry --next
07:15  Harbour → Island   (on time)
```

1. Buy the return ticket early.
2. Sit on the left for the view.

More about the island on [its own page](https://example.org/island).
"""

ENTRIES = [
    ("maya", "Morning ferry to the island", RICH_BODY, "public", ["travel", "sea"], 0),
    (
        "jonas",
        "Sourdough, attempt number seven",
        "The crumb was finally open. The trick was a **wetter** dough and patience: "
        "twelve hours in the fridge.\n\n- 500 g flour\n- 375 g water\n- 100 g starter\n",
        "public",
        ["baking", "kitchen"],
        1,
    ),
    (
        "maya",
        "Things I want to remember about this year",
        "A list for the bad days.\n\n1. The walk along the river in March.\n"
        "2. Finishing the long book.\n3. Learning to say no.\n",
        "private",
        ["reflection"],
        2,
    ),
    (
        "priya",
        "Notes from the garden",
        "The tomatoes are late but the beans have gone wild. "
        "Planted *calendula* along the edge to keep the aphids busy.",
        "public",
        ["garden", "spring"],
        4,
    ),
    (
        "jonas",
        "A quiet Sunday",
        "Read, slept, read again. Nothing else to report, and that is the point.",
        "public",
        [],
        6,
    ),
    (
        "maya",
        "First swim of the year",
        "Cold, bright, and over far too quickly. The harbour wall was warm from the sun.",
        "private",
        ["sea"],
        9,
    ),
    (
        "maya",
        "A year at the new flat",
        "The window box survived the winter. The neighbours' cat visits every evening.",
        "private",
        ["home"],
        365,
    ),
    (
        "maya",
        "Moving day",
        "Forty boxes, one broken lamp, and pizza on the floor at midnight.",
        "private",
        ["home"],
        730,
    ),
]


@dataclass(frozen=True)
class Demo:
    """What was seeded: the rich public entry, the private entry and its author."""

    rich_entry_id: int
    private_entry_id: int
    author: str


def seed_demo(app: Flask) -> Demo:
    """Create three people and a few entries of different ages, as the services would."""
    with app.app_context():
        people = {
            name: accounts.register_user(
                Registration(username=name, email=f"{name}@example.org", password=PASSWORD)
            )
            for name in ("maya", "jonas", "priya")
        }
        ids: dict[str, int] = {}
        now = utcnow()
        for author, title, body, visibility, tags, days_ago in reversed(ENTRIES):
            entry = entries.create_entry(
                people[author], EntryInput(title=title, body=body, visibility=visibility, tags=tags)
            )
            # Demo data only: spread the dates so the listing reads like a real journal.
            stored = db.session.get(Entry, entry.id)
            assert stored is not None
            stored.created_at = stored.updated_at = now - timedelta(days=days_ago, minutes=20)
            stored.dated_at = stored.created_at
            db.session.commit()
            ids[title] = entry.id
        return Demo(
            rich_entry_id=ids[ENTRIES[0][1]],
            private_entry_id=ids[ENTRIES[2][1]],
            author="maya",
        )
