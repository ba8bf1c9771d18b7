"""Outgoing mail through Flask-Mail; without a mail server the message goes to the log."""

from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message

from journal.extensions import mail

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message to one address (or log it when no server is configured)."""
    message = Message(subject=subject, recipients=[to], body=body)
    if current_app.config.get("MAIL_LOG_ONLY"):
        log.info("mail not sent (no MAIL_SERVER configured):\n%s", message.as_string())
        return
    mail.send(message)
