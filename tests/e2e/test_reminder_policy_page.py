"""The quy chế page shows the school's reminder policy; the principal changes it, a bad time is refused."""
from __future__ import annotations

from playwright.sync_api import expect


def test_the_principal_changes_the_reminder_policy(new_page, sign_in):
    page = new_page()
    sign_in(page, "thhp.hieutruong")
    page.goto("/truong/quy-che")
    section = page.locator("section[aria-labelledby=rm-title]")
    expect(section.locator(".reminder-policy")).to_have_text(
        "Nhắc lúc 07:00, 2 ngày trước hạn, lúc 07:00 ngày hạn chót. Quá hạn 1 ngày: báo người duyệt; "
        "quá hạn 2 ngày: báo hiệu trưởng.")
    section.locator("summary").click()
    section.get_by_label("Lần nhắc 1: số ngày trước hạn").fill("3")
    section.get_by_label("Quá hạn bao nhiêu ngày thì báo hiệu trưởng").fill("4")
    section.get_by_role("button", name="Lưu quy định nhắc việc").click()
    expect(page.locator("#rules-out")).to_contain_text("Đã lưu quy định nhắc việc")
    expect(page.locator("section[aria-labelledby=rm-title] .reminder-policy")).to_contain_text(
        "Nhắc lúc 07:00, 3 ngày trước hạn")
    expect(page.locator("section[aria-labelledby=rm-title] .reminder-policy")).to_contain_text(
        "quá hạn 4 ngày: báo hiệu trưởng")
    section = page.locator("section[aria-labelledby=rm-title]")
    section.locator("summary").click()
    section.get_by_label("Giờ nhắc").first.fill("22:00")
    section.get_by_role("button", name="Lưu quy định nhắc việc").click()
    expect(section).to_contain_text("Giờ nhắc phải trong khoảng 06:30–21:00 (ngoài giờ yên lặng).")


def test_the_school_admin_reads_the_policy_without_the_form(new_page, sign_in):
    page = new_page()
    sign_in(page, "thhp.quantri")
    page.goto("/truong/quy-che")
    section = page.locator("section[aria-labelledby=rm-title]")
    expect(section.locator(".reminder-policy")).to_contain_text("báo người duyệt")
    expect(section.locator("summary")).to_have_count(0)
