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
    # client-credentials of notifications' own calls to approvals (due obligations, progress for digests)
    client_id: str = "notifications"
    client_secret: str | None = None
    #: how often the reminder and digest jobs run (the all-in-one runner and the scheduler repeat them)
    reminder_interval_seconds: float = 900.0
    #: obligations due this many days before or after now are looked at (policy offsets are at most 14 days)
    reminder_window_days: int = 15
    #: more reminders or escalations than this for one person in one run become one grouped message
    digest_threshold: int = 5
