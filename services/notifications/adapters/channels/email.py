"""E-mail: one multipart/alternative message (text and HTML) per notice, over SMTP.

The transport is the only part that differs by running mode: SMTP in production and tests, a
local folder of ``.eml`` files in all-in-one mode (nothing leaves the machine).
"""
from __future__ import annotations

import html
import re
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Protocol

from services.kernel.ids import new_id

from ...domain.notices import Notice
from . import DeliveryFailed, absolute

INVALID_ADDRESS = "Địa chỉ e-mail không hợp lệ"

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def valid_address(address: str) -> bool:
    """A plain ``local@domain.tld`` address (no display name, no spaces, a dotted domain)."""
    return bool(address) and len(address) <= 254 and parseaddr(address)[1] == address and bool(_ADDRESS.match(address))


class Mailer(Protocol):
    """Hands a finished message to the outside world."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise (``smtplib`` errors, ``OSError``)."""


class SmtpMailer:
    def __init__(self, *, host: str, port: int, timeout: float = 10.0) -> None:
        self._host, self._port, self._timeout = host, port, timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            smtp.send_message(message)


class OutboxFolderMailer:
    """Writes each e-mail as an .eml file: the all-in-one mode sends nothing out."""

    def __init__(self, *, folder: str) -> None:
        self._folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"{new_id()}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)


class EmailChannel:
    """Composes the Vietnamese message with an absolute link and sends it through a :class:`Mailer`."""

    name = "email"

    def __init__(self, *, mailer: Mailer, sender: str, public_base_url: str) -> None:
        self._mailer, self._sender, self._base = mailer, sender, public_base_url

    def compose(self, notice: Notice, address: str) -> EmailMessage:
        link = absolute(self._base, notice.link)
        msg = EmailMessage()
        msg["From"] = self._sender
        msg["To"] = formataddr(("", address))
        msg["Subject"] = f"[HoSo] {notice.title}"
        msg["X-HoSo-Key"] = notice.key
        msg.set_content(f"{notice.body}\n\nXem trên HoSo: {link}\n", charset="utf-8")
        msg.add_alternative(
            "<!doctype html><html lang=\"vi\"><body>"
            f"<h2>{html.escape(notice.title)}</h2><p>{html.escape(notice.body)}</p>"
            f"<p><a href=\"{html.escape(link)}\">Mở trên HoSo</a></p>"
            "<p style=\"color:#666\">Đổi kênh nhận thông báo tại "
            f"<a href=\"{html.escape(absolute(self._base, '/cai-dat-thong-bao'))}\">Cài đặt thông báo</a>.</p>"
            "</body></html>", subtype="html", charset="utf-8")
        return msg

    def send(self, notice: Notice, address: str) -> None:
        if not valid_address(address):
            raise DeliveryFailed(INVALID_ADDRESS, permanent=True, bad_address=True)
        try:
            self._mailer.send(self.compose(notice, address))
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"Máy chủ thư từ chối người nhận: {_first(exc.recipients)}", permanent=True,
                                 bad_address=True) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryFailed(f"Máy chủ thư trả lời {exc.smtp_code}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"Không kết nối được máy chủ thư ({type(exc).__name__})", permanent=False) from exc


def _first(recipients: dict[str, tuple[int, bytes]]) -> str:
    for address, (code, _) in recipients.items():
        return f"{address} ({code})"
    return "?"
