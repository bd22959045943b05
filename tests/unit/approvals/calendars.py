"""School-year frames used by the approvals tests (real dates of 2025–2026)."""
from __future__ import annotations

from datetime import date

from services.approvals.domain.calendar import Holiday, SchoolCalendar, SchoolYearFrame

TET_2026 = Holiday("Nghỉ Tết Nguyên đán Bính Ngọ", date(2026, 2, 14), date(2026, 2, 22))

FRAME_2025_2026 = SchoolYearFrame(
    year="2025-2026",
    opening_day=date(2025, 9, 5),
    semester_1_end=date(2026, 1, 10),
    closing_day=date(2026, 5, 31),
    holidays=(
        Holiday("Tết Dương lịch", date(2026, 1, 1), date(2026, 1, 1)),
        TET_2026,
        Holiday("Giỗ Tổ Hùng Vương, 30/4 và 1/5", date(2026, 4, 26), date(2026, 5, 1)),
    ),
    points={"giua_hk1": date(2025, 10, 31), "giua_hk2": date(2026, 3, 21)},
)

SCHOOL_2025_2026 = SchoolCalendar(
    FRAME_2025_2026, events={"dai_hoi_lien_doi": date(2025, 10, 10), "le_tong_ket": date(2026, 5, 25)},
)
