"""The sign-in pages in a real browser (Playwright, system Chromium): a person signs in with the
keyboard on a phone-sized screen, and axe-core finds no accessibility violation on any page."""
from __future__ import annotations

import os
import threading
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from infra.allinone import free_port
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.kernel.messaging import InMemoryPublisher

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def base_url():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    c = bootstrap({"mode": "test", "db_name": f"hoso_identity_it_{uuid.uuid4().hex[:10]}", "public_url": base},
                  environ={"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {},
                  publisher=InMemoryPublisher())
    seed_demo(c)
    httpd = make_server("127.0.0.1", port, create_app(container=c), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    thread.join(timeout=5)
    c.runtime.db.client.drop_database(c.runtime.db.name)


def _no_violations(page, axe: Axe) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], "no sideways scrolling"


def test_sign_in_pages_are_accessible_on_a_phone(base_url):
    axe = Axe()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", bypass_csp=True).new_page()
            page.goto(base_url + "/auth/sign-in")
            assert page.title() == "Đăng nhập · HoSo"
            _no_violations(page, axe)

            page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("thhp.giaovien")
            page.get_by_label("Mật khẩu").fill("sai-mat-khau")
            page.keyboard.press("Enter")
            page.wait_for_load_state()
            assert page.get_by_role("alert").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
            _no_violations(page, axe)

            page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("thhp.hieutruong")
            page.get_by_label("Mật khẩu").fill("HoSo@2026")
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url("**/auth/enrol")
            assert page.get_by_role("img", name="Mã QR để thêm tài khoản HoSo vào ứng dụng xác thực").is_visible()
            _no_violations(page, axe)

            page.goto(base_url + "/auth/forgot")
            _no_violations(page, axe)
            page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("thhp.giaovien")
            page.get_by_role("button", name="Gửi liên kết").click()
            assert "Nếu tài khoản tồn tại" in page.get_by_role("status").inner_text()
            _no_violations(page, axe)
        finally:
            browser.close()


def test_the_logout_confirmation_reads_well_and_ends_the_session_on_a_phone(base_url):
    """A bare visit to the logout endpoint asks first (issue 16); the button ends the session."""
    axe = Axe()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", bypass_csp=True).new_page()
            page.goto(base_url + "/auth/sign-in")
            page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("thhp.giaovien")
            page.get_by_label("Mật khẩu").fill("HoSo@2026")
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url("**/auth/signed-in")

            page.goto(base_url + "/oauth/logout")
            assert page.get_by_role("heading", level=1).inner_text() == "Đăng xuất khỏi HoSo?"
            assert "Bạn đang đăng nhập với tên Nguyễn Thị Lệ Thủy." in page.get_by_role("main").inner_text()
            _no_violations(page, axe)
            page.goto(base_url + "/auth/signed-in")
            assert page.url.endswith("/auth/signed-in"), "the visit ended nothing"

            page.goto(base_url + "/oauth/logout")
            page.get_by_role("button", name="Đăng xuất").click()
            page.wait_for_url("**/auth/signed-out")
            assert "Bạn đã đăng xuất khỏi HoSo." in page.get_by_role("main").inner_text()
            page.goto(base_url + "/oauth/logout")
            assert page.url.endswith("/auth/signed-out"), "nobody to sign out: no question asked"
        finally:
            browser.close()
