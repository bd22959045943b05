"""Sending e-mail: SMTP in production and tests, a local outbox folder in all-in-one mode."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from services.kernel.ids import new_id


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> None:
        """Deliver one plain-text UTF-8 e-mail."""


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body, charset="utf-8")
    return msg


class SmtpMailer:
    def __init__(self, *, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self._host, self._port, self._sender, self._timeout = host, port, sender, timeout

    def send(self, *, to: str, subject: str, body: str) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            smtp.send_message(_message(self._sender, to, subject, body))


class OutboxFolderMailer:
    """Writes each e-mail as an .eml file: the all-in-one mode sends nothing out."""

    def __init__(self, *, folder: str, sender: str) -> None:
        self._folder = Path(folder)
        self._sender = sender

    def send(self, *, to: str, subject: str, body: str) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"{new_id()}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(_message(self._sender, to, subject, body)))
        tmp.replace(path)
