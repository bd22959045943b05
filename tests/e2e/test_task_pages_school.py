"""Pages for school tasks that had an API but no page (issue 14, point 6), each used once by the right person.

- Biên bản sửa dữ liệu: the teacher asks to correct her approved Sổ SHCM (an empty file is refused in the
  documents service's words), the principal consents, and the three witnesses the rule names — principal,
  quản trị, requester — confirm, each signed in in their own browser; the record is then "Đã sửa xong".
- Folders: the quản trị creates a school year's folders; the teacher opens her lesson-plan folder and sees her
  document by title; district staff do not see the page.
- Calendar: the principal adds a school event (an impossible day and a day outside the school year are refused)
  and sees it named in the month view; the trưởng phòng reads the district's frame.
- Floors: a teacher gets the not-found page; the trưởng phòng sees floors grouped by book, is refused
  an impossible date, changes one floor and sees its new wording, then puts it back.
"""
from __future__ import annotations

import random
import re

from playwright.sync_api import Page, expect

from infra.demo.documents import sample_pdf

TEACHER = "thhp.giaovien"
PRINCIPAL = "thhp.hieutruong"
ADMIN = "thhp.quantri"
HEAD_OF_DISTRICT = "pgd.truongphong"
NAMES = {TEACHER: "Nguyễn Thị Lệ Thủy", PRINCIPAL: "Phạm Văn Hùng", ADMIN: "Ngô Đức Thắng"}
SHCM = "Sổ ghi chép sinh hoạt chuyên môn"


def nav_link(page: Page, name: str):
    """A link of the navigation (opened first on a narrow screen, where it folds into a menu button)."""
    menu = page.get_by_role("button", name="Danh mục")
    if menu.is_visible():
        menu.click()
    return page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name=name)


def signed_in_at(new_page, sign_in, username: str, link: str) -> Page:
    """A new browser of ``username``, signed in, on the page its navigation's ``link`` opens."""
    page = new_page()
    sign_in(page, username)
    nav_link(page, link).click()
    return page


def test_a_correction_is_requested_consented_and_witnessed_by_three_people(new_page, sign_in, capture):
    teacher = signed_in_at(new_page, sign_in, TEACHER, "Biên bản sửa dữ liệu")
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Biên bản sửa dữ liệu")
    teacher.get_by_role("link", name="Lập đề nghị sửa dữ liệu").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Đề nghị sửa dữ liệu")
    witnesses = teacher.locator("section[aria-labelledby=corr-witnesses]")
    expect(witnesses).to_contain_text(NAMES[PRINCIPAL])
    expect(witnesses).to_contain_text(f"{NAMES[TEACHER]} (bạn)")
    record = teacher.get_by_label("Hồ sơ", exact=True)
    shcm = record.locator("option", has_text=SHCM).first
    record.select_option(shcm.get_attribute("value"))
    reason = f"Sai tên báo cáo viên ở buổi sinh hoạt chuyên môn (lần {random.randint(1000, 9999)})."
    teacher.get_by_label("Lý do sửa").fill(reason)
    form = teacher.locator("form[aria-labelledby=corr-form]")
    form.locator("input[type=file]").set_input_files(files=[{"name": "Sổ SHCM tháng 12 — bản sửa.pdf", "mimeType": "application/pdf", "buffer": b""}])
    form.get_by_role("button", name="Gửi đề nghị").click()
    expect(form.get_by_role("alert")).to_contain_text("Tệp rỗng, không có nội dung để lưu.")
    form.locator("input[type=file]").set_input_files(files=[{"name": "Sổ SHCM tháng 12 — bản sửa.pdf", "mimeType": "application/pdf",
                                                             "buffer": sample_pdf(["Sổ ghi chép SHCM tháng 12", "Bản đã sửa"])}])
    capture(teacher, "sua-du-lieu-de-nghi")
    form.get_by_role("button", name="Gửi đề nghị").click()
    expect(teacher.locator("#corr-out")).to_contain_text("Đã gửi đề nghị sửa dữ liệu")
    expect(teacher).to_have_url(re.compile(r"/truong/sua-du-lieu/[^/]+$"))
    correction_url = teacher.url
    correction_id = correction_url.rsplit("/", 1)[1]
    expect(teacher.locator("main")).to_contain_text("Chờ Hiệu trưởng đồng ý")
    expect(teacher.locator("main")).to_contain_text(reason)
    expect(teacher.get_by_role("button", name="Xác nhận biên bản")).to_have_count(0)

    principal = signed_in_at(new_page, sign_in, PRINCIPAL, "Biên bản sửa dữ liệu")
    row = principal.locator(f'li[data-correction="{correction_id}"]')
    expect(row).to_contain_text(f"Người đề nghị: {NAMES[TEACHER]}")
    capture(principal, "sua-du-lieu-danh-sach")
    row.get_by_role("link").click()
    principal.get_by_label("Ý kiến (không bắt buộc)").fill("Đồng ý sửa tên báo cáo viên.")
    principal.get_by_role("button", name="Đồng ý sửa").click()
    expect(principal.locator("#corr-out")).to_contain_text("Đã đồng ý")
    expect(principal.locator("main")).to_contain_text("Chờ người chứng kiến xác nhận")
    principal.get_by_role("button", name="Xác nhận biên bản").click()
    expect(principal.locator("#corr-out")).to_contain_text("Đã xác nhận biên bản.")
    expect(principal.get_by_role("button", name="Xác nhận biên bản")).to_have_count(0)

    admin = new_page()
    sign_in(admin, ADMIN, path=correction_url)
    admin.get_by_role("button", name="Xác nhận biên bản").click()
    expect(admin.locator("#corr-out")).to_contain_text("Đã xác nhận biên bản.")

    teacher.goto(correction_url)
    capture(teacher, "sua-du-lieu-bien-ban")
    teacher.get_by_role("button", name="Xác nhận biên bản").click()
    expect(teacher.locator("#corr-out")).to_contain_text("Đủ ba người chứng kiến")
    expect(teacher.locator("main")).to_contain_text("Đã sửa xong")
    listed = teacher.locator("ul.witnesses > li")
    expect(listed).to_have_count(3)
    for role, name in (("hieu_truong", NAMES[PRINCIPAL]), ("quan_tri", NAMES[ADMIN]), ("requester", NAMES[TEACHER])):
        expect(teacher.locator(f'ul.witnesses > li[data-role="{role}"]')).to_contain_text(name)
        expect(teacher.locator(f'ul.witnesses > li[data-role="{role}"]')).to_contain_text("Đã xác nhận")
    expect(teacher.locator("ol.timeline > li")).to_have_count(6)


def test_the_admin_creates_a_years_folders_and_a_teacher_browses_hers(new_page, sign_in, capture):
    admin = signed_in_at(new_page, sign_in, ADMIN, "Thư mục hồ sơ")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Thư mục hồ sơ năm học")
    gen = admin.locator("form[aria-labelledby=folders-gen]")
    gen.get_by_label("Năm học").select_option("2027-2028")
    gen.get_by_role("button", name="Tạo thư mục").click()
    expect(admin.locator("#folders-out")).to_contain_text("2027-2028")
    expect(admin.locator("#folders-out")).to_contain_text(re.compile(r"Đã tạo \d+ thư mục|đã có đủ thư mục"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Thư mục hồ sơ năm học 2027-2028")
    expect(admin.locator("details.book-group summary h2").first).to_be_visible()
    capture(admin, "thu-muc-quan-tri")

    teacher = signed_in_at(new_page, sign_in, TEACHER, "Thư mục hồ sơ")
    lessons = teacher.locator('details.book-group[data-book="ke_hoach_bai_day"]')
    expect(lessons.locator("summary h2")).to_have_text("Kế hoạch bài dạy")
    folder = lessons.locator("li").filter(has_text="Của tôi").first
    expect(folder).to_contain_text(NAMES[TEACHER])
    folder.get_by_role("link").click()
    opened = teacher.locator("section.folder-open")
    expect(opened.get_by_role("heading")).to_have_text(f"Kế hoạch bài dạy — {NAMES[TEACHER]}")
    expect(opened).to_contain_text("Kế hoạch bài dạy tuần 20 – Toán")
    expect(opened).not_to_contain_text("2026-2027.t20")
    expect(teacher.locator("form[aria-labelledby=folders-gen]")).to_have_count(0)
    capture(teacher, "thu-muc-giao-vien")

    district = new_page()
    sign_in(district, HEAD_OF_DISTRICT)
    district.goto("/truong/thu-muc")
    expect(district.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")


def test_the_principal_adds_a_school_event_and_sees_it_on_the_calendar(new_page, sign_in, capture):
    principal = signed_in_at(new_page, sign_in, PRINCIPAL, "Lịch năm học")
    expect(principal.get_by_role("heading", level=1)).to_have_text("Lịch năm học 2026-2027")
    frame = principal.locator("section[aria-labelledby=cal-frame]")
    expect(frame).to_contain_text("Kết thúc học kỳ I")
    expect(frame).to_contain_text("16/01/2027")
    expect(frame).not_to_contain_text("ket_thuc_hk1")

    name = f"Hội khỏe Phù Đổng cấp trường lần {random.randint(1000, 9999)}"
    day = random.randint(1, 28)
    form = principal.locator("form[aria-labelledby=cal-add]")
    form.get_by_label("Sự kiện", exact=True).select_option(label="Sự kiện khác (nhập tên)")
    form.get_by_label("Tên sự kiện").fill(name)
    form.get_by_label("Ngày", exact=True).fill("31/02/2027")
    form.get_by_role("button", name="Thêm sự kiện").click()
    expect(form.get_by_role("alert")).to_contain_text("Ngày “31/02/2027” không hợp lệ")
    form.get_by_label("Ngày", exact=True).fill("15/08/2028")
    form.get_by_role("button", name="Thêm sự kiện").click()
    expect(form.get_by_role("alert")).to_contain_text("nằm ngoài năm học 2026-2027")
    form.get_by_label("Ngày", exact=True).fill(f"{day:02d}/03/2027")
    form.get_by_role("button", name="Thêm sự kiện").click()
    expect(principal.locator("#cal-out")).to_contain_text(f"Đã thêm sự kiện {name} ngày {day:02d}/03/2027.")
    month = principal.locator("section[aria-labelledby=cal-month]")
    expect(month.get_by_role("heading", level=2)).to_have_text("Tháng 3/2027")
    expect(month.locator(f'td[data-day="2027-03-{day:02d}"]')).to_contain_text(name)
    expect(month.locator(f'.cal-list li[data-day="2027-03-{day:02d}"]')).to_contain_text(f"{day:02d}/03/2027")
    expect(principal.locator("section[aria-labelledby=cal-own]")).to_contain_text(name)
    capture(principal, "lich-nam-hoc-truong")
    principal.locator("section[aria-labelledby=cal-month] select").select_option("2026-10")
    expect(month.locator('td[data-day="2026-10-09"]')).to_contain_text("Đại hội Liên đội")

    district = signed_in_at(new_page, sign_in, HEAD_OF_DISTRICT, "Khung kế hoạch năm học")
    expect(district.get_by_role("heading", level=1)).to_have_text("Lịch năm học 2026-2027")
    district.locator("section[aria-labelledby=cal-month] select").select_option("2027-02")
    expect(district.locator('td[data-day="2027-02-10"]')).to_contain_text("Nghỉ Tết Nguyên đán Đinh Mùi")
    tet = district.locator(".cal-list li", has_text="Nghỉ Tết Nguyên đán Đinh Mùi")
    expect(tet).to_have_count(1)
    expect(tet.locator(".cal-date")).to_have_text("01/02/2027 – 14/02/2027")
    expect(district.locator("details summary", has_text="Sửa khung kế hoạch năm học")).to_be_visible()
    capture(district, "lich-nam-hoc-phong")


def test_the_head_of_the_district_changes_a_floor_and_a_teacher_may_not_open_the_page(new_page, sign_in, capture):
    teacher = new_page()
    sign_in(teacher, TEACHER)
    expect(nav_link(teacher, "Việc của tôi")).to_be_visible()
    expect(teacher.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Mức sàn hạn nộp của Phòng")).to_have_count(0)
    teacher.goto("/phong/muc-san")
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")

    head = signed_in_at(new_page, sign_in, HEAD_OF_DISTRICT, "Mức sàn hạn nộp của Phòng")
    book = head.locator('details.book-group[data-book="so_dang_bo"]')
    expect(book.locator("summary h2")).to_have_text("Sổ đăng bộ")
    book.locator(":scope > summary").click()
    row = book.locator('li[data-book="so_dang_bo"][data-item="dau_nam"]')
    expect(row).to_contain_text("Đầu năm học")
    before = row.locator(".floor-text").inner_text()
    capture(head, "muc-san-phong")

    def save(month: str, day: str) -> None:
        if row.locator("details[open]").count() == 0:
            row.locator("summary").click()
        row.get_by_label("Tháng").fill(month)
        row.get_by_label("Ngày").fill(day)
        row.get_by_role("button", name="Lưu mức sàn").click()

    row.locator("summary").click()
    original = (row.get_by_label("Tháng").input_value(), row.get_by_label("Ngày").input_value())
    save("2", "31")
    expect(row.get_by_role("alert")).to_contain_text("Tháng 2 không có ngày 31.")
    save("9", "28")
    expect(head.locator("#floors-out")).to_contain_text("Đã lưu mức sàn Sổ đăng bộ — Đầu năm học.", timeout=60_000)
    expect(head.locator("#floors-out")).to_contain_text("Mức sàn mới: trước ngày 28/09 hằng năm")
    row = head.locator('li[data-book="so_dang_bo"][data-item="dau_nam"]')
    expect(row.locator(".floor-text")).to_contain_text("28/09")
    expect(row).to_contain_text("Phòng đã đặt")
    save(*original)
    expect(head.locator("#floors-out .alert")).to_contain_text("Mức sàn mới", timeout=60_000)
    expect(head.locator('li[data-book="so_dang_bo"][data-item="dau_nam"] .floor-text')).to_have_text(before)
