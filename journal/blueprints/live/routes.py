"""The live socket: who it is for, what it may send, and what it is told.

A socket authenticates with the page's session cookie (none: public events only), and a
page of another site may not open one: its ``Origin`` must be this site's (``PUBLIC_URL``,
else the request's own host), checked before the upgrade. Messages are JSON objects with a
``"type"``. The server sends ``hello`` (with the newest event id), events (each with an
``id``), ``heartbeat`` every ``LIVE_HEARTBEAT_SECONDS`` and ``session-ended``; the browser
may send ``resume`` (``"after"``: the last id it has) and ``ping``. A message over
``LIVE_MAX_MESSAGE_BYTES`` closes the socket with 1009, more than ``LIVE_MAX_MESSAGES_PER_SECOND``
with 1008.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_sock import Sock

from journal.blueprints.live import bp
from journal.extensions import db
from journal.identity import signed_in_user
from journal.services import events
from journal.services.accounts import current_session_id

sock = Sock()

# Close codes the browser sees.
POLICY_VIOLATION = 1008
SESSION_ENDED = 4001


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased, as browsers send ``Origin``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origin() -> str:
    """The one origin whose pages may open a socket."""
    public_url = current_app.config.get("PUBLIC_URL")
    return origin_of(public_url or request.host_url)


@bp.before_request
def refuse_other_sites() -> ResponseReturnValue | None:
    """403 before the upgrade for a page of another site (cross-site WebSocket hijacking),
    and 503 when this process holds as many sockets as it may (pages keep their threads)."""
    config = current_app.config
    # flask-sock reads these when it upgrades; built here so a changed setting counts.
    config["SOCK_SERVER_OPTIONS"] = {
        "max_message_size": config["LIVE_MAX_MESSAGE_BYTES"],
        "ping_interval": config["LIVE_HEARTBEAT_SECONDS"],
    }
    origin = request.headers.get("Origin", "")
    if origin_of(origin) != allowed_origin():
        return "This socket is for the journal's own pages.\n", 403, {"Content-Type": "text/plain"}
    if len(events.hub().listeners) >= config["LIVE_MAX_SOCKETS"]:
        return "Too many open sockets; try again soon.\n", 503, {"Retry-After": "5"}
    return None


@sock.route("/live", bp=bp)
def live(ws: Any) -> None:
    """Hold one socket open: events in, the browser's few requests handled."""
    config = current_app.config
    viewer = signed_in_user()
    listener = events.Listener(
        viewer_id=viewer.id if viewer else None,
        session_id=current_session_id(viewer) if viewer else None,
        send_text=ws.send,
        close=lambda code, reason: _close(ws, code, reason),
    )
    hub = events.hub()
    hub.add(listener)
    newest = events.latest_id()
    # The socket holds no database connection while it waits.
    db.session.remove()
    try:
        listener.send(
            {
                "type": "hello",
                "last_id": newest,
                "signed_in": viewer is not None,
                "user_id": listener.viewer_id,
            }
        )
        window, count = time.monotonic(), 0
        while True:
            raw = ws.receive(timeout=config["LIVE_HEARTBEAT_SECONDS"])
            if raw is None:
                if not listener.send({"type": "heartbeat"}):
                    return
                continue
            now = time.monotonic()
            if now - window >= 1:
                window, count = now, 0
            count += 1
            if count > config["LIVE_MAX_MESSAGES_PER_SECOND"]:
                listener.end(POLICY_VIOLATION, "too many messages")
                return
            if not _answer(listener, raw):
                return
    finally:
        hub.remove(listener)
        db.session.remove()


def _close(ws: Any, code: int, reason: str) -> None:
    ws.close(reason=code, message=reason)
    # Wake the socket's own thread at once (it may be waiting for a message).
    ws.event.set()


def _answer(listener: events.Listener, raw: str | bytes) -> bool:
    """Handle one message from the browser; ``False`` when the socket is to close."""
    try:
        message = json.loads(raw)
    except ValueError:
        message = None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return listener.send({"type": "error", "detail": 'Send JSON objects with a "type".'})
    if message["type"] == "ping":
        return listener.send({"type": "pong"})
    if message["type"] == "resume":
        after = message.get("after")
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            return listener.send({"type": "error", "detail": '"after" must be an event id.'})
        return _resume(listener, after)
    return listener.send({"type": "error", "detail": f"Unknown type {message['type'][:40]!r}."})


def _resume(listener: events.Listener, after: int) -> bool:
    """Send what the socket missed after event ``after``, each as its viewer may see it."""
    try:
        oldest = events.oldest_kept_id()
        missed = events.events_after(after)
    finally:
        db.session.remove()
    if oldest is not None and oldest > after + 1:
        # Some of what it missed is no longer kept: the page had better reload.
        listener.send({"type": "resume-gap", "after": after})
    for event in missed:
        if events.ends_session(event, listener.viewer_id, listener.session_id):
            listener.send({"type": "session-ended", "id": event["id"]})
            listener.end(SESSION_ENDED, "session ended")
            return False
        view = events.view_for(event, listener.viewer_id)
        if view is not None and not listener.send(view):
            return False
    return listener.send({"type": "resumed", "last_id": missed[-1]["id"] if missed else after})
