"""Settings of the notifications service.

Links in e-mails, Zalo messages and webhooks are made absolute with the platform's shared
``public_url`` (``HOSO_PUBLIC_URL``), the address people open the web app at.
"""
from __future__ import annotations

from typing import ClassVar

from services.kernel.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service: ClassVar[str] = "notifications"

    db_name: str = "hoso_notifications"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "HoSo <no-reply@hoso.edu.vn>"
    mail_outbox_dir: str = "var/mail-outbox"
    queue_quorum: bool = False
    #: Zalo Official Account ZNS API (template messages); unset token: Zalo deliveries wait.
    zalo_base_url: str = "https://business.openapi.zalo.me"
    zalo_access_token: str | None = None
    zalo_template_id: str | None = None
    webhook_timeout_seconds: float = 10.0
    #: How long a scheduler replica owns a claimed delivery before another may take it.
    delivery_lease_seconds: float = 300.0
    #: Cadence of the delivery job (seconds between two runs).
    scheduler_interval_seconds: float = 30.0
    # client-credentials of notifications' own calls to approvals (due obligations, progress for digests)
    client_id: str = "notifications"
    client_secret: str | None = None
    #: how often the reminder and digest jobs run (the all-in-one runner and the scheduler repeat them)
    reminder_interval_seconds: float = 900.0
    #: obligations due this many days before or after now are looked at (policy offsets are at most 14 days)
    reminder_window_days: int = 15
    #: more reminders or escalations than this for one person in one run become one grouped message
    digest_threshold: int = 5
