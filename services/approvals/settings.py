"""Settings of the approvals service (``HOSO_APPROVALS_*``)."""
from __future__ import annotations

from typing import ClassVar

from services.kernel.settings import ServiceSettings


class ApprovalsSettings(ServiceSettings):
    service: ClassVar[str] = "approvals"

    db_name: str = "hoso_approvals"
    queue_quorum: bool = False
    scheduler_interval_seconds: float = 300.0
    # client-credentials of approvals' own calls to documents (reference checks, freezes)
    client_id: str = "approvals"
    client_secret: str | None = None
