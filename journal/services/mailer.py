"""Outgoing mail through Flask-Mail; without a mail server the message goes to the log."""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from flask_mail import Message

from journal.extensions import mail

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message to one address without making the request wait for SMTP."""
    message = Message(subject=subject, recipients=[to], body=body)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("MAIL_LOG_ONLY"):
        if app.config.get("ENV_NAME") == "production":
            # The message may hold a live reset link: never write it to production logs.
            log.warning("mail not sent: MAIL_SERVER is not set")
        else:
            log.info("mail not sent (no MAIL_SERVER configured):\n%s", message.as_string())
        return
    # Sending in the background keeps the answer time the same whether or not a message
    # goes out, so timing does not tell which addresses have accounts.
    threading.Thread(target=_deliver, args=(app, message), daemon=True).start()


def _deliver(app: Flask, message: Message) -> None:
    with app.app_context():
        try:
            mail.send(message)
        except Exception:
            log.exception("mail to one recipient could not be sent")
