"""Atom feeds: valid Atom 1.0, newest 20 public entries, absolute links from PUBLIC_URL."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 (parsing our own output)

import feedparser
import pytest
from bs4 import BeautifulSoup

from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import Entry, Tag

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC_URL = "https://journal.example"


@pytest.fixture
def public_app(app_factory):
    return app_factory(PUBLIC_URL=PUBLIC_URL)


@pytest.fixture
def feed_client(public_app):
    return public_app.test_client()


def atom(response) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314
    assert root.tag == f"{ATOM}feed"
    return root


def text(element: ET.Element, name: str) -> str:
    child = element.find(f"{ATOM}{name}")
    assert child is not None, f"<{name}> missing in <{element.tag}>"
    return child.text or ""


def entry_titles(root: ET.Element) -> list[str]:
    return [text(entry, "title") for entry in root.findall(f"{ATOM}entry")]


@pytest.mark.parametrize("path", ["/feed.atom", "/u/alice/feed.atom"])
def test_feed_is_valid_atom_with_the_required_elements(feed_client, user, make_entry, path):
    make_entry(user, title="First", body="**hello**", tags=("news",))
    response = feed_client.get(path)
    root = atom(response)
    for name in ("id", "title", "updated"):
        assert text(root, name)
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == PUBLIC_URL + path
    (entry,) = root.findall(f"{ATOM}entry")
    for name in ("id", "title", "updated", "published"):
        assert text(entry, name)
    assert text(entry, "id").startswith(PUBLIC_URL + "/entries/")
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "alice"
    assert entry.find(f"{ATOM}category").get("term") == "news"

    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    (item,) = parsed.entries
    assert item.title == "First"
    assert item.link == text(entry, "id")
    assert "<strong>hello</strong>" in item.content[0].value


def test_empty_feed_is_still_valid(feed_client):
    root = atom(feed_client.get("/feed.atom"))
    assert text(root, "updated") and text(root, "id") and text(root, "title")
    assert root.findall(f"{ATOM}entry") == []
    assert not feedparser.parse(feed_client.get("/feed.atom").data).bozo


@pytest.mark.parametrize("path", ["/feed.atom", "/u/alice/feed.atom"])
def test_feed_never_shows_a_private_entry_even_to_its_signed_in_author(
    signed_in, user, make_entry, path
):
    make_entry(user, title="shared", visibility="public")
    make_entry(user, title="secret diary", visibility="private", body="secret body")
    assert "secret diary" in signed_in.get("/").get_data(as_text=True)
    response = signed_in.get(path)
    assert entry_titles(atom(response)) == ["shared"]
    assert b"secret" not in response.data


def test_feed_has_the_newest_20_public_entries_newest_first(feed_client, user, make_entry):
    for number in range(1, 23):
        make_entry(user, title=f"e{number}")
    titles = entry_titles(atom(feed_client.get("/feed.atom")))
    assert titles == [f"e{number}" for number in range(22, 2, -1)]
    parsed = feedparser.parse(feed_client.get("/feed.atom").data)
    assert [item.title for item in parsed.entries] == titles


def test_user_feed_has_only_that_users_entries(feed_client, make_user, make_entry, user):
    bob = make_user("bob")
    make_entry(user, title="by alice")
    make_entry(bob, title="by bob")
    assert entry_titles(atom(feed_client.get("/u/bob/feed.atom"))) == ["by bob"]
    assert sorted(entry_titles(atom(feed_client.get("/feed.atom")))) == ["by alice", "by bob"]


def test_feed_escapes_titles_and_content(feed_client, user, make_entry):
    title = 'Tom & Jerry <script>alert("x")</script>'
    make_entry(user, title=title, body="a < b & <img src=x onerror=alert(1)>")
    response = feed_client.get("/feed.atom")
    assert b"<script" not in response.data
    assert b"<img" not in response.data
    root = atom(response)
    (entry,) = root.findall(f"{ATOM}entry")
    assert text(entry, "title") == title
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text == "<p>a &lt; b &amp; &lt;img src=x onerror=alert(1)&gt;</p>\n"


def test_feed_links_come_from_public_url_not_the_host_header(feed_client, user, make_entry):
    make_entry(user)
    response = feed_client.get("/feed.atom", headers={"Host": "evil.example"})
    assert b"evil.example" not in response.data
    hrefs = [link.get("href") for link in atom(response).iter(f"{ATOM}link")]
    assert hrefs and all(href.startswith(PUBLIC_URL + "/") for href in hrefs)


def test_pages_announce_their_feeds(client, user, make_entry):
    make_entry(user)

    def alternates(path):
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        links = page.select('head link[rel="alternate"][type="application/atom+xml"]')
        return [link["href"] for link in links]

    assert alternates("/") == ["/feed.atom"]
    assert alternates("/u/alice") == ["/feed.atom", "/u/alice/feed.atom"]


@pytest.mark.parametrize("char", ["\x0b", "\x02", "\x03", "\ufffe"])
@pytest.mark.parametrize("field", ["title", "body", "tag"])
def test_text_xml_cannot_carry_is_dropped_from_the_feed(
    public_app, feed_client, user, make_user, make_entry, field, char
):
    # Written straight to the table, as a row saved before any rule would be.
    make_entry(make_user("bob"), title="Bob's day")
    with public_app.app_context():
        values = {"title": "Odd", "body": "Odd body", "tag": "odd"}
        values[field] = f"{values[field]}{char}text"
        db.session.add(
            Entry(
                author_id=user.id,
                title=values["title"],
                body=values["body"],
                body_html=render_markdown(values["body"]),
                is_public=True,
                tags=[Tag(name=values["tag"])],
            )
        )
        db.session.commit()
    for path in ("/feed.atom", "/u/alice/feed.atom"):
        response = feed_client.get(path)
        root = atom(response)
        assert char not in response.data.decode()
        entry = root.find(f"{ATOM}entry")
        assert text(entry, "title") == ("Oddtext" if field == "title" else "Odd")
        content = text(entry, "content")
        assert ("Odd bodytext" if field == "body" else "Odd body") in content
        term = entry.find(f"{ATOM}category").get("term")
        assert term == ("oddtext" if field == "tag" else "odd")
    # The pages others read still work too.
    for path in ("/", "/u/alice", "/feed.atom"):
        assert feed_client.get(path).status_code == 200
