"""All-in-one mode: the demo district's frame, seeded in approvals, reaches documents through the broker."""
from __future__ import annotations

import time

import pytest

from infra.allinone import start_platform
from services.approvals.domain.calendar import SchoolCalendar
from services.approvals.entrypoints.demo import FRAME_2026_2027
from services.documents.adapters.repositories import CalendarRepository

pytestmark = pytest.mark.integration


def test_the_demo_frame_reaches_documents_with_approvals_weeks():
    platform = start_platform(seed=True)
    try:
        calendars = CalendarRepository("pgd-hoa-vang")
        deadline = time.monotonic() + 60
        while calendars.get("2026-2027") is None and time.monotonic() < deadline:
            time.sleep(0.2)
        weeks = calendars.get("2026-2027")
        assert weeks is not None, "documents never received the demo district's frame"
        expected = [(w.number, w.monday, w.is_teaching, w.label) for w in SchoolCalendar(FRAME_2026_2027).weeks()]
        assert [(w.number, w.monday, w.teaching, w.label) for w in weeks.weeks] == expected
        assert weeks.of_month("2026-10") == ["2026-2027.t05", "2026-2027.t06", "2026-2027.t07", "2026-2027.t08"]
    finally:
        platform.stop()
