"""Issue 7's must-show scenario, in a browser, against the whole platform and the demo district.

The steps run in order and share what earlier steps produced (the submission a teacher made,
the signed học bạ, …), as people of Trường Tiểu học Hòa Phong would do one after another.
Every page visited is captured at desktop and phone widths and checked with axe-core.
"""
from __future__ import annotations

import base64
import io
import re
import subprocess
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfWriter

TEACHER = "thhp.giaovien"
TO_TRUONG = "thhp.totruong"
TO_PHO = "thhp.topho"
PRINCIPAL = "thhp.hieutruong"
ADMIN = "thhp.quantri"
CLERK = "thhp.vanthu"
DISTRICT = "pgd.truongphong"
OTHER_SCHOOL_TEACHER = "mnhc.giaovien"

RETURN_COMMENT = "Thiếu mục tiêu bài học và phần đánh giá; đề nghị bổ sung rồi nộp lại."
LOCK_REASON = "Khóa sổ kế hoạch bài dạy để Phòng kiểm tra theo ý kiến Hiệu trưởng"


@pytest.fixture(scope="module")
def story() -> dict:
    """What the steps hand on to each other."""
    return {}


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def drop_file(page: Page, zone: Locator, name: str, data: bytes, mime: str) -> None:
    """Drag and drop a file onto a drop zone, as a person dragging it from their desktop."""
    transfer = page.evaluate_handle(
        """([name, b64, mime]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: mime }));
            return dt;
        }""",
        [name, base64.b64encode(data).decode(), mime],
    )
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def lesson_plan_rows(page: Page) -> Locator:
    return page.locator("section[aria-labelledby=owed-title] ul.list > li").filter(has_text="Kế hoạch bài dạy")


def test_teacher_uploads_and_submits_a_lesson_plan(new_page, sign_in, capture, story):
    page = new_page()
    sign_in(page, TEACHER)
    page.goto("/viec-cua-toi?xem=month")
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")
    row = lesson_plan_rows(page).filter(has=page.get_by_role("button", name="Nộp hồ sơ")).first
    period = row.locator(".meta").first.inner_text()
    story["period"] = period
    # how long is left, beside the deadline, as people say it
    expect(row.locator(".time-left")).to_have_text(re.compile(r"^ · (còn \d+ ngày|hạn chót hôm nay)$"))
    capture(page, "viec-cua-toi")
    row.get_by_role("button", name="Nộp hồ sơ").click()
    drop_file(page, row.locator(".dropzone"), "Kế hoạch bài dạy Toán 4 — tuần mới.pdf", pdf_bytes(3), "application/pdf")
    expect(row.locator(".file-name")).to_contain_text("Kế hoạch bài dạy Toán 4 — tuần mới.pdf")
    row.get_by_role("button", name="Tải lên và nộp").click()
    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible()
    expect(row.locator("progress")).to_have_attribute("value", "100")
    page.wait_for_timeout(800)
    page.goto("/viec-cua-toi?xem=month")
    submitted = page.locator("section[aria-labelledby=subs-title] li").filter(has_text=period).first
    expect(submitted).to_contain_text("Đã nộp")
    story["submission_url"] = submitted.get_by_role("link").get_attribute("href")
    page.goto(story["submission_url"])
    expect(page.locator(".timeline")).to_contain_text("Nộp hồ sơ")
    capture(page, "bai-nop")


def test_the_to_truong_bell_counts_the_submission_and_its_link_opens_it(new_page, sign_in, capture, story):
    page = new_page()
    sign_in(page, TO_TRUONG)
    bell = page.get_by_test_id("bell")
    expect(bell.locator(".bell-count")).to_be_visible()
    count = int(bell.locator(".bell-count").inner_text().rstrip("+"))
    assert count >= 1
    expect(bell).to_have_attribute("aria-label", f"Thông báo: {count} chưa đọc")
    bell.click()
    page.wait_for_url(re.compile(r".*/thong-bao$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo")
    item = page.get_by_test_id("inbox-item").filter(has=page.locator(f'a[href="{story["submission_url"]}"]'))
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Chờ bạn duyệt: Kế hoạch bài dạy của Nguyễn Thị Lệ Thủy")
    expect(item).to_contain_text("Kế hoạch bài dạy")
    capture(page, "thong-bao")
    item.get_by_role("link").click()
    page.wait_for_url(re.compile(re.escape(story["submission_url"]) + "$"))
    expect(page.locator(".timeline")).to_contain_text("Nộp hồ sơ")
    # opening it marked it read: the bell counts one less
    expect(page.get_by_test_id("bell")).to_have_attribute(
        "aria-label", f"Thông báo: {count - 1} chưa đọc" if count > 1 else "Thông báo")


def test_to_truong_delegates_to_the_to_pho(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, TO_TRUONG)
    page.goto("/uy-quyen")
    page.get_by_label("Người được ủy quyền").fill(TO_PHO)
    page.get_by_label("Loại hồ sơ").select_option(label="Kế hoạch bài dạy")
    page.get_by_label("Đến ngày").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Ủy quyền", exact=True).click()
    expect(page.locator("section[aria-labelledby=dg-list]")).to_contain_text("Võ Thị Hồng Nhung ủy quyền cho Huỳnh Minh Tuấn làm Tổ trưởng")
    capture(page, "uy-quyen")


def test_to_pho_acting_for_to_truong_returns_it_with_a_comment(new_page, sign_in, capture, story):
    page = new_page()
    sign_in(page, TO_PHO)
    submission_id = story["submission_url"].rsplit("/", 1)[1]
    page.goto(f"/duyet?chon={submission_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chờ duyệt")
    expect(page.locator("#queue-detail")).to_contain_text("Bạn đang duyệt thay Võ Thị Hồng Nhung (Tổ trưởng)")
    capture(page, "cho-duyet")
    page.get_by_role("button", name="Trả lại").click()
    expect(page.get_by_role("alert")).to_have_text("Vui lòng ghi lý do trả lại hồ sơ.")
    page.get_by_label("Nhận xét").fill(RETURN_COMMENT)
    page.get_by_role("button", name="Trả lại").click()
    expect(page.locator("#queue-out")).to_contain_text("Đã trả lại hồ sơ kèm nhận xét.")
    page.goto(story["submission_url"])
    history = page.locator(".timeline")
    expect(history).to_contain_text("Trả lại — Huỳnh Minh Tuấn (thay mặt Võ Thị Hồng Nhung, Tổ trưởng)")
    expect(history).to_contain_text(RETURN_COMMENT)


def test_teacher_sees_why_and_resubmits(new_page, sign_in, capture, story):
    page = new_page()
    sign_in(page, TEACHER)
    page.goto("/viec-cua-toi?xem=returned")
    row = lesson_plan_rows(page).filter(has_text=story["period"]).first
    expect(row).to_contain_text(f"Lý do trả lại: {RETURN_COMMENT}")
    capture(page, "viec-cua-toi-bi-tra-lai")
    row.get_by_role("button", name="Nộp lại").click()
    row.locator("input[type=file]").set_input_files(files=[{"name": "Kế hoạch bài dạy (đã bổ sung).pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(4)}])
    row.locator("form").get_by_role("button", name="Nộp lại").click()
    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible()
    page.goto(story["submission_url"])
    expect(page.locator(".timeline")).to_contain_text("Nộp lại")


def test_to_pho_approves_it(new_page, sign_in, story):
    page = new_page()
    sign_in(page, TO_PHO)
    page.goto(f"/duyet?chon={story['submission_url'].rsplit('/', 1)[1]}")
    page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.locator("#queue-out")).to_contain_text("Đã duyệt hồ sơ.")
    page.goto(story["submission_url"])
    expect(page.locator(".page-head .badge")).to_have_text("Đã duyệt")


def test_principal_tightens_a_deadline_and_is_refused_a_looser_one(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, PRINCIPAL)
    page.goto("/truong/quy-che")
    page.locator("details[data-book-group=ke_hoach_day_hoc_gv] > summary").click()
    row = page.locator("li[data-book=ke_hoach_day_hoc_gv]").first
    expect(row.locator(".district-rule")).to_have_text("trước ngày 20/09 hằng năm (hạn: hết ngày hôm trước)")
    capture(page, "quy-che")
    row.locator("summary").click()
    row.get_by_label("Cách tính hạn").select_option("fixed_date")
    row.get_by_label("Ngày", exact=True).fill("15")
    row.get_by_label("Tháng").fill("9")
    row.get_by_role("button", name="Lưu hạn nộp").click()
    expect(page.locator("#rules-out")).to_contain_text("Đã lưu hạn nộp mới")
    row = page.locator("li[data-book=ke_hoach_day_hoc_gv]").first
    expect(row.locator(".school-rule")).to_have_text("trước ngày 15/09 hằng năm (hạn: hết ngày hôm trước)")
    row.locator("summary").click()
    row.get_by_label("Ngày", exact=True).fill("25")
    row.get_by_role("button", name="Lưu hạn nộp").click()
    refusal = row.get_by_role("alert")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(re.compile("Phòng|lỏng|muộn"))
    expect(row.locator(".school-rule")).to_have_text("trước ngày 15/09 hằng năm (hạn: hết ngày hôm trước)")


def test_admin_locks_a_period_and_the_teachers_upload_is_refused_with_the_reason(new_page, sign_in, capture):
    admin = new_page()
    sign_in(admin, ADMIN)
    admin.goto("/truong/khoa-so")
    admin.get_by_label("Loại hồ sơ").select_option(label="Kế hoạch bài dạy")
    admin.get_by_label("Lý do").fill(LOCK_REASON)
    admin.get_by_role("button", name="Khóa", exact=True).click()
    expect(admin.locator("section[aria-labelledby=lk-list]")).to_contain_text(LOCK_REASON)
    capture(admin, "khoa-so")

    teacher = new_page()
    sign_in(teacher, TEACHER)
    teacher.goto("/viec-cua-toi?xem=month")
    row = lesson_plan_rows(teacher).filter(has=teacher.get_by_role("button", name="Nộp hồ sơ")).first
    row.get_by_role("button", name="Nộp hồ sơ").click()
    row.locator("input[type=file]").set_input_files(files=[{"name": "Kế hoạch bài dạy.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    row.get_by_role("button", name="Tải lên và nộp").click()
    refusal = row.get_by_role("alert")
    expect(refusal).to_contain_text(LOCK_REASON)
    capture(teacher, "nop-bi-tu-choi-khi-khoa")


def staff_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN"])
    ws.append(["Họ và tên", "Ngày sinh", "Mã định danh", "Chức vụ", "Tổ", "Email", "Số điện thoại"])
    ws.append(["Trần Thị Bích Liên", "12/03/1990", "0481902345", "Giáo viên", "Tổ chuyên môn khối 1", "bichlien.tran@hoaphong.edu.vn", "0905123456"])
    ws.append(["Lê Văn Quý", "05/11/1985", "0481902346", "Tổ phó", "Tổ chuyên môn khối 1", "levanquy@hoaphong.edu.vn", "0905123457"])
    ws.append(["Hồ Thị Ngọc Hân", "31/02/1992", "0481902347", "Phi công", "Tổ chuyên môn khối 9", "khong-phai-email", "12"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_admin_imports_staff_from_excel_with_one_bad_row_reported(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, ADMIN)
    page.goto("/truong/nhan-su")
    drop_file(page, page.locator(".dropzone"), "Danh sách nhân sự CSDL ngành.xlsx", staff_workbook(),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page.get_by_role("button", name="Kiểm tra trước").click()
    report = page.locator(".import-report")
    expect(report).to_contain_text("Có 1 dòng chưa hợp lệ.")
    rows = report.locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert set(rows.locator("td.num").all_inner_texts()) == {"5"}
    capture(page, "nhan-su-nhap-excel")


def test_district_user_sees_the_schools_ranked_worst_first(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, DISTRICT)
    page.goto("/phong")
    table = page.locator("section[aria-labelledby=ds-table] table")
    for school in ("Trường Tiểu học Hòa Phong", "Trường Mầm non Hòa Châu", "Trường THCS Nguyễn Huệ"):
        expect(table).to_contain_text(school)
    shares = [int(v.rstrip("%")) for v in table.locator("tbody tr td:last-child").all_inner_texts()]
    assert len(shares) >= 3 and shares == sorted(shares, reverse=True)
    expect(page.locator("figure.chart svg.bar")).to_have_count(len(shares))
    capture(page, "phong-cac-truong")
    # Reading a school's books (down to a teacher's documents) needs an inspection campaign: open one,
    # and sign in again so the token carries it.
    page.goto("/phong/dot-kiem-tra")
    page.get_by_label("Tên đợt kiểm tra").fill("Kiểm tra hồ sơ chuyên môn Hòa Phong")
    page.get_by_label("Trường Tiểu học Hòa Phong").check()
    page.get_by_label("Kết thúc").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Mở đợt kiểm tra").click()
    expect(page.get_by_role("status").filter(has_text="Đã mở đợt kiểm tra")).to_be_visible()
    page = new_page()
    sign_in(page, DISTRICT)
    page.goto("/phong/truong/th-hoa-phong")
    crumbs = page.get_by_role("navigation", name="Vị trí")
    expect(crumbs).to_contain_text("Trường Tiểu học Hòa Phong")
    capture(page, "phong-mot-truong")
    page.locator("table").get_by_role("link", name="Tổ chuyên môn khối 4").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tổ chuyên môn khối 4")
    capture(page, "phong-mot-to")
    page.get_by_role("link", name="Nguyễn Thị Lệ Thủy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nguyễn Thị Lệ Thủy")
    expect(crumbs).to_contain_text("Tổ chuyên môn khối 4")
    expect(page.locator("main ul.list > li").first).to_be_visible()
    capture(page, "phong-mot-giao-vien")


def test_a_school_a_user_opening_a_school_b_page_gets_not_found(new_page, sign_in, capture, story):
    other = new_page()
    sign_in(other, OTHER_SCHOOL_TEACHER)
    other.goto("/viec-cua-toi?xem=month")
    link = other.locator("section[aria-labelledby=subs-title] a").first
    school_b_url = link.get_attribute("href")
    assert school_b_url and school_b_url.startswith("/bai-nop/")

    page = new_page()
    sign_in(page, TEACHER)
    page.goto(school_b_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    page.goto("/phong/truong/mn-hoa-chau")
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    capture(page, "khong-tim-thay-truong-khac")


def _select_all_and_sign(page: Page, owner_text: str, only_url: str | None = None) -> Locator:
    """Tick every document at my signing turn whose row says ``owner_text`` (or just ``only_url``) and sign them."""
    page.goto("/ky-so")
    form = page.locator("form[aria-labelledby=sign-list]")
    rows = form.locator("ul.list > li").filter(has_text=owner_text)
    if only_url:
        rows = rows.filter(has=page.locator(f'a[href="{only_url}"]'))
    expect(rows.first).to_be_visible()
    for row in rows.all():
        row.locator("input[type=checkbox]").check()
    form.get_by_role("button", name=re.compile(r"^Ký \d+ hồ sơ")).click()
    # nothing is signed before the person reads what and confirms
    summary = form.get_by_role("alertdialog")
    expect(summary).to_contain_text("Chữ ký số có giá trị pháp lý")
    expect(summary.locator("li")).to_have_count(rows.count())
    summary.get_by_role("button", name=re.compile(r"^Xác nhận ký \d+ hồ sơ")).click()
    result = page.locator("#sign-out")
    expect(result.get_by_role("status").filter(has_text="Đã ký xong")).to_be_visible(timeout=60_000)
    return result


def test_three_hoc_ba_are_batch_signed_sealed_and_issued_in_batch_and_a_visitor_verifies_one(new_page, sign_in, capture):
    """The demo's three học bạ of Lớp 4A (one per student, PHT-checked and approved) wait for signatures."""
    for who, shot in ((TEACHER, "ky-so-gvcn"), (PRINCIPAL, "ky-so-hieu-truong")):
        signer = new_page()
        sign_in(signer, who)
        signer.goto("/ky-so")
        hoc_ba = signer.locator("form[aria-labelledby=sign-list] ul.list > li").filter(has_text="Học bạ")
        expect(hoc_ba).to_have_count(3)
        # three different students of Lớp 4A, never three identical rows
        titles = [t.inner_text() for t in hoc_ba.locator("a.title").all()]
        assert len(set(titles)) == 3 and all(t.startswith("Học bạ — ") and t.endswith(" — Lớp 4A") for t in titles), titles
        result = _select_all_and_sign(signer, "Học bạ")
        expect(result).to_contain_text("Đã xong: 3/3 hồ sơ.")
        capture(signer, shot)

    clerk = new_page()
    sign_in(clerk, CLERK)
    clerk.goto("/van-thu")
    form = clerk.locator("form[aria-labelledby=issue-title]")
    rows = form.locator("ul.list > li").filter(has_text="Học bạ")
    expect(rows).to_have_count(3)
    capture(clerk, "van-thu-cho-phat-hanh")
    for row in rows.all():
        row.locator("input[type=checkbox]").check()
    form.get_by_role("button", name="Ký và phát hành 3 hồ sơ").click()
    form.get_by_role("alertdialog").get_by_role("button", name="Xác nhận phát hành 3 hồ sơ").click()
    out = clerk.locator("#clerk-out")
    expect(out).to_contain_text("Đã phát hành 3 hồ sơ.", timeout=90_000)
    capture(clerk, "van-thu-da-phat-hanh-ba-hoc-ba")
    codes = out.locator("ul.codes a")
    expect(codes).to_have_count(3)
    code = codes.first.inner_text().rsplit(" ", 1)[1]

    visitor = new_page()
    visitor.goto("/tra-cuu")
    visitor.get_by_role("textbox", name="Mã tra cứu").fill(code)
    visitor.get_by_role("button", name="Kiểm tra", exact=True).nth(1).click()
    verdict = visitor.locator("section[aria-labelledby=verify-result]")
    expect(verdict).to_contain_text("Mọi chữ ký số đều hợp lệ")
    expect(verdict.locator("ol.signatures > li")).to_have_count(3)
    expect(verdict).to_contain_text("Trường Tiểu học Hòa Phong")
    capture(visitor, "tra-cuu-ket-qua")


def _pdfsig(path) -> str:
    run = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return run.stdout + run.stderr


def test_the_van_thu_gvcn_and_principal_hold_the_signed_hoc_ba_and_pdfsig_validates_it(new_page, sign_in, capture, tmp_path):
    """"Đã phát hành" comes from the server (a fresh browser sees it); the file downloaded is the signed
    copy with the GVCN's, the principal's and the school's signatures, each valid for pdfsig."""
    clerk = new_page()
    sign_in(clerk, CLERK)
    clerk.goto("/van-thu?muc=da-phat-hanh")
    rows = clerk.locator("section[aria-labelledby=issued-title] ul.list > li").filter(has_text="Học bạ")
    expect(rows).to_have_count(3)
    capture(clerk, "van-thu-da-phat-hanh-tu-may-chu")
    with clerk.expect_download() as info:
        rows.first.get_by_role("button", name="Tải bản đã ký (PDF)").click()
    download = info.value
    assert download.suggested_filename.endswith("(đã ký).pdf")
    assert download.suggested_filename.startswith("Học bạ — Nguyễn Thị Lệ Thủy")
    path = tmp_path / "hoc-ba-da-ky.pdf"
    download.save_as(path)
    report = _pdfsig(path)
    assert report.count("Signature Validation: Signature is Valid.") == 3, report
    submission_url = rows.first.get_by_role("link").first.get_attribute("href")

    for who in (TEACHER, PRINCIPAL):
        page = new_page()
        sign_in(page, who)
        page.goto(submission_url)
        card = page.locator("section").filter(has=page.get_by_role("heading", name="Bản đã ký số"))
        expect(card).to_be_visible()
        expect(card.locator("ol.signatures > li")).to_have_count(3)
        expect(card).to_contain_text("Chữ ký số của nhà trường")
        expect(card.get_by_role("link")).to_have_attribute("href", re.compile(r"^/tra-cuu/"))
        with page.expect_download() as info:
            card.get_by_role("button", name="Tải bản đã ký (PDF)").click()
        mine = tmp_path / f"{who}.pdf"
        info.value.save_as(mine)
        assert mine.read_bytes() == path.read_bytes()
        if who == PRINCIPAL:
            capture(page, "bai-nop-ban-da-ky")


def test_hoc_ba_is_signed_in_turn_issued_by_the_van_thu_verified_and_recalled(new_page, sign_in, capture):
    admin = new_page()
    sign_in(admin, ADMIN)
    admin.goto("/truong/nhan-su")
    person = admin.locator(f'tr[data-person="{TEACHER}"]')
    person.locator("summary").click()
    person.get_by_label("Vai trò", exact=True).select_option("giao_vien")
    person.get_by_label("Tổ hoặc lớp").select_option(label="Lớp 1A")
    person.get_by_role("button", name="Giao vai trò").click()
    expect(admin.locator("#staff-out")).to_contain_text("Đã giao vai trò Giáo viên cho Nguyễn Thị Lệ Thủy.")
    capture(admin, "nhan-su-giao-vai-tro")

    teacher = new_page()
    sign_in(teacher, TEACHER)
    teacher.goto("/viec-cua-toi?xem=all")
    row = teacher.locator("section[aria-labelledby=owed-title] ul.list > li").filter(has_text="Học bạ").filter(
        has=teacher.get_by_role("button", name="Nộp hồ sơ")).first
    expect(row).to_be_visible(timeout=30_000)
    row.get_by_role("button", name="Nộp hồ sơ").click()
    row.get_by_label("Họ và tên học sinh").fill("Trần Minh Khang")
    row.locator("input[type=file]").set_input_files(files=[{"name": "Học bạ — Lớp 1A.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(2)}])
    row.get_by_role("button", name="Tải lên và nộp").click()
    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible()
    teacher.goto("/viec-cua-toi?xem=all")
    submission_url = teacher.locator("section[aria-labelledby=subs-title] li").filter(has_text="Học bạ").filter(has_text="Đã nộp").first.get_by_role("link").get_attribute("href")

    principal = new_page()
    sign_in(principal, PRINCIPAL)
    principal.goto(f"/duyet?chon={submission_url.rsplit('/', 1)[1]}")
    principal.get_by_role("button", name="Duyệt", exact=True).click()
    expect(principal.locator("#queue-out")).to_contain_text("Đã duyệt hồ sơ.")

    _select_all_and_sign(teacher, "Học bạ", submission_url)
    capture(teacher, "ky-so-hoc-ba-gvcn")
    _select_all_and_sign(principal, "Học bạ", submission_url)

    clerk = new_page()
    sign_in(clerk, CLERK)
    clerk.goto("/van-thu")
    form = clerk.locator("form[aria-labelledby=issue-title]")
    item = form.locator("ul.list > li").filter(has=clerk.locator(f'a[href="{submission_url}"]'))
    expect(item).to_be_visible()
    item.locator("input[type=checkbox]").check()
    form.get_by_role("button", name="Ký và phát hành 1 hồ sơ").click()
    form.get_by_role("alertdialog").get_by_role("button", name="Xác nhận phát hành 1 hồ sơ").click()
    out = clerk.locator("#clerk-out")
    expect(out).to_contain_text("Đã phát hành 1 hồ sơ.", timeout=60_000)
    capture(clerk, "van-thu-da-phat-hanh")
    code = out.locator("ul.codes a").first.inner_text().rsplit(" ", 1)[1]

    visitor = new_page()
    visitor.goto(f"/tra-cuu/{code}")
    verdict = visitor.locator("section[aria-labelledby=verify-result]")
    expect(verdict).to_contain_text("Mọi chữ ký số đều hợp lệ")
    expect(verdict.locator("ol.signatures > li")).to_have_count(3)
    capture(visitor, "tra-cuu-hoc-ba")

    clerk.goto("/van-thu?muc=da-phat-hanh")
    issued = clerk.locator("section[aria-labelledby=issued-title] ul.list > li").filter(has=clerk.locator(f'a[href="{submission_url}"]'))
    issued.locator("summary").click()
    issued.get_by_label("Lý do thu hồi").fill("Ghi sai ngày sinh của học sinh")
    issued.get_by_role("button", name="Thu hồi").click()
    expect(clerk.locator("section[aria-labelledby=issued-title]")).to_contain_text("Lý do thu hồi: Ghi sai ngày sinh của học sinh")
    recalled = visitor.get_by_role("alert").filter(has_text="Văn bản này đã bị thu hồi.")
    for _ in range(15):  # the recall reaches the public register through an event, moments later
        visitor.reload()
        visitor.locator("section[aria-labelledby=verify-result]").wait_for()
        if recalled.count():
            break
        visitor.wait_for_timeout(1000)
    expect(recalled).to_be_visible()
    expect(visitor.locator("section[aria-labelledby=verify-result]")).to_contain_text("Ghi sai ngày sinh của học sinh")
