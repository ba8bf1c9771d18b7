"""The account page names each session's browser in words."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from journal.blueprints.account.devices import device_name
from tests.helpers import PASSWORD, post_form, text_of

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/126.0.2592.68"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
OPERA = CHROME_WINDOWS + " OPR/111.0.0.0"
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/156.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (OPERA, "Opera on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (SAFARI_MAC, "Safari on macOS"),
        (CHROME_ANDROID, "Chrome on Android"),
        (HEADLESS, "Chrome on Linux"),
        ("Mozilla/5.0 (X11; Linux x86_64) SomethingNew/1.0", "a browser on Linux"),
        ("curl/8.5.0", None),
        ("", None),
        (None, None),
    ],
)
def test_device_name(user_agent, name):
    assert device_name(user_agent) == name


def test_account_page_names_the_browser_and_keeps_its_full_user_agent(app, user):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX_LINUX
    assert post_form(client, "/login", username="alice", password=PASSWORD).status_code == 302
    page = BeautifulSoup(text_of(client.get("/account")), "html.parser")
    [row] = page.select("table.sessions tbody tr")
    assert row.select_one(".device-name").get_text() == "Firefox on Linux"
    # The full user agent only on demand: inside a closed <details>, nowhere else.
    details = row.select_one("details.user-agent")
    assert not details.has_attr("open")
    assert details.select_one("summary").get_text(strip=True) == "Full browser details"
    assert details.select_one("span").get_text() == FIREFOX_LINUX
    assert row.get_text().count(FIREFOX_LINUX) == 1
    assert "(this device)" in row.get_text()


def test_an_unknown_browser_says_so_and_keeps_its_user_agent_behind_a_click(app, user):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "curl/8.5.0"
    assert post_form(client, "/login", username="alice", password=PASSWORD).status_code == 302
    page = BeautifulSoup(text_of(client.get("/account")), "html.parser")
    [row] = page.select("table.sessions tbody tr")
    assert row.select_one(".device-name").get_text() == "Unknown browser"
    assert row.select_one("details.user-agent span").get_text() == "curl/8.5.0"
