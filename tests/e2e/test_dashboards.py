"""Province staff open the compliance dashboard: every unit, then a unit's schools, one request per view."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from playwright.sync_api import expect


def test_province_staff_see_their_units_then_schools_with_one_request_per_view(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "so.chuyenvien")
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/approvals/" in r.url else None)
    page.goto("/phong")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiến độ các đơn vị trong tỉnh")
    table = page.locator("section[aria-labelledby=ds-table] table")
    expect(table).to_contain_text("Phòng Giáo dục và Đào tạo huyện Hòa Vang")  # the unit by name, not its id
    expect(page.locator("figure.chart svg.trend rect").first).to_be_attached()
    assert [u for u in calls if "/dashboards/" in u] and not [u for u in calls if "/progress" in u]
    assert len([u for u in calls if "/dashboards/province/" in u]) == 1
    capture(page, "so-cac-don-vi")

    calls.clear()
    table.get_by_role("link", name="Phòng Giáo dục và Đào tạo huyện Hòa Vang").click()
    schools = page.locator("section[aria-labelledby=ds-table] table")
    for school in ("Trường Tiểu học Hòa Phong", "Trường Mầm non Hòa Châu", "Trường THCS Nguyễn Huệ"):
        expect(schools).to_contain_text(school)
    shares = [int(v.rstrip("%")) for v in schools.locator("tbody tr td:last-child").all_inner_texts()]
    assert shares == sorted(shares, reverse=True)
    assert len([u for u in calls if "/dashboards/unit/" in u]) == 1 and not [u for u in calls if "/progress" in u]
    capture(page, "so-mot-don-vi")

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải bảng Excel").click()
    rows = list(load_workbook(BytesIO(open(info.value.path(), "rb").read()))["Xếp hạng"].iter_rows(values_only=True))
    assert {"Trường Tiểu học Hòa Phong", "Trường THCS Nguyễn Huệ"} <= {r[2] for r in rows[2:]}


def test_a_school_drill_down_and_the_principal_page_read_one_dashboard_view(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "pgd.chuyenvien")
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/approvals/" in r.url else None)
    page.goto("/phong/truong/th-hoa-phong")
    page.locator("table").get_by_role("link", name="Tổ chuyên môn khối 4").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tổ chuyên môn khối 4")
    page.get_by_role("link", name="Nguyễn Thị Lệ Thủy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nguyễn Thị Lệ Thủy")
    assert not [u for u in calls if "/progress" in u]

    principal = new_page()
    sign_in(principal, "thhp.hieutruong")
    seen: list[str] = []
    principal.on("request", lambda r: seen.append(r.url) if "/api/approvals/" in r.url else None)
    principal.goto("/truong/tien-do")
    expect(principal.locator("section[aria-labelledby=pg-units] tbody tr").first).to_be_visible()
    assert len([u for u in seen if "/dashboards/school/th-hoa-phong" in u]) == 1
    assert not [u for u in seen if "/progress" in u]
