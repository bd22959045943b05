"""Settings of the notifications service."""
from __future__ import annotations

from typing import ClassVar

from services.kernel.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service: ClassVar[str] = "notifications"

    db_name: str = "hoso_notifications"
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "HoSo <no-reply@hoso.edu.vn>"
    mail_outbox_dir: str = "var/mail-outbox"
    queue_quorum: bool = False
