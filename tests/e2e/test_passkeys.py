"""Passkeys in Chromium, with its virtual authenticator (CDP WebAuthn: CTAP2, built in, user
verification): a principal offered a passkey at her first sign-in creates one, signs out and
signs in again with her password and the passkey, never a code, then with the passkey alone; a PHT who prefers an
authenticator app is not offered a passkey again. Each page is captured at both widths.

The demo people here are used by no other browser test (their second factor is theirs)."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from infra.demo.district import DEMO_PASSWORD
from tests.e2e.conftest import add_virtual_passkey_device

PRINCIPAL = "thcsnh.hieutruong"
PHT = "mnhc.phohieutruong"


def password_step(page: Page, username: str) -> None:
    """From the web app's sign-in button to the identity page after the password."""
    page.goto("/")
    page.get_by_role("main").get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r".*/api/identity/.*"))
    page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/auth/sign-in" not in url)


def signed_in(page: Page) -> None:
    page.wait_for_url(lambda url: "/api/identity/" not in url and "/auth/callback" not in url)
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("main").get_by_role("button", name="Đăng nhập")).to_be_visible()


def stored_credentials(device: dict) -> list[dict]:
    return device["cdp"].send("WebAuthn.getCredentials", {"authenticatorId": device["authenticator_id"]})["credentials"]


def test_a_principal_enrols_a_passkey_at_first_sign_in_and_then_needs_no_code(new_page, sign_in, capture):
    page = new_page()
    device = add_virtual_passkey_device(page)
    password_step(page, PRINCIPAL)
    expect(page).to_have_url(re.compile(r".*/auth/passkey(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập an toàn hơn bằng passkey")
    expect(page.get_by_role("button", name="Dùng ứng dụng mã xác thực")).to_be_visible()
    capture(page, "passkey-offer")
    page.get_by_label("Tên passkey").fill("Máy tính phòng hiệu trưởng")
    page.get_by_role("button", name="Tạo passkey").click()
    signed_in(page)
    [credential] = stored_credentials(device)
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"

    page.goto("/api/identity/auth/passkeys")
    expect(page.get_by_role("heading", level=1)).to_have_text("Passkey của bạn")
    expect(page.get_by_text("Máy tính phòng hiệu trưởng", exact=True)).to_be_visible()
    capture(page, "passkey-list")

    page.goto("/")
    sign_out(page)
    password_step(page, PRINCIPAL)
    expect(page).to_have_url(re.compile(r".*/auth/second-factor(\?.*)?$"))
    expect(page.get_by_role("button", name="Xác thực bằng passkey")).to_be_visible()
    expect(page.locator("input[name=code]")).to_have_count(0)  # no authenticator app, no code to type
    capture(page, "passkey-second-factor")
    page.get_by_role("button", name="Xác thực bằng passkey").click()
    signed_in(page)
    counter = stored_credentials(device)[0]["signCount"]
    assert counter >= 1

    sign_out(page)  # the fixture's passkey mode, as other tests may use it
    sign_in(page, PRINCIPAL, passkey=True)
    counter, previous = stored_credentials(device)[0]["signCount"], counter
    assert counter > previous

    sign_out(page)  # and the passkey alone, no password
    page.get_by_role("main").get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r".*/api/identity/.*"))
    page.get_by_role("link", name="Đăng nhập bằng passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập bằng passkey")
    capture(page, "passkey-sign-in")
    page.get_by_role("button", name="Chọn passkey").click()
    signed_in(page)
    assert stored_credentials(device)[0]["signCount"] > counter


def test_a_pht_who_chooses_the_authenticator_app_is_not_offered_a_passkey_again(new_page, sign_in, authenticator, capture):
    first = new_page()
    add_virtual_passkey_device(first)
    password_step(first, PHT)
    expect(first).to_have_url(re.compile(r".*/auth/passkey(\?.*)?$"))
    first.get_by_role("button", name="Dùng ứng dụng mã xác thực").click()
    first.wait_for_url(re.compile(r".*/auth/enrol(\?.*)?$"))
    authenticator.secrets[PHT] = first.locator("code.secret").inner_text().strip()
    first.get_by_label("Mã xác thực").fill(authenticator.code(PHT))
    first.get_by_role("button", name="Kích hoạt xác thực hai lớp").click()
    signed_in(first)

    later = new_page()  # another day, another browser
    add_virtual_passkey_device(later)
    password_step(later, PHT)
    expect(later).to_have_url(re.compile(r".*/auth/second-factor(\?.*)?$"))
    expect(later.get_by_role("button", name="Xác thực bằng passkey")).to_have_count(0)
    capture(later, "second-factor-code")
    later.get_by_label("Mã xác thực").fill(authenticator.code(PHT))
    later.get_by_role("button", name="Xác nhận").click()
    signed_in(later)
