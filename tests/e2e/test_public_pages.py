"""Pages anyone can open without signing in: the verification page, the start page, not found."""
from __future__ import annotations

import re
import unicodedata

from playwright.sync_api import expect


def test_verification_page_is_public_accessible_and_in_vietnamese(new_page, capture):
    page = new_page()
    page.goto("/tra-cuu")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu văn bản đã ký")
    expect(page.get_by_role("button", name="Kiểm tra", exact=True)).to_have_count(2)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    text = page.locator("body").inner_text()
    assert text == unicodedata.normalize("NFC", text)
    capture(page, "tra-cuu")


def test_verification_without_a_file_says_what_to_do(new_page):
    page = new_page()
    page.goto("/tra-cuu")
    page.get_by_role("button", name="Kiểm tra", exact=True).first.click()
    expect(page.get_by_role("alert")).to_have_text("Vui lòng chọn một tệp PDF.")


def test_unknown_address_shows_the_not_found_page(new_page, capture):
    page = new_page()
    page.goto("/khong-co-trang-nay")
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    capture(page, "khong-tim-thay")


def test_start_page_offers_sign_in_and_switches_to_english(new_page, capture):
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("main").get_by_role("button", name="Đăng nhập")).to_be_visible()
    capture(page, "trang-dau")
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("main").get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="VI").click()
    expect(page.get_by_role("main").get_by_role("button", name="Đăng nhập")).to_be_visible()


def test_pages_needing_sign_in_ask_for_it_first(new_page):
    page = new_page()
    page.goto("/viec-cua-toi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ sổ sách điện tử của nhà trường")


def test_a_visitor_uploading_an_unsigned_pdf_is_told_it_carries_no_signature(new_page, capture):
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    data = BytesIO()
    writer.write(data)
    page = new_page()
    page.goto("/tra-cuu")
    page.locator("input[type=file]").set_input_files(files=[{"name": "Học bạ không ký.pdf", "mimeType": "application/pdf", "buffer": data.getvalue()}])
    page.get_by_role("button", name="Kiểm tra", exact=True).first.click()
    result = page.locator("section[aria-labelledby=verify-result]")
    expect(result).to_contain_text("Tài liệu không có chữ ký số.")
    capture(page, "tra-cuu-khong-co-chu-ky")


def test_an_unknown_code_is_reported_in_vietnamese(new_page):
    page = new_page()
    page.goto("/tra-cuu")
    page.get_by_role("textbox", name="Mã tra cứu").fill("KHONG-CO-MA-NAY")
    page.get_by_role("button", name="Kiểm tra", exact=True).nth(1).click()
    expect(page.get_by_role("alert")).to_contain_text("Không tìm thấy văn bản với mã này.")
    expect(page).to_have_url(re.compile(r"/tra-cuu/KHONG-CO-MA-NAY$"))


def test_every_text_exists_in_both_languages_and_is_nfc(new_page):
    page = new_page()
    page.goto("/tra-cuu")
    dicts = page.evaluate("""async () => {
        const flat = (o, p = '', r = {}) => { for (const [k, v] of Object.entries(o)) { if (typeof v === 'object') flat(v, `${p}${k}.`, r); else r[`${p}${k}`] = v; } return r; };
        return { vi: flat((await import('/js/i18n/vi.js')).default), en: flat((await import('/js/i18n/en.js')).default) };
    }""")
    assert set(dicts["vi"]) == set(dicts["en"])
    for lang, texts in dicts.items():
        bad = [k for k, v in texts.items() if unicodedata.normalize("NFC", v) != v or not v.strip()]
        assert not bad, f"{lang}: not NFC or empty: {bad}"
    assert dicts["vi"]["nav.mywork"] == "Việc của tôi"
