"""One person, several schools (issue 16, point 4), in a browser against the demo district.

Lê Thị Thu Hà (``gvbm.thuha``) teaches Tin học in Trường Tiểu học Hòa Phong and in Trường THCS
Nguyễn Huệ. She signs in once, submits a lesson plan in Hòa Phong, which its tổ trưởng returns
(a notification in Hòa Phong), then picks Nguyễn Huệ in the header: no password, the header names
the school, "Việc của tôi" and "Thông báo" show Nguyễn Huệ's work only (nothing any answer of the
platform sends the page names Hòa Phong), the choice survives a reload, and she switches back to
find her Hòa Phong submission and its notification again.
"""
from __future__ import annotations

import io
import json
import re

from playwright.sync_api import Locator, Page, Response, expect
from pypdf import PdfWriter

from infra.demo.district import SPECIALIST

SCHOOL_A, SCHOOL_B = "th-hoa-phong", "thcs-nguyen-hue"
NAME_A, NAME_B = "Trường Tiểu học Hòa Phong", "Trường THCS Nguyễn Huệ"
TO_TRUONG_A = "thhp.totruong"
BOOK = "Sổ ghi chép sinh hoạt chuyên môn"
COMMENT = "Bổ sung biên bản dự giờ tiết Tin học lớp 4."

DECIDE = """async ([id, comment]) => {
  const tokens = JSON.parse(sessionStorage.getItem('hoso.tokens'));
  const r = await fetch(`/api/approvals/v1/submissions/${id}/decision`, {
    method: 'POST', body: JSON.stringify({ decision: 'return', comment }),
    headers: { Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'application/json' } });
  return r.status;
}"""


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def picker(page: Page) -> Locator:
    return page.locator("header .school-pick")


def tenant_of(page: Page) -> str:
    """The school the tab's access token speaks for (what every service reads)."""
    return page.evaluate("""() => {
      const t = JSON.parse(sessionStorage.getItem('hoso.tokens'));
      const part = t.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)))).tenant;
    }""")


def watch_answers(page: Page) -> list[tuple[str, str]]:
    """Every JSON answer of a service (documents, approvals, notifications, signing) the page receives from now on."""
    seen: list[tuple[str, str]] = []

    def note(resp: Response) -> None:
        if re.search(r"/api/(documents|approvals|notifications|signing)/", resp.url) and "json" in resp.headers.get("content-type", ""):
            try:
                seen.append((resp.url, json.dumps(resp.json(), ensure_ascii=False)))
            except Exception as exc:  # a body the page abandoned (navigation): say which
                seen.append((resp.url, f"<unread: {exc}>"))

    page.on("response", note)
    return seen


def switch(page: Page, name: str) -> None:
    picker(page).locator("summary").click()
    with page.expect_response(lambda r: r.url.endswith("/oauth/token")):
        picker(page).get_by_role("button", name=f"Chuyển sang {name}").click()
    expect(picker(page).locator("summary")).to_contain_text(name)


def my_submission_links(page: Page) -> Locator:
    return page.locator("section[aria-labelledby=subs-title] a[href^='/bai-nop/']")


def test_the_two_school_teacher_switches_school_in_the_header_and_sees_only_that_school(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, SPECIALIST, path="/viec-cua-toi?xem=month")
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")
    expect(page.locator("header .who")).to_contain_text("Lê Thị Thu Hà")
    expect(picker(page).locator("summary")).to_contain_text(NAME_A)
    assert tenant_of(page) == SCHOOL_A

    # In Hòa Phong she submits her professional-activities book (lesson plans there are locked by the
    # school-year scenario's principal, which runs earlier on the same platform); the tổ trưởng returns it.
    row = page.locator("section[aria-labelledby=owed-title] ul.list > li").filter(has_text=BOOK).filter(
        has=page.get_by_role("button", name="Nộp hồ sơ")).first
    row.get_by_role("button", name="Nộp hồ sơ").click()
    row.locator("input[type=file]").set_input_files(files=[{"name": "Sổ SHCM tháng 12 — Hòa Phong.pdf", "mimeType": "application/pdf",
                                                           "buffer": pdf_bytes()}])
    row.get_by_role("button", name="Tải lên và nộp").click()
    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible()
    page.goto("/viec-cua-toi?xem=all")
    expect(my_submission_links(page).first).to_be_visible()
    submission_a = my_submission_links(page).first.get_attribute("href")
    submission_id = submission_a.rsplit("/", 1)[1]

    approver = new_page()
    sign_in(approver, TO_TRUONG_A)
    assert approver.evaluate(DECIDE, [submission_id, COMMENT]) == 200
    page.goto("/thong-bao")
    returned = page.get_by_test_id("inbox-item").filter(has=page.locator(f'a[href="{submission_a}"]'))
    expect(returned.first).to_contain_text(f"Hồ sơ bị trả lại: {BOOK}")

    # She picks Nguyễn Huệ in the header: no password asked, the header names the school.
    page.goto("/viec-cua-toi?xem=all")
    owed = page.locator("section[aria-labelledby=owed-title] ul.list > li")
    expect(owed.first).to_be_visible(timeout=30_000)
    switch(page, NAME_B)
    page.wait_for_url(re.compile(r".*/viec-cua-toi\?xem=all$"))
    assert "/auth/sign-in" not in page.url and tenant_of(page) == SCHOOL_B
    expect(owed.first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(500)  # the callback page's first requests, made before the new token was stored, settle
    answers = watch_answers(page)  # from here on every page is loaded with the token of Nguyễn Huệ
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")
    expect(page.locator("header .who")).to_contain_text(NAME_B)
    expect(owed.first).to_be_visible(timeout=30_000)
    expect(page.locator(f'a[href="{submission_a}"]')).to_have_count(0)
    capture(page, "hai-truong-viec-cua-toi-truong-b")

    page.goto("/thong-bao")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo")
    expect(page.locator(f'a[href="{submission_a}"]')).to_have_count(0)
    expect(page.get_by_text(f"Hồ sơ bị trả lại: {BOOK}")).to_have_count(0)

    # the choice survives a reload of the tab
    page.reload()
    expect(picker(page).locator("summary")).to_contain_text(NAME_B)
    assert tenant_of(page) == SCHOOL_B
    page.goto("/viec-cua-toi?xem=all")
    expect(owed.first).to_be_visible(timeout=30_000)

    # nothing the services answered while she worked in Nguyễn Huệ is Hòa Phong's
    assert answers, "the pages of school B asked the services nothing"
    leaked = [url for url, body in answers if SCHOOL_A in body or NAME_A in body or submission_id in body]
    assert leaked == []

    # and back to Hòa Phong: her submission and its notification are there again
    switch(page, NAME_A)
    page.wait_for_url(re.compile(r".*/viec-cua-toi\?xem=all$"))
    assert tenant_of(page) == SCHOOL_A
    expect(page.locator(f'a[href="{submission_a}"]').first).to_be_visible()
    page.goto("/thong-bao")
    expect(page.get_by_test_id("inbox-item").filter(has=page.locator(f'a[href="{submission_a}"]')).first).to_be_visible()
    capture(page, "hai-truong-thong-bao-truong-a")
