"""What notifications reads from approvals: the open obligations due in a window, and progress figures.

``HttpApprovals`` calls approvals' routes with the service's client-credentials token: the due
feed (``GET /internal/obligations/due``, every page) and the dashboards (``GET /dashboards/...``)
for the digests' numbers.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from services.kernel.service_client import ServiceClient


class ApprovalsPort(Protocol):
    def due(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        """The open obligations due in ``[start, end)``, a page at a time (approvals' ``DueItem``)."""

    def dashboard(self, level: str, scope_id: str, period: str) -> dict[str, Any]:
        """A school's (``school``) or a district's schools' (``unit``) progress for one month."""


class HttpApprovals:
    """Approvals over HTTP; an answer other than 200 is a 502 problem naming approvals."""

    def __init__(self, *, client: ServiceClient, page_size: int = 200) -> None:
        self._client = client
        self._page_size = page_size

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        resp = self._client.request("GET", path, params=params)
        if resp.status_code != 200:
            raise self._client.unexpected(resp)
        return resp.json()

    def due(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        params: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(), "limit": self._page_size}
        while True:
            page = self._get("/api/v1/internal/obligations/due", params)
            yield page["items"]
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]

    def dashboard(self, level: str, scope_id: str, period: str) -> dict[str, Any]:
        return self._get(f"/api/v1/dashboards/{level}/{scope_id}", {"period": period})
