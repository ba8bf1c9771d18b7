"""Atom 1.0 feeds of public entries, written by feedgen with links built from PUBLIC_URL."""

from __future__ import annotations

import re
from collections.abc import Sequence

from feedgen.feed import FeedGenerator

from journal.models import User, utcnow
from journal.services.entry_views import EntryView
from journal.urls import external_url

FEED_TYPE = "application/atom+xml"
# Characters XML 1.0 cannot carry at all, not even escaped (control characters other than
# tab and line breaks, lone surrogates, U+FFFE and U+FFFF). An entry may hold them (a
# pasted vertical tab is still valid Markdown), so the feed drops them when it is written:
# that covers rows saved before this rule too, and no one's entry can break a feed.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# A photo's address in rendered HTML, as ``journal.markdown`` writes it (site-relative).
PHOTO_ADDRESS = re.compile(r'\b(src|href)="/media/')


def absolute_photos(html: str) -> str:
    """``html`` with its photos' addresses made absolute: a feed reader has no base URL."""
    root = external_url("journal.index").rstrip("/")
    return PHOTO_ADDRESS.sub(lambda match: f'{match.group(1)}="{root}/media/', html)


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot carry."""
    return NOT_XML.sub("", text)


def atom_feed(entries: Sequence[EntryView], author: User | None = None) -> bytes:
    """The Atom document for ``entries`` (newest first): the site's, or one author's."""
    feed = FeedGenerator()
    if author is None:
        page_url = external_url("journal.index")
        self_url = external_url("journal.site_feed")
        feed.title("Journal")
        feed.subtitle("The newest public entries")
    else:
        page_url = external_url("journal.user_page", username=author.username)
        self_url = external_url("journal.user_feed", username=author.username)
        feed.title(f"{author.username} · Journal")
        feed.subtitle(f"The newest public entries by {author.username}")
        feed.author({"name": author.username, "uri": page_url})
    feed.id(self_url)
    feed.link(href=self_url, rel="self", type=FEED_TYPE)
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.updated(max((entry.updated_at for entry in entries), default=None) or utcnow())
    # feedgen prepends each added entry: add the oldest first so the newest leads.
    for entry in reversed(entries):
        url = external_url("journal.show_entry", entry_id=entry.id)
        item = feed.add_entry()
        item.id(url)
        item.title(xml_text(entry.title))
        item.link(href=url, rel="alternate", type="text/html")
        item.published(entry.dated_at)
        item.updated(entry.updated_at)
        item.author(
            {
                "name": entry.author,
                "uri": external_url("journal.user_page", username=entry.author),
            }
        )
        item.content(xml_text(absolute_photos(entry.body_html)), type="html")
        for tag in entry.tags:
            item.category(term=xml_text(tag))
    result: bytes = feed.atom_str(pretty=False)
    return result
