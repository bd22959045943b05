"""Học bạ per student and the PHT's kiểm tra, in a browser against the demo district.

The GVCN of Lớp 4A, whose class already has học bạ submitted, submits one more student's học bạ
from "Việc của tôi"; the PHT finds it under "Cần kiểm tra" in the approver queue, leaves a
comment that does not block the approval, and the comment shows in the submission's history.
"""
from __future__ import annotations

from playwright.sync_api import expect

from infra.demo.documents import sample_pdf

GVCN = "thhp.giaovien"
PHT = "thhp.phohieutruong"
STUDENT = "Nguyễn Hoàng Bảo Ngọc"
CHECK_COMMENT = "Đã kiểm tra: nhận xét môn Toán cần ghi rõ mức độ hoàn thành."


def test_the_gvcn_submits_another_students_hoc_ba_and_the_pht_checks_it_with_a_comment(new_page, sign_in, capture):
    teacher = new_page()
    sign_in(teacher, GVCN)
    teacher.goto("/viec-cua-toi?xem=all")
    owed = teacher.locator("section[aria-labelledby=owed-title]")
    row = owed.locator("ul.list > li").filter(has=teacher.get_by_role("button", name="Nộp thêm học bạ")).first
    expect(row).to_be_visible(timeout=30_000)
    expect(row).to_contain_text("Đã nộp")
    already = row.locator("ul.list > li").count()
    assert already >= 1  # the students whose học bạ is already in, listed under their obligation

    row.get_by_role("button", name="Nộp thêm học bạ").click()
    row.get_by_label("Họ và tên học sinh").fill(STUDENT)
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "Học bạ — Lớp 4A.pdf", "mimeType": "application/pdf", "buffer": sample_pdf(["Học bạ", STUDENT, "Lớp 4A — năm học 2026–2027"])}])
    capture(teacher, "viec-cua-toi-nop-them-hoc-ba")
    row.get_by_role("button", name="Tải lên và nộp").click()
    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible()

    teacher.goto("/viec-cua-toi?xem=all")
    link = owed.get_by_role("link", name=STUDENT)
    expect(link).to_be_visible()
    submission_url = link.get_attribute("href")
    submission_id = submission_url.rsplit("/", 1)[1]
    expect(owed.locator("ul.list > li").filter(has=teacher.get_by_role("button", name="Nộp thêm học bạ")).filter(
        has=teacher.get_by_role("link", name=STUDENT)).locator("ul.list > li")).to_have_count(already + 1)

    pht = new_page()
    sign_in(pht, PHT)
    pht.goto("/duyet")
    checks = pht.locator("section[aria-labelledby=q-checks]")
    item = checks.locator(f'li[data-submission="{submission_id}"]')
    expect(item).to_be_visible()
    expect(item).to_contain_text("Học bạ")
    item.locator("summary").click()
    capture(pht, "duyet-can-kiem-tra")
    item.get_by_role("button", name="Gửi góp ý").click()
    expect(item.get_by_role("alert")).to_contain_text("Vui lòng nhập nội dung góp ý.")
    item.get_by_label("Góp ý kiểm tra").fill(CHECK_COMMENT)
    item.get_by_role("button", name="Gửi góp ý").click()
    expect(pht.locator("#queue-out")).to_contain_text("Đã gửi góp ý")
    expect(checks.locator(f'li[data-submission="{submission_id}"]')).to_have_count(0)

    pht.goto(submission_url)
    expect(pht.locator("ol.timeline:not(.signing-steps)")).to_contain_text(CHECK_COMMENT)
    capture(pht, "bai-nop-gop-y-kiem-tra")
    teacher.goto(submission_url)
    expect(teacher.locator("ol.timeline:not(.signing-steps)")).to_contain_text(CHECK_COMMENT)
