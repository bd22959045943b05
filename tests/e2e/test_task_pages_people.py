"""Identity tasks that had an API and no page (issue 14, point 6, people): "Phiên đăng nhập của tôi",
a person's account page for the school admin, and choosing the school when a person works in two.

Each test creates its own people through identity's API with the admin's token (so the demo's people
are never changed), uses each page once as the person it is for, and checks one refusal per page: a
session of someone else, a teacher opening a colleague's account, another school's person in the URL
or the body. The temporary password a reset gives is shown on the page and never in the console.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pyotp
import pytest
from playwright.sync_api import Error as PlaywrightError, Page, expect

from infra.demo.district import DEMO_PASSWORD

NEW_PASSWORD = "Truong hoc 2026"
EXPIRED = "Phiên đăng nhập đã hết hạn"
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."

API = """async ([method, service, path, body]) => {
  const tokens = JSON.parse(sessionStorage.getItem('hoso.tokens'));
  const r = await fetch(`/api/${service}/v1${path}`, { method, headers: {
    Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'application/json' },
    body: body === null ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}"""


def call(page: Page, method: str, path: str, body: dict | None = None, service: str = "identity") -> dict:
    """An API call made by the person signed in on ``page``, with their own token."""
    return page.evaluate(API, [method, service, path, body])


def stored_tokens_once_settled(page: Page) -> str | None:
    """The tab's stored tokens, read once the sign-out's redirects (identity's logout, then the web app)
    have landed: a read during one of them finds its page gone, so it waits for the next page."""
    for _ in range(20):
        try:
            return page.evaluate("sessionStorage.getItem('hoso.tokens')")
        except PlaywrightError as exc:
            if "Execution context was destroyed" not in exc.message:
                raise
            page.wait_for_load_state()
    raise AssertionError("the tab kept navigating after signing out")


def refresh_status(page: Page) -> int:
    """The status identity answers the page's refresh token with (400 once its session has ended)."""
    return page.evaluate("""async () => {
      const tokens = JSON.parse(sessionStorage.getItem('hoso.tokens'));
      const r = await fetch('/api/identity/oauth/token', { method: 'POST', body: new URLSearchParams({
        grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'hoso-web' }) });
      return r.status;
    }""")


def add_person(admin: Page, school: str, full_name: str, roles: list[dict], email: str | None = None) -> dict:
    """A new account of ``school`` made by its admin → {username, password (temporary), email}."""
    username = f"pp{secrets.token_hex(3)}"
    email = email or f"{username}@pp.edu.vn"
    made = call(admin, "POST", f"/schools/{school}/people",
                {"username": username, "full_name": full_name, "email": email, "roles": roles})
    assert made["status"] == 201, made
    return {"username": username, "password": made["body"]["temporary_password"], "email": email,
            "outcome": made["body"]["outcome"], "invitation": made["body"].get("invitation_id")}


@pytest.fixture
def first_sign_in(type_login) -> Callable[[Page, str, str], None]:
    """A new account's first sign-in: the temporary password, the forced change to NEW_PASSWORD, and
    the authenticator app for roles that need one."""

    def run(page: Page, username: str, temporary: str) -> None:
        type_login(page, username, temporary)
        page.wait_for_url(re.compile(r".*/auth/change-password.*"))
        page.locator("input[name=new_password]").fill(NEW_PASSWORD)
        page.locator("input[name=confirm_password]").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Lưu mật khẩu").click()
        page.wait_for_load_state()
        if "/auth/passkey" in page.url:  # leaders are offered a passkey first: they choose the phone app
            page.get_by_role("button", name="Dùng ứng dụng mã xác thực").click()
            page.wait_for_url(lambda url: "/auth/passkey" not in url)
            page.wait_for_load_state()
        if "/auth/enrol" in page.url:  # a role that needs a second factor: the phone app is set up now
            page.locator("input[name=code]").fill(pyotp.TOTP(page.locator("code.secret").inner_text().strip()).now())
            page.locator("button[value=confirm]").click()
        page.wait_for_url(lambda url: "/api/identity/" not in url and "/auth/callback" not in url)
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    return run


def test_ending_another_browser_signs_it_out_and_ending_all_others_keeps_this_one(new_page, sign_in, first_sign_in, capture):
    admin = new_page()
    sign_in(admin, "thcsnh.quantri")
    person = add_person(admin, "thcs-nguyen-hue", "Đoàn Thị Phiên", [{"role": "giao_vien", "unit": "to-khtn"}])

    phone = new_page()  # the other browser, whose session is ended from the laptop
    phone.clock.install()
    first_sign_in(phone, person["username"], person["password"])
    laptop = new_page()
    sign_in(laptop, person["username"], NEW_PASSWORD)
    laptop.goto("/")
    laptop.get_by_role("navigation").get_by_role("link", name="Phiên đăng nhập của tôi").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Phiên đăng nhập của tôi")
    sessions = laptop.locator("ul.sessions > li")
    expect(sessions).to_have_count(2)
    here = sessions.filter(has_text="Phiên này")
    expect(here).to_have_count(1)
    expect(here).to_contain_text("Chrome trên Linux")
    expect(here).to_contain_text("Nơi đăng nhập (địa chỉ IP): 127.0.0.1")
    expect(here).to_contain_text(re.compile(r"Dùng lần cuối: \d\d/\d\d/\d{4} \d\d:\d\d"))
    capture(laptop, "phien-dang-nhap-cua-toi")

    # One refusal: someone else's session is not mine to end (404), and it goes on.
    admin_session = call(admin, "GET", "/me/sessions")["body"]["items"][0]["id"]
    assert call(laptop, "DELETE", f"/me/sessions/{admin_session}")["status"] == 404
    assert admin_session in {s["id"] for s in call(admin, "GET", "/me/sessions")["body"]["items"]}

    sessions.filter(has_not_text="Phiên này").get_by_role("button", name="Kết thúc phiên").click()
    expect(laptop.get_by_role("status").filter(has_text="Đã kết thúc phiên Chrome trên Linux")).to_be_visible()
    expect(sessions).to_have_count(1)
    # The other browser: at its next request after its ten-minute token the refresh is refused.
    phone.clock.fast_forward("10:00")
    expect(phone.get_by_role("alert").filter(has_text=EXPIRED)).to_be_visible()
    phone.goto("/viec-cua-toi")
    expect(phone.get_by_role("main").get_by_role("button", name="Đăng nhập")).to_be_visible()

    third = new_page()
    sign_in(third, person["username"], NEW_PASSWORD)
    laptop.reload()
    expect(sessions).to_have_count(2)
    laptop.get_by_role("button", name="Kết thúc mọi phiên khác").click()
    dialog = laptop.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Kết thúc 1 phiên đăng nhập khác?")
    dialog.get_by_role("button", name="Kết thúc mọi phiên khác").click()
    expect(laptop.get_by_role("status").filter(has_text="Đã kết thúc 1 phiên đăng nhập khác.")).to_be_visible()
    expect(sessions).to_have_count(1)
    expect(sessions.first).to_contain_text("Phiên này")
    # The ended browser keeps its access token for what is left of its ten minutes, and gets no new one.
    assert refresh_status(third) == 400

    # The administrator signs her out of every device from her account page; the account stays open.
    admin.goto("/truong/tai-khoan/nguoi?id=" + person["username"])
    admin.get_by_role("button", name="Đăng xuất khỏi mọi thiết bị").click()
    dialog = admin.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Đăng xuất Đoàn Thị Phiên khỏi mọi thiết bị?")
    expect(dialog).to_contain_text("Tài khoản vẫn mở: Đoàn Thị Phiên đăng nhập lại được bằng mật khẩu của mình.")
    dialog.get_by_role("button", name="Đăng xuất khỏi mọi thiết bị").click()
    expect(admin.get_by_role("status").filter(has_text="Đã đăng xuất Đoàn Thị Phiên khỏi mọi thiết bị.")).to_be_visible()
    assert refresh_status(laptop) == 400

    # Signed in again, she signs out of every device herself, this one included.
    again = new_page()
    sign_in(again, person["username"], NEW_PASSWORD)
    again.goto("/phien-dang-nhap")
    expect(again.locator("ul.sessions > li")).to_have_count(1)
    again.get_by_role("button", name="Đăng xuất khỏi mọi thiết bị").click()
    dialog = again.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Đăng xuất khỏi mọi thiết bị, kể cả thiết bị này?")
    dialog.get_by_role("button", name="Đăng xuất khỏi mọi thiết bị").click()
    expect(again.get_by_role("banner").get_by_role("button", name="Đăng nhập")).to_be_visible()
    assert stored_tokens_once_settled(again) is None

def test_the_admin_revokes_a_role_resets_the_password_and_locks_an_account(new_page, sign_in, first_sign_in, type_login, capture):
    admin = new_page()
    console: list[str] = []
    admin.on("console", lambda msg: console.append(msg.text))
    sign_in(admin, "mnhc.quantri")
    name = "Phạm Thị Thu Trà"
    person = add_person(admin, "mn-hoa-chau", name, [
        {"role": "giao_vien", "unit": "to-mau-giao"}, {"role": "van_thu", "unit": "to-van-phong"}])

    admin.goto("/")
    admin.get_by_role("navigation").get_by_role("link", name="Tài khoản nhân sự").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Tài khoản nhân sự")
    admin.get_by_label("Tìm theo họ tên").fill("thu trà")
    expect(admin.locator("section[aria-labelledby=pp-list] li:visible")).to_have_count(1)
    capture(admin, "tai-khoan-nhan-su")
    admin.get_by_role("link", name=name).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(name)
    roles = admin.locator("section[aria-labelledby=pp-roles] ul.list")
    expect(roles).to_contain_text("Văn thư (Tổ văn phòng)")
    capture(admin, "tai-khoan-mot-nguoi")

    # Revoke one role, after a confirmation naming the person and the role.
    admin.get_by_role("button", name="Thu hồi vai trò Văn thư (Tổ văn phòng)").click()
    dialog = admin.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Thu hồi vai trò Văn thư (Tổ văn phòng) của {name}?")
    dialog.get_by_role("button", name="Thu hồi vai trò").click()
    expect(admin.get_by_role("status").filter(has_text=f"Đã thu hồi vai trò Văn thư (Tổ văn phòng) của {name}.")).to_be_visible()
    expect(roles).not_to_contain_text("Văn thư")
    expect(roles).to_contain_text("Giáo viên (Tổ chuyên môn mẫu giáo)")
    held = call(admin, "GET", f"/schools/mn-hoa-chau/people/{person['username']}")["body"]["memberships"]
    assert [m["role"] for m in held] == ["giao_vien"]

    # Give a role back the same way.
    admin.get_by_label("Vai trò", exact=True).select_option("to_pho")
    admin.get_by_label("Tổ hoặc lớp").select_option(label="Tổ chuyên môn mẫu giáo")
    admin.get_by_role("button", name="Giao vai trò").click()
    expect(dialog).to_contain_text(f"Giao vai trò Tổ phó (Tổ chuyên môn mẫu giáo) cho {name}?")
    dialog.get_by_role("button", name="Giao vai trò").click()
    expect(roles).to_contain_text("Tổ phó (Tổ chuyên môn mẫu giáo)")

    # Reset the password: the admin sees what to hand over; the person signs in with it and must change it.
    admin.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(dialog).to_contain_text(f"Đặt lại mật khẩu của {name}?")
    dialog.get_by_role("button", name="Đặt lại mật khẩu").click()
    secret = admin.locator(".pp-secret")
    expect(secret).to_contain_text(f"Thông tin đăng nhập trao cho {name}")
    expect(secret).to_contain_text(person["username"])
    temporary = secret.locator(".pp-password").inner_text().strip()
    assert len(temporary) >= 8
    capture(admin, "tai-khoan-dat-lai-mat-khau")
    assert not any(temporary in line for line in console), "the temporary password went to the console"
    teacher = new_page()
    first_sign_in(teacher, person["username"], temporary)

    # One refusal: the teacher opening a colleague's account is told why, in Vietnamese.
    teacher.goto("/truong/tai-khoan/nguoi?id=mnhc.quantri")
    expect(teacher.get_by_role("alert")).to_contain_text("Chỉ hiệu trưởng và quản trị của trường mới xem được danh sách tài khoản.")
    capture(teacher, "tai-khoan-giao-vien-bi-tu-choi")

    # Lock the account: the person's sign-in is refused from then on.
    admin.reload()
    admin.get_by_role("button", name="Khóa tài khoản").click()
    expect(dialog).to_contain_text(f"Khóa tài khoản của {name}?")
    expect(dialog).to_contain_text(f"{name} bị đăng xuất khỏi mọi thiết bị.")
    dialog.get_by_role("button", name="Khóa tài khoản").click()
    expect(admin.get_by_role("status").filter(has_text=f"Đã khóa tài khoản của {name}.")).to_be_visible()
    expect(admin.get_by_role("main").get_by_text("Đã khóa", exact=True)).to_be_visible()
    refused = new_page()
    type_login(refused, person["username"], NEW_PASSWORD)
    expect(refused.get_by_role("alert")).to_have_text(WRONG)
    admin.get_by_role("button", name="Mở lại tài khoản").click()
    dialog.get_by_role("button", name="Mở lại tài khoản").click()
    expect(admin.get_by_role("main").get_by_text("Đang hoạt động", exact=True)).to_be_visible()

    # A deputy who lost her phone: her second factor is reset and she enrols again at her next sign-in.
    deputy_name = "Nguyễn Thị Mai Phương"
    deputy = add_person(admin, "mn-hoa-chau", deputy_name, [{"role": "pho_hieu_truong", "unit": None}])
    first_sign_in(new_page(), deputy["username"], deputy["password"])
    admin.goto("/truong/tai-khoan/nguoi?id=" + deputy["username"])
    expect(admin.locator(".pp-details")).to_contain_text("Đã cài ứng dụng xác thực")
    admin.get_by_role("button", name="Đặt lại xác thực hai lớp").click()
    expect(dialog).to_contain_text(f"Đặt lại xác thực hai lớp của {deputy_name}?")
    dialog.get_by_role("button", name="Đặt lại xác thực hai lớp").click()
    expect(admin.get_by_role("status").filter(has_text=f"Đã đặt lại xác thực hai lớp của {deputy_name}.")).to_be_visible()
    expect(admin.locator(".pp-details")).to_contain_text("Chưa cài")
    again = new_page()
    type_login(again, deputy["username"], NEW_PASSWORD)
    again.wait_for_url(re.compile(r".*/auth/passkey.*"))  # asked again: a passkey first, the phone app as the fallback

    # Another school's person, in the URL or the body: not found, and nothing happens to them.
    admin.goto("/truong/tai-khoan/nguoi?id=thhp.tongphutrach")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    assert call(admin, "PUT", "/schools/mn-hoa-chau/people/thhp.tongphutrach/active", {"active": False})["status"] == 404
    assert call(admin, "POST", "/schools/th-hoa-phong/people/thhp.tongphutrach/password-reset")["status"] == 404
    assert call(admin, "DELETE", "/schools/mn-hoa-chau/memberships/thhp.tongphutrach|tong_phu_trach|th-hoa-phong")["status"] == 404
    assert call(admin, "POST", f"/schools/mn-hoa-chau/people/{person['username']}/memberships",
                {"role": "giao_vien", "unit": "th-hoa-phong/to-4"})["status"] in (404, 422)
    other = new_page()
    sign_in(other, "thhp.tongphutrach", DEMO_PASSWORD)  # still active, password unchanged
    assert "tong_phu_trach" in call(other, "GET", "/me")["body"]["roles"]


def test_a_person_working_in_two_schools_chooses_the_school_in_the_header(new_page, sign_in, first_sign_in, capture):
    home_admin = new_page()
    sign_in(home_admin, "thcsnh.quantri")
    person = add_person(home_admin, "thcs-nguyen-hue", "Võ Thị Hai Trường", [{"role": "giao_vien", "unit": "to-ngu-van"}])
    other_admin = new_page()
    sign_in(other_admin, "mnhc.quantri")
    invited = add_person(other_admin, "mn-hoa-chau", "Võ Thị Hai Trường", [{"role": "giao_vien", "unit": "to-mau-giao"}],
                         email=person["email"])
    assert invited["outcome"] == "invited"

    teacher = new_page()
    first_sign_in(teacher, person["username"], person["password"])
    assert call(teacher, "POST", f"/me/invitations/{invited['invitation']}/accept")["status"] == 200
    teacher.reload()
    teacher.goto("/viec-cua-toi")
    picker = teacher.locator("header .school-pick")
    expect(picker.locator("summary")).to_contain_text("Trường THCS Nguyễn Huệ")
    picker.locator("summary").click()
    expect(picker.get_by_role("button", name="Chuyển sang Trường Mầm non Hòa Châu")).to_be_visible()
    capture(teacher, "chon-truong-lam-viec")
    with teacher.expect_response(lambda r: r.url.endswith("/oauth/token")):
        picker.get_by_role("button", name="Chuyển sang Trường Mầm non Hòa Châu").click()
    teacher.wait_for_url(re.compile(r".*/viec-cua-toi$"))
    expect(teacher.locator("header .school-pick summary")).to_contain_text("Trường Mầm non Hòa Châu")
    assert call(teacher, "GET", "/me")["body"]["tenant"] == "mn-hoa-chau"

    # One refusal: asking for a school the person holds no role in is refused (identity answers
    # access_denied and audits it); the tab keeps the school it had and says so.
    teacher.evaluate("() => { import('/js/core/auth.js').then((m) => m.signIn('/viec-cua-toi', { tenant: 'th-hoa-phong' })); }")
    teacher.wait_for_url(re.compile(r".*/auth/callback\?.*error=access_denied.*"))
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Không chuyển được trường")
    expect(teacher.get_by_role("alert")).to_contain_text("Bạn không có vai trò nào đang hiệu lực ở trường này.")
    teacher.get_by_role("link", name="Quay lại trang đang làm").click()
    teacher.wait_for_url(re.compile(r".*/viec-cua-toi$"))
    expect(teacher.locator("header .school-pick summary")).to_contain_text("Trường Mầm non Hòa Châu")
    assert call(teacher, "GET", "/me")["body"]["tenant"] == "mn-hoa-chau"
