"""The life of a campaign in the web app: the inspector who opens it heads the team, hands the
head over to another member, and ends the campaign early after confirming; the principal downloads
the read log as Excel."""
from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

GET = """async ([service, path]) => {
  const tokens = JSON.parse(sessionStorage.getItem('hoso.tokens'));
  const r = await fetch(`/api/${service}/v1${path}`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  return { status: r.status };
}"""


def test_the_head_changes_and_the_campaign_ends_early_after_a_confirmation(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "pgd.chuyenvien")
    page.goto("/phong/dot-kiem-tra")
    page.get_by_label("Tên đợt kiểm tra").fill("Kiểm tra đột xuất Hòa Phong")
    page.get_by_label("Trường Tiểu học Hòa Phong").check()
    page.get_by_label("Thành viên đoàn (tài khoản)").fill("pgd.truongphong")
    page.get_by_label("Kết thúc").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Mở đợt kiểm tra").click()
    expect(page.get_by_role("status").filter(has_text="Đã mở đợt kiểm tra")).to_be_visible()
    item = page.locator("section[aria-labelledby=cp-list] li").filter(has_text="Kiểm tra đột xuất Hòa Phong")
    expect(item).to_contain_text("Trưởng đoàn: Trần Văn Đức")
    expect(item).to_contain_text("Trần Văn Đức (trưởng đoàn), Nguyễn Thị Thu Hương")

    item.get_by_role("button", name="Sửa đoàn, thời hạn").click()
    item.get_by_label("Trưởng đoàn", exact=True).select_option("pgd.truongphong")
    item.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu thay đổi của đợt kiểm tra.")).to_be_visible()
    expect(item).to_contain_text("Trưởng đoàn: Nguyễn Thị Thu Hương")

    item.get_by_role("button", name="Kết thúc sớm").click()
    expect(item.get_by_role("alertdialog")).to_contain_text("Cả đoàn mất quyền xem hồ sơ ngay lập tức")
    item.get_by_role("button", name="Không, quay lại").click()
    expect(item.get_by_role("alertdialog")).to_have_count(0)
    expect(item).to_contain_text("Đang diễn ra")
    item.get_by_role("button", name="Kết thúc sớm").click()
    capture(page, "phong-dot-kiem-tra-ket-thuc-som")
    item.get_by_role("button", name="Xác nhận kết thúc").click()
    expect(page.get_by_role("status").filter(has_text="Đã kết thúc đợt kiểm tra.")).to_be_visible()
    expect(item).to_contain_text("Đã kết thúc sớm")
    expect(item.get_by_role("button", name="Kết thúc sớm")).to_have_count(0)


def test_the_principal_downloads_the_read_log_as_excel(new_page, sign_in):
    inspector = new_page()
    sign_in(inspector, "pgd.chuyenvien")
    read = inspector.evaluate(GET, ["approvals", "/progress?scope=school&id=th-hoa-phong&period=2025-2026"])
    assert read["status"] == 200, "the school's progress, read under the standing right"

    page = new_page()
    sign_in(page, "thhp.hieutruong")
    page.goto("/truong/ai-da-xem")
    expect(page.locator("section[aria-labelledby=rl-list] tbody tr").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải về (Excel)").click()
    assert info.value.suggested_filename in ("ai-da-xem-ho-so-tai-lieu.xlsx", "ai-da-xem-ho-so-phe-duyet.xlsx")
    with open(info.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert [c.value for c in sheet[1]][:3] == ["Thời điểm", "Người xem", "Tài khoản"]
