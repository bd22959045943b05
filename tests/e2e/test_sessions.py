"""Sessions that end gracefully (issue 14, point 5), in a browser against the demo district.

(a) The identity session ends while the GVCN has typed a student's name and chosen a file on
"Việc của tôi": she is told "Phiên đăng nhập đã hết hạn", signs in again with "Đăng nhập lại"
and is back on the same page with the name and the file kept, and submits.
(b) The access token's lifetime passes while the teacher works: it is refreshed without her
noticing, and requests made at the same moment share one refresh (identity ends the whole
session when a refresh token is used twice, so a second rotation would show).
(c) Pressing back after signing in never shows "Đăng nhập không thành công".

Time is moved with Playwright's clock (the page's Date and timers), so nothing waits ten minutes.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, Request, expect

from infra.demo.district import DEMO_PASSWORD
from infra.demo.documents import sample_pdf

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
GVCN = "thhp.giaovien"
EXPIRED = "Phiên đăng nhập đã hết hạn"
FAILED = "Đăng nhập không thành công"
SIZES = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="360")]


def per_student_row(page: Page) -> Locator:
    """The học bạ obligation of the GVCN's class, which always offers "Nộp thêm học bạ"."""
    owed = page.locator("section[aria-labelledby=owed-title]")
    return owed.locator("ul.list > li").filter(has=page.get_by_role("button", name="Nộp thêm học bạ")).first


def stored_tokens(page: Page) -> dict:
    return page.evaluate("JSON.parse(sessionStorage.getItem('hoso.tokens') || 'null')")


def count_refreshes(page: Page) -> list[Request]:
    """Every refresh-token exchange the page makes from now on."""
    seen: list[Request] = []

    def note(req: Request) -> None:
        if req.method == "POST" and req.url.endswith("/oauth/token") and "grant_type=refresh_token" in (req.post_data or ""):
            seen.append(req)

    page.on("request", note)
    return seen


def wait_until(page: Page, check, *, what: str, tries: int = 100) -> None:
    for _ in range(tries):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("size", SIZES)
def test_an_ended_session_brings_the_teacher_back_to_her_form_with_the_file_kept(new_page, sign_in, capture, size):
    student = f"Trần Minh Khôi ({size['width']})"
    file_name = f"Học bạ — {student}.pdf"
    page = new_page()
    page.set_viewport_size(size)
    page.clock.install()
    sign_in(page, GVCN)
    page.goto("/viec-cua-toi?xem=all")
    row = per_student_row(page)
    expect(row).to_be_visible(timeout=30_000)
    row.get_by_role("button", name="Nộp thêm học bạ").click()
    row.get_by_label("Họ và tên học sinh").fill(student)
    row.locator("input[type=file]").set_input_files(
        files=[{"name": file_name, "mimeType": "application/pdf", "buffer": sample_pdf(["Học bạ", student])}])
    expect(row.locator(".file-name")).to_contain_text(file_name)

    # Her identity session ends (signed out elsewhere), then the access token's ten minutes pass:
    # the refresh is refused and the page says so in Vietnamese.
    # (a bare GET of the logout endpoint only asks "Đăng xuất khỏi HoSo?"; its form's POST ends the session)
    confirm = page.request.get("/api/identity/oauth/logout")
    assert confirm.ok and "Đăng xuất khỏi HoSo?" in confirm.text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', confirm.text()).group(1)
    assert page.request.post("/api/identity/oauth/logout", form={"csrf": csrf}).ok
    page.clock.fast_forward("10:00")
    notice = page.get_by_role("alert").filter(has_text=EXPIRED)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Nội dung bạn đã nhập và tệp đã chọn được giữ lại.")
    expect(page.get_by_text("Authorization")).to_have_count(0)
    expect(row.get_by_label("Họ và tên học sinh")).to_have_value(student)  # nothing on screen is lost meanwhile
    capture(page, "phien-dang-nhap-het-han")
    page.set_viewport_size(size)

    notice.get_by_role("button", name="Đăng nhập lại").click()
    page.wait_for_url(re.compile(r".*/api/identity/.*"))
    page.locator("input[name=login]").fill(GVCN)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/viec-cua-toi\?xem=all$"))

    row = per_student_row(page)
    expect(row.get_by_label("Họ và tên học sinh")).to_have_value(student)
    expect(row.locator(".file-name")).to_contain_text(file_name)
    expect(row.get_by_role("status").filter(has_text="Đã khôi phục")).to_contain_text(file_name)
    expect(page.get_by_text(EXPIRED)).to_have_count(0)
    capture(page, "phien-dang-nhap-khoi-phuc-bieu-mau")
    page.set_viewport_size(size)
    row.get_by_role("button", name="Tải lên và nộp").click()
    expect(row.get_by_role("status").filter(has_text="Đã nộp hồ sơ")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('hoso.kept-forms')") is None  # the kept copy is gone once submitted

    page.goto("/viec-cua-toi?xem=all")
    expect(per_student_row(page).get_by_role("link", name=student)).to_be_visible()


def test_an_expiring_token_is_refreshed_silently_and_requests_at_once_share_one_refresh(new_page, sign_in):
    page = new_page()
    page.clock.install()
    sign_in(page, GVCN)
    refreshes = count_refreshes(page)
    page.goto("/viec-cua-toi?xem=month")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Việc của tôi")
    first = stored_tokens(page)

    # A little before the token expires it is replaced in the background.
    page.clock.fast_forward("09:30")
    wait_until(page, lambda: stored_tokens(page)["access_token"] != first["access_token"], what="the background refresh")
    assert len(refreshes) == 1
    assert stored_tokens(page)["refresh_token"] != first["refresh_token"]  # rotated
    page.locator("nav.tabs a[href$='xem=all']").click()
    expect(per_student_row(page)).to_be_visible()

    # The laptop slept past the expiry: the page's requests (obligations, addresses, submissions,
    # the bell) all find the token expired at once, and one refresh serves them all.
    page.clock.set_system_time(page.evaluate("Date.now()") / 1000 + 11 * 60)
    page.locator("nav.tabs a[href$='xem=week']").click()
    expect(page.locator("nav.tabs a[href$='xem=week']")).to_have_attribute("aria-current", "page")
    expect(page.locator("section[aria-labelledby=owed-title]")).to_be_visible()
    wait_until(page, lambda: len(refreshes) >= 2, what="the refresh after sleep")
    page.wait_for_timeout(500)
    assert len(refreshes) == 2

    # A token the gateway refuses (401) on every request of a page: one refresh, each request
    # retried. The submissions request is held back until that refresh is over, so its 401
    # arrives after it (interleaved): it is retried with the new token, not refreshed again.
    tokens = stored_tokens(page)
    header, claims, signature = tokens["access_token"].split(".")
    forged = f"{header}.{claims}." + ("B" if signature[0] == "A" else "A") * 8 + signature[8:]

    def late(route) -> None:
        if route.request.headers.get("authorization") == f"Bearer {forged}":
            wait_until(page, lambda: len(refreshes) == 3 and refreshes[-1].response() is not None, what="the first refresh")
            page.wait_for_timeout(300)
        route.continue_()

    page.route(re.compile(r".*/api/approvals/v1/submissions(\?.*)?$"), late)
    page.evaluate("""(t) => sessionStorage.setItem('hoso.tokens', JSON.stringify(t))""", {**tokens, "access_token": forged})
    page.reload()
    expect(heading).to_have_text("Việc của tôi")
    expect(page.locator("section[aria-labelledby=owed-title]")).to_be_visible()
    wait_until(page, lambda: len(refreshes) >= 3, what="the refresh after a 401")
    page.wait_for_timeout(500)
    assert len(refreshes) == 3

    # Identity saw no refresh token used twice: the session goes on refreshing.
    before = stored_tokens(page)["access_token"]
    page.clock.fast_forward("09:30")
    wait_until(page, lambda: stored_tokens(page)["access_token"] != before, what="the next background refresh")
    assert len(refreshes) == 4
    page.locator("nav.tabs a[href$='xem=all']").click()
    expect(per_student_row(page)).to_be_visible()
    expect(page.get_by_text(EXPIRED)).to_have_count(0)
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_back_after_sign_in_never_shows_a_false_failure(new_page, sign_in, size):
    page = new_page()
    page.set_viewport_size(size)
    sign_in(page, GVCN, path="/viec-cua-toi")
    expect(page).to_have_url(re.compile(r".*/viec-cua-toi$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")

    page.go_back()  # through identity's sign-in page, which sends a signed-in person on to a new callback
    page.wait_for_url(lambda url: "/api/identity/" not in url and "/auth/callback" not in url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")
    expect(page.get_by_text(FAILED)).to_have_count(0)
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    page.go_back()  # the page she started from, now signed in
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")
    expect(page.get_by_text(FAILED)).to_have_count(0)
    assert "/auth/callback" not in page.url
