"""Counters for the report tests, fed through the progress consumer as the real events would."""
from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

from services.approvals.domain.calendar import TIMEZONE
from services.approvals.events import OVERDUE, RECOMPUTED, SUBMITTED
from services.kernel.testing import example_event
from infra.demo.district import DEMO_DISTRICT

DISTRICT = DEMO_DISTRICT.slug
PROVINCE = DEMO_DISTRICT.province_slug
BOOK = "ke_hoach_bai_day"
HOA_PHONG, NGUYEN_HUE = "Trường Tiểu học Hòa Phong", "Trường THCS Nguyễn Huệ"


def month_of(school: str, team: str, teacher: str, month: str, *, on_time: int, late: int, missing: int,
             district: str = DISTRICT) -> list:
    """The events that leave ``school``'s counters of ``month`` at the given figures."""
    due = datetime.fromisoformat(f"{month}-10T23:59:59").replace(tzinfo=TIMEZONE).isoformat()
    year = "2025-2026"
    owed = on_time + late + missing
    common = {"tenant": school, "district": district, "book_type": BOOK, "unit": team, "school_year": year, "due_at": due}
    events = [example_event(RECOMPUTED, tenant=school, district=district, school=school, deltas=[
        {"unit": team, "owner": teacher, "book": BOOK, "period": month, "year": year, "owed": owed}])]
    events += [example_event(SUBMITTED, submission_id=f"{school}-{month}-ok{i}", submitter=teacher,
                             progress={"on_time": 1}, **common) for i in range(on_time)]
    events += [example_event(SUBMITTED, submission_id=f"{school}-{month}-late{i}", submitter=teacher,
                             progress={"late": 1}, **common) for i in range(late)]
    events += [example_event(OVERDUE, obligation_id=f"{school}-{month}-miss{i}", owner=teacher,
                             progress={"missing": 1}, **common) for i in range(missing)]
    return events


def feed(container, events: list) -> None:
    for e in events:
        container.progress_consumer.handle(e)


def october(container) -> None:
    """October 2025: Nguyễn Huệ is the worst school (half missing), Hòa Phong mostly on time; September too."""
    feed(container, month_of("th-hoa-phong", "th-hoa-phong/to-4", "thhp.giaovien", "2025-10", on_time=7, late=1,
                             missing=0)
         + month_of("thcs-nguyen-hue", "thcs-nguyen-hue/to-khtn", "thcsnh.giaovien", "2025-10", on_time=2, late=1,
                    missing=3)
         + month_of("th-hoa-phong", "th-hoa-phong/to-4", "thhp.giaovien", "2025-09", on_time=4, late=0, missing=0))


def pdf_text(data: bytes, tmp: Path) -> str:
    """The text a reader sees (poppler's pdftotext, reading order kept)."""
    path = tmp / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
