"""Findings round trip in the browser: an inspector of a campaign leaves a finding on a teacher's lesson
plan, the principal answers it with the fixed version attached, the inspector closes it; each screen
shows what the finding is about by name, its severity and its state."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

CAMPAIGN = "Kiểm tra kết luận hồ sơ Hòa Phong"
FINDING = "Kế hoạch bài dạy tuần 20 chưa nêu rõ yêu cầu cần đạt."
ANSWER = "Giáo viên đã bổ sung yêu cầu cần đạt theo chương trình."


def _open_campaign(page) -> None:
    page.goto("/phong/dot-kiem-tra")
    page.get_by_label("Tên đợt kiểm tra").fill(CAMPAIGN)
    page.get_by_label("Trường Tiểu học Hòa Phong").check()
    page.get_by_label("Kết thúc").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Mở đợt kiểm tra").click()
    expect(page.get_by_role("status").filter(has_text="Đã mở đợt kiểm tra")).to_be_visible()


def test_inspector_opens_a_finding_principal_answers_inspector_closes(new_page, sign_in, capture) -> None:
    opener = new_page()
    sign_in(opener, "pgd.chuyenvien")
    _open_campaign(opener)

    # A fresh sign-in carries the campaign in the token: the inspector reaches its findings panel.
    inspector = new_page()
    sign_in(inspector, "pgd.chuyenvien")
    inspector.goto("/phong/dot-kiem-tra")
    inspector.locator("section[aria-labelledby=cp-list] li").filter(has_text=CAMPAIGN).get_by_role(
        "link", name="Kết luận kiểm tra").click()
    expect(inspector.get_by_role("heading", name=f"Kết luận kiểm tra — {CAMPAIGN}")).to_be_visible()
    panel_url = inspector.url
    inspector.locator("section[aria-labelledby=fd-docs] li").filter(has_text="Kế hoạch bài dạy tuần 20").get_by_role(
        "button", name="Ghi kết luận về hồ sơ này").click()
    expect(inspector.get_by_label("Kết luận về")).to_have_value("document")
    inspector.get_by_label("Mức độ").select_option(label="Cần khắc phục")
    inspector.get_by_label("Nội dung kết luận").fill(FINDING)
    inspector.get_by_label("Yêu cầu khắc phục").fill("Bổ sung yêu cầu cần đạt cho từng hoạt động.")
    inspector.get_by_label("Hạn khắc phục").fill((date.today() + timedelta(days=7)).isoformat())
    inspector.get_by_role("button", name="Ghi kết luận", exact=True).click()
    expect(inspector.get_by_role("status").filter(has_text="Đã ghi kết luận và gửi tới nhà trường.")).to_be_visible()
    card = inspector.locator("article.finding").filter(has_text=FINDING)
    # What the finding is about, by name: the book, the week and the teacher (never an id).
    expect(card.get_by_role("heading")).to_contain_text("Hồ sơ: Kế hoạch bài dạy — Tuần 20")
    expect(card.get_by_role("heading")).to_contain_text("Nguyễn Thị Lệ Thủy")
    expect(card).to_contain_text("Cần khắc phục")
    expect(card).to_contain_text("Chưa trả lời")
    capture(inspector, "phong-ket-luan-kiem-tra")

    principal = new_page()
    sign_in(principal, "thhp.hieutruong")
    principal.goto("/truong/ket-luan-kiem-tra")
    mine = principal.locator("article.finding").filter(has_text=FINDING)
    expect(mine).to_contain_text("Nguyễn Thị Lệ Thủy")
    expect(mine).to_contain_text("Trần Văn Đức")
    attach = mine.get_by_label("Đính kèm bản đã sửa")
    expect(attach).not_to_have_value("")  # the lesson plan the finding is about is proposed
    mine.get_by_label("Nội dung trả lời").fill(ANSWER)
    mine.get_by_role("button", name="Gửi trả lời").click()
    expect(principal.get_by_role("status").filter(has_text="Đã gửi trả lời tới đoàn kiểm tra.")).to_be_visible()
    mine = principal.locator("article.finding").filter(has_text=FINDING)
    expect(mine).to_contain_text("Trường đã trả lời")
    expect(mine).to_contain_text("Đính kèm: Kế hoạch bài dạy tuần 20")
    capture(principal, "truong-ket-luan-kiem-tra")

    inspector.goto(panel_url)
    card = inspector.locator("article.finding").filter(has_text=FINDING)
    expect(card).to_contain_text(ANSWER)
    expect(card.get_by_role("button", name="Xem bản đã sửa")).to_be_visible()
    card.get_by_role("button", name="Đóng kết luận").click()
    expect(inspector.get_by_role("status").filter(has_text="Đã đóng kết luận.")).to_be_visible()
    card = inspector.locator("article.finding").filter(has_text=FINDING)
    expect(card).to_contain_text("Đã đóng bởi Trần Văn Đức")
    expect(card.get_by_role("button", name="Đóng kết luận")).to_have_count(0)

    principal.goto("/truong/ket-luan-kiem-tra")
    closed = principal.locator("article.finding").filter(has_text=FINDING)
    expect(closed).to_contain_text("Đã đóng")
    expect(closed.get_by_role("button", name="Gửi trả lời")).to_have_count(0)
