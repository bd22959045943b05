"""Federated sign-in in the browser (issue 16, point 3) against a second, independent OpenID
Connect provider the suite starts on loopback (panva/oidc-provider, ``infra/standins/outside_oidc``).

The school's quản trị sets the provider up on "Đăng nhập bằng tài khoản khác" in the web app; a
teacher who has a password signs in there, confirms the link with her password on "Xác nhận liên
kết tài khoản" and lands in the web app with her HoSo roles only; a later sign-in goes straight
through; a colleague whose address the provider has not verified is refused, in Vietnamese, and
nothing is linked.
"""
from __future__ import annotations

import base64
import json
import re

import pytest
from playwright.sync_api import Page, expect

from infra.allinone import free_port
from infra.demo.district import DEMO_PASSWORD
from infra.standins.outside_oidc import OutsideOidc

CLIENT_ID, CLIENT_SECRET = "hoso-th-hoa-phong", "e2e-outside-client-secret-5b1c9"
BUTTON = "Đăng nhập bằng Google Workspace của trường"
ACCOUNTS = {
    "quoc.bao": {"sub": "google-2001", "email": "thhp.giaovien2@hoaphong.edu.vn", "email_verified": True,
                 "name": "Bảo Trương"},
    "thanh.tung": {"sub": "google-2002", "email": "thhp.tongphutrach@hoaphong.edu.vn", "email_verified": False,
                   "name": "Tùng Phan"},
}


@pytest.fixture(scope="module")
def outside(base_url):
    provider = OutsideOidc(port=free_port(), accounts=ACCOUNTS, clients=[{
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "redirect_uris": [base_url + "/api/identity/auth/federated-callback"]}])
    with provider:
        yield provider


def through_the_outside_provider(page: Page, login: str, base_url: str) -> None:
    """From the web app's "Đăng nhập" to the provider's own form, and back to HoSo."""
    page.goto("/")
    page.get_by_role("main").get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r".*/api/identity/auth/sign-in.*"))
    page.get_by_role("link", name="Đăng nhập bằng tài khoản khác").click()
    page.get_by_label("Thư điện tử của trường hoặc tên trường, đơn vị").fill(ACCOUNTS[login]["email"])
    page.get_by_role("button", name="Tìm cách đăng nhập").click()
    expect(page.get_by_text("Trường Tiểu học Hòa Phong")).to_be_visible()
    page.get_by_role("link", name=BUTTON).click()
    page.wait_for_url(re.compile(r"http://127\.0\.0\.1:\d+/interaction/.*"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("mat-khau-o-nha-cung-cap")
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: url.startswith(base_url))
    page.wait_for_load_state()


def token_roles(page: Page) -> tuple[str, list[str]]:
    token = page.evaluate("JSON.parse(sessionStorage.getItem('hoso.tokens') || 'null')")["access_token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims["sub"], sorted(claims["roles"])


def test_a_school_sets_up_its_provider_a_teacher_links_then_signs_in_directly_and_an_unverified_address_is_refused(
        new_page, sign_in, outside, capture, base_url):
    admin = new_page()
    sign_in(admin, "thhp.quantri", path="/truong/dang-nhap-ngoai")
    expect(admin.get_by_role("heading", name="Đăng nhập bằng tài khoản khác", level=1)).to_be_visible()
    expect(admin.locator("code.redirect-uri")).to_contain_text("/api/identity/auth/federated-callback")
    admin.get_by_label("Địa chỉ nhà cung cấp (issuer)").fill(outside.issuer)
    admin.get_by_label("Client ID").fill(CLIENT_ID)
    admin.get_by_label("Client secret").fill(CLIENT_SECRET)
    admin.get_by_label("Tên miền thư điện tử được phép (không bắt buộc)").fill("hoaphong.edu.vn")
    admin.get_by_role("button", name="Lưu cấu hình").click()
    expect(admin.get_by_text(f"Đã lưu: “{BUTTON}”.")).to_be_visible()
    expect(admin.get_by_text(f"Nhà cung cấp (issuer): {outside.issuer}")).to_be_visible()
    expect(admin.locator("body")).not_to_contain_text(CLIENT_SECRET)

    # first sign-in: the teacher confirms with her HoSo password
    teacher = new_page()
    through_the_outside_provider(teacher, "quoc.bao", base_url)
    expect(teacher.get_by_role("heading", name="Xác nhận liên kết tài khoản")).to_be_visible()
    expect(teacher.get_by_text("Trương Quốc Bảo")).to_be_visible()
    expect(teacher.locator("main")).not_to_contain_text("thhp.giaovien2")
    capture(teacher, "federated-confirm")
    teacher.get_by_label("Mật khẩu HoSo của bạn").fill(DEMO_PASSWORD)
    teacher.get_by_role("button", name="Xác nhận và liên kết").click()
    expect(teacher.get_by_role("button", name="Đăng xuất")).to_be_visible()
    assert token_roles(teacher) == ("thhp.giaovien2", ["giao_vien"])

    # a later sign-in in another browser goes straight through, with the same roles
    again = new_page()
    through_the_outside_provider(again, "quoc.bao", base_url)
    expect(again.get_by_role("button", name="Đăng xuất")).to_be_visible()
    assert token_roles(again) == ("thhp.giaovien2", ["giao_vien"])

    # the provider has not verified this colleague's address: refused, nothing linked
    refused = new_page()
    through_the_outside_provider(refused, "thanh.tung", base_url)
    expect(refused.get_by_role("heading", name="Không đăng nhập được bằng tài khoản khác")).to_be_visible()
    expect(refused.get_by_role("alert")).to_contain_text(
        "Nhà cung cấp tài khoản chưa xác minh địa chỉ thư điện tử thhp.tongphutrach@hoaphong.edu.vn")
    expect(refused.get_by_role("alert")).to_contain_text("Không có tài khoản nào được liên kết.")
    capture(refused, "federated-refused")
