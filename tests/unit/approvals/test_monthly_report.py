"""The monthly report: built on the 1st (Vietnam time) for each oversight unit and the Sở, once, and private."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone
from io import BytesIO

from openpyxl import load_workbook

from report_data import DISTRICT, NGUYEN_HUE, PROVINCE, month_of, feed, october, pdf_text
from services.approvals.entrypoints.scheduler import tick
from services.approvals.events import MONTHLY_REPORT

OTHER_UNIT = "ubnd-phuong-hai-chau"
#: 1 November 2025, 00:30 in Vietnam (17:30 UTC the day before)
FIRST_0030_ICT = datetime(2025, 10, 31, 17, 30, tzinfo=timezone.utc)


def other_unit_school(container) -> None:
    """A school of a ward's People's Committee of the same province, with its own October."""
    container.setup.school_onboarded({"id": "th-hai-chau", "slug": "th-hai-chau", "name": "Trường Tiểu học Hải Châu",
                                      "levels": ["tieu_hoc"], "district_id": OTHER_UNIT, "province_id": PROVINCE,
                                      "units": [], "principal": "thhc.hieutruong"})
    feed(container, month_of("th-hai-chau", "th-hai-chau/to-1", "thhc.giaovien", "2025-10", on_time=1, late=0,
                             missing=1, district=OTHER_UNIT))


def reports_published(api) -> list:
    return [e for e in api.events() if e.type == MONTHLY_REPORT.type]


def so_token(api, province: str = PROVINCE) -> str:
    return api.tokens.issue("so.chuyenvien", province=province, roles=["chuyen_vien_so"])


def listed(api, query: str, who: str = "pgd.chuyenvien", token: str | None = None) -> list[dict]:
    return api.ok("GET", f"/reports?{query}", who, token=token)["items"]


def test_the_1st_at_0030_builds_one_report_per_unit_and_the_so_once(api):
    october(api.container)
    other_unit_school(api.container)
    api.clock.set(datetime(2025, 10, 31, 16, 30, tzinfo=timezone.utc))  # 23:30 on 31/10 in Vietnam
    tick(api.container)
    assert [e.data["month"] for e in reports_published(api)] == ["2025-09"] * 3  # September's, not October's yet
    api.publisher.published.clear()

    api.clock.set(FIRST_0030_ICT)
    assert tick(api.container)["monthly_reports"] == 3  # two units and the Sở
    assert tick(api.container)["monthly_reports"] == 0  # the job runs again: nothing new
    events = reports_published(api)
    assert len(events) == 3  # each report announced once
    by_scope = {(e.data["district_id"], e.data["province_id"]): e.data for e in events}
    assert set(by_scope) == {(DISTRICT, PROVINCE), (OTHER_UNIT, PROVINCE), (None, PROVINCE)}
    ours = by_scope[(DISTRICT, PROVINCE)]
    assert ours["month"] == "2025-10" and ours["month_label"] == "tháng 10/2025"
    assert unicodedata.is_normalized("NFC", ours["month_label"])
    assert ours["schools"] == 2 and ours["on_time_percent"] == round(100 * 9 / 14, 1)
    assert by_scope[(None, PROVINCE)]["schools"] == 3
    items = listed(api, f"unit={DISTRICT}")
    assert [(r["month"], r["month_label"]) for r in items] == [("2025-10", "tháng 10/2025"), ("2025-09", "tháng 9/2025")]
    assert ours["link"].endswith(f"bao-cao={items[0]['id']}")


def test_a_second_replica_losing_the_race_stores_and_announces_nothing(api):
    october(api.container)
    api.clock.set(FIRST_0030_ICT)
    assert api.container.reports.run_monthly() == 2
    # the other replica checked before the first one wrote, and now tries to claim the same (unit, month)
    assert api.container.reports._build("unit", DISTRICT, DISTRICT, PROVINCE, 2, "2025-10", FIRST_0030_ICT) == 0
    assert len([e for e in reports_published(api) if e.data["month"] == "2025-10"]) == 2
    assert [r["month"] for r in listed(api, f"unit={DISTRICT}")] == ["2025-10"]  # one report, one event


def test_the_files_open_and_only_the_units_staff_and_the_so_may_download(api, tmp_path):
    october(api.container)
    other_unit_school(api.container)
    api.clock.set(FIRST_0030_ICT)
    tick(api.container)
    ours = listed(api, f"unit={DISTRICT}")[0]
    theirs = listed(api, f"unit={OTHER_UNIT}", token=so_token(api))[0]
    pdf = api.call("GET", f"/reports/{ours['id']}/file?format=pdf", "pgd.chuyenvien")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = unicodedata.normalize("NFC", pdf_text(pdf.data, tmp_path))
    assert "BÁO CÁO TÌNH HÌNH NỘP HỒ SƠ" in text and "Kỳ báo cáo: tháng 10/2025" in text
    assert "Ngày lập: 01/11/2025" in text and NGUYEN_HUE in text
    xlsx = api.call("GET", f"/reports/{ours['id']}/file?format=xlsx", "pgd.chuyenvien")
    sheet = load_workbook(BytesIO(xlsx.data))["Xếp hạng"]
    assert sheet["C3"].value == NGUYEN_HUE  # worst first
    # another unit's report is 404, like one that does not exist; so is its list
    assert api.call("GET", f"/reports/{theirs['id']}/file?format=pdf", "pgd.chuyenvien").status_code == 404
    assert api.call("GET", "/reports/khong-co/file", "pgd.chuyenvien").status_code == 404
    assert api.call("GET", f"/reports?unit={OTHER_UNIT}", "pgd.chuyenvien").status_code == 404
    assert api.call("GET", f"/reports?province={PROVINCE}", "pgd.chuyenvien").status_code == 404
    assert api.call("GET", f"/reports?unit={DISTRICT}", "thhp.hieutruong").status_code == 404
    # the Sở reads its own and every unit's of its province; another province's Sở reads none
    so = so_token(api)
    assert [r["level"] for r in listed(api, f"province={PROVINCE}", token=so)] == ["province"]
    assert api.call("GET", f"/reports/{theirs['id']}/file?format=xlsx", "", token=so).status_code == 200
    other_so = so_token(api, "so-khac")
    assert api.call("GET", f"/reports/{ours['id']}/file", "", token=other_so).status_code == 404
    # building and each download are in the audit log
    assert [e["action"] for e in api.audit(f"report:{ours['id']}")][:1] == ["approvals.report.built"]
    assert "approvals.report.read" in {e["action"] for e in api.audit(f"report:{ours['id']}")}


def test_the_list_needs_exactly_one_scope(api):
    assert api.call("GET", "/reports", "pgd.chuyenvien").status_code == 422
    assert api.call("GET", f"/reports?unit={DISTRICT}&province={PROVINCE}", "pgd.chuyenvien").status_code == 422


def test_augusts_report_belongs_to_the_school_year_it_opens(api):
    api.clock.set(datetime(2025, 8, 31, 17, 30, tzinfo=timezone.utc))  # 1 September 2025, 00:30 in Vietnam
    assert api.container.reports.run_monthly() == 2
    [report] = listed(api, f"unit={DISTRICT}")
    assert (report["month"], report["month_label"], report["school_year"]) == ("2025-08", "tháng 8/2025", "2025-2026")
