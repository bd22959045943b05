"""Documents' teaching weeks are approvals' calendar, received through ``approvals.calendar.published``."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from documents_testkit import FRAME_2025_2026, NOW, SCHOOL_C, auth, pdf_bytes, publish_frame, upload  # type: ignore[import-not-found]

from services.approvals.domain.calendar import SchoolCalendar
from services.documents.adapters.records import CalendarRecord, FolderRecord
from services.kernel.periods import week_period

LESSONS_A = "th-hoa-phong:2025-2026:ke_hoach_bai_day:thhp.giaovien"
TO_BOOK_A = "th-hoa-phong:2025-2026:so_hoat_dong_to:th-hoa-phong/to-4"


def _lesson_periods(client, people) -> list[dict]:
    items = client.get("/api/v1/me/addresses", query_string={"school_year": "2025-2026"},
                       headers=auth(people.teacher_a())).get_json()["items"]
    return next(i for i in items if i["book"] == "ke_hoach_bai_day")["periods"]


def test_documents_weeks_are_approvals_calendar_weeks_of_2025_2026(client, container, people) -> None:
    publish_frame(container)
    calendar = SchoolCalendar(FRAME_2025_2026)
    teaching = [w for w in calendar.weeks() if w.is_teaching]
    periods = _lesson_periods(client, people)
    assert client.get("/api/v1/me/addresses", query_string={"school_year": "2025-2026"},
                      headers=auth(people.teacher_a())).get_json()["weeks_notice"] is None
    assert periods == [{"key": week_period("2025-2026", w.number).key, "label": w.label} for w in teaching]
    keys = [p["key"] for p in periods]
    # tuần 1 is the week of Monday 08/9 (the Friday opening's week is not a teaching week)
    assert periods[0] == {"key": "2025-2026.t01", "label": "Tuần 1 (08/09/2025)"}
    # Tết (16–22/02/2026) keeps its number but is not listed; the week after Tết is tuần 25
    assert "2025-2026.t23" in keys and "2025-2026.t24" not in keys and "2025-2026.t25" in keys
    assert {"key": "2025-2026.t25", "label": "Tuần 25 (23/02/2026)"} in periods
    # the last week listed holds the closing day, Friday 29/5/2026
    assert keys[-1] == "2025-2026.t38" and calendar.week(38).monday == date(2026, 5, 25)
    # tuần 19 is the week the school calls tuần 19: Monday 12/01/2026
    assert {"key": "2025-2026.t19", "label": "Tuần 19 (12/01/2026)"} in periods


def test_folders_made_before_the_frame_get_its_weeks_when_it_arrives(client, container, people) -> None:
    assert _lesson_periods(client, people) == []  # no frame yet: no week listed, the folder is made without weeks
    assert FolderRecord.objects.get(id=LESSONS_A).periods == []
    publish_frame(container)
    assert FolderRecord.objects.get(id=LESSONS_A).periods[:2] == ["2025-2026.t01", "2025-2026.t02"]
    assert len(FolderRecord.objects.get(id=LESSONS_A).periods) == 36
    assert len(FolderRecord.objects.get(id=TO_BOOK_A).periods) == 9  # a monthly book keeps its nine months
    audit = [e["action"] for e in container.runtime.audit.entries(target="pgd-hoa-vang/2025-2026")]
    assert audit == ["documents.calendar.projected"]


def test_folder_periods_follow_a_frame_change(client, container, people) -> None:
    publish_frame(container)
    _lesson_periods(client, people)  # the teacher's personal folder is made with the frame's weeks
    assert FolderRecord.objects.get(id=LESSONS_A).periods[0] == "2025-2026.t01"
    assert len(FolderRecord.objects.get(id=LESSONS_A).periods) == 36
    # the Phòng moves the closing day a week earlier (22/5): tuần 38 no longer exists
    earlier = replace(FRAME_2025_2026, closing_day=date(2026, 5, 22))
    publish_frame(container, earlier, at=NOW + timedelta(hours=1))
    assert FolderRecord.objects.get(id=LESSONS_A).periods[-1] == "2025-2026.t37"
    assert len(_lesson_periods(client, people)) == 35
    # an older event delivered late never undoes the newer frame
    publish_frame(container, FRAME_2025_2026, at=NOW - timedelta(hours=1))
    assert FolderRecord.objects.get(id=LESSONS_A).periods[-1] == "2025-2026.t37"
    assert CalendarRecord.objects.get(id="pgd-hoa-vang:2025-2026").last_teaching_day == "2026-05-22"


def test_the_calendar_consumer_is_idempotent_and_per_district(client, container, people) -> None:
    event = publish_frame(container)
    assert container.consumers["documents.calendar"].handle(event) is False
    # a school of another district sees no week of pgd-hoa-vang's frame
    assert CalendarRecord.objects(district_id="pgd-lien-chieu").count() == 0
    teacher_c = people.school("thlc.giaovien", SCHOOL_C, unit_roles=(("giao_vien", "th-lien-chieu/to-4"),))
    other = client.get("/api/v1/me/addresses", query_string={"school_year": "2025-2026"},
                       headers=auth(teacher_c)).get_json()
    lesson = next(i for i in other["items"] if i["book"] == "ke_hoach_bai_day")
    assert lesson["periods"] == []


def test_without_a_frame_no_week_is_listed_but_uploads_take_any_week_of_the_grammar(client, container, people) -> None:
    assert _lesson_periods(client, people) == []
    body = client.get("/api/v1/me/addresses", query_string={"school_year": "2025-2026"},
                      headers=auth(people.teacher_a())).get_json()
    assert body["weeks_notice"].startswith("Phòng GD&ĐT chưa công bố khung kế hoạch năm học 2025-2026")
    assert upload(client, people.teacher_a(), pdf_bytes(), period="2025-2026.t40").status_code == 201
    assert upload(client, people.teacher_a(), pdf_bytes(), period="2025-2026.t54").status_code == 422


def test_a_months_export_of_a_weekly_book_takes_the_calendars_weeks(client, container, people) -> None:
    body = {"kind": "print", "school_year": "2025-2026", "book": "ke_hoach_bai_day", "unit_id": "th-hoa-phong/to-4",
            "period": "2025-10"}
    refused = client.post("/api/v1/exports", json=body, headers=auth(people.to_truong_a()))
    assert refused.status_code == 422 and "chưa công bố khung kế hoạch" in refused.get_json()["detail"]
    publish_frame(container)
    october = client.post("/api/v1/exports", json=body, headers=auth(people.to_truong_a())).get_json()
    assert october["filters"]["period__in"] == ["2025-2026.t05", "2025-2026.t06", "2025-2026.t07", "2025-2026.t08"]
    february = client.post("/api/v1/exports", json={**body, "period": "2026-02"},
                           headers=auth(people.to_truong_a())).get_json()
    # Mondays 02, 09, 16 (Tết: nothing owed, nothing found) and 23/02/2026
    assert february["filters"]["period__in"] == ["2025-2026.t22", "2025-2026.t23", "2025-2026.t24", "2025-2026.t25"]
