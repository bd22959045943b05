"""Sending identity's own e-mails (password reset links): SMTP in production, a local outbox
directory in all-in-one mode, a list in memory for tests."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from services.kernel.ids import new_id


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str) -> None:
        """Deliver one plain-text message."""


def _message(sender: str, to: str, subject: str, text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(text)
    return msg


class SmtpMailer:
    def __init__(self, *, host: str, port: int, sender: str, starttls: bool = False,
                 username: str | None = None, password: str | None = None, timeout: float = 10.0) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._starttls, self._username, self._password, self._timeout = starttls, username, password, timeout

    def send(self, *, to: str, subject: str, text: str) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls()
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(_message(self._sender, to, subject, text))


class OutboxDirMailer:
    """Writes each message as an ``.eml`` file (all-in-one mode: nothing leaves the machine)."""

    def __init__(self, *, directory: str, sender: str) -> None:
        self._dir = Path(directory)
        self._sender = sender

    def send(self, *, to: str, subject: str, text: str) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        (self._dir / f"identity-{new_id()}.eml").write_bytes(bytes(_message(self._sender, to, subject, text)))


class MemoryMailer:
    """Keeps messages in a list (tests read the reset link from it)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def send(self, *, to: str, subject: str, text: str) -> None:
        self.sent.append({"to": to, "subject": subject, "text": text})
