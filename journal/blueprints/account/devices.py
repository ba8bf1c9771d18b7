"""A short, human name for the browser behind a session ("Firefox on Linux") or a token."""

from __future__ import annotations

import re

from journal.blueprints.account import bp

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|HeadlessChrome|Chromium|CriOS)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def _first(table: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    return next((name for name, pattern in table if pattern.search(text)), None)


@bp.app_template_filter("device_name")
def device_name(user_agent: str | None) -> str | None:
    """``"Firefox on Linux"``, ``"Chrome"``, ``"an Android device"``, or ``None`` if unknown."""
    text = user_agent or ""
    browser, system = _first(BROWSERS, text), _first(SYSTEMS, text)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"a browser on {system}"
    return None


@bp.app_template_filter("client_name")
def client_name(user_agent: str | None) -> str | None:
    """A browser's name as ``device_name`` gives it, else the client's first product token.

    API clients rarely look like browsers: ``"curl/8.5.0"``, ``"python-requests/2.32.3"``.
    """
    text = (user_agent or "").strip()
    return device_name(text) or (text.split()[0][:40] if text else None)
