"""Oversight staff download a dashboard as a PDF report and last month's report from «Báo cáo hằng tháng»."""
from __future__ import annotations

import subprocess
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from services.kernel.clock import VN_TZ


def last_month_label() -> str:
    """«tháng 11/2026» when today is in December 2026 (Vietnam time): the month the platform reported on."""
    first = datetime.now(VN_TZ).date().replace(day=1)
    prev = first - timedelta(days=1)
    return f"tháng {prev.month}/{prev.year}"


def pdf_text(path: str) -> str:
    out = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True).stdout
    return unicodedata.normalize("NFC", out)


def open_reports(page: Page, label: str) -> None:
    """/phong, reloaded until the scheduler's first pass (at start) has stored last month's report."""
    for _ in range(20):
        page.goto("/phong")
        section = page.locator("#bao-cao-hang-thang")
        expect(section.get_by_role("heading", name="Báo cáo hằng tháng")).to_be_visible()
        if section.get_by_text(f"Báo cáo {label}").count():
            return
        page.wait_for_timeout(1000)
    raise AssertionError(f"no report of {label} listed")


def test_unit_staff_download_the_dashboard_pdf_and_last_months_report(new_page, sign_in, capture):
    page = new_page()
    sign_in(page, "pgd.chuyenvien")
    label = last_month_label()
    open_reports(page, label)
    capture(page, "bao-cao-hang-thang")

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải PDF", exact=True).click()
    assert info.value.suggested_filename.endswith(".pdf")
    text = pdf_text(info.value.path())
    assert "BÁO CÁO TÌNH HÌNH NỘP HỒ SƠ" in text and "Trường Tiểu học Hòa Phong" in text
    assert "Đúng hạn" in text and "Tỉ lệ đúng hạn theo tháng" in text

    with page.expect_download() as info:
        page.get_by_role("button", name=f"Tải PDF báo cáo {label}").click()
    text = pdf_text(info.value.path())
    flat = " ".join(text.split())  # pdftotext -layout pads and may break lines
    assert f"Kỳ báo cáo: {label}" in flat, flat
    # the unit by its name once identity's units are known to approvals, by its id before that
    assert "Đơn vị: Phòng Giáo dục và Đào tạo huyện Hòa Vang" in flat or "Đơn vị: pgd-hoa-vang" in flat, flat
    with page.expect_download() as info:
        page.get_by_role("button", name=f"Tải Excel báo cáo {label}").click()
    assert Path(info.value.path()).read_bytes().startswith(b"PK")  # an XLSX is a zip


def test_the_so_sees_its_own_monthly_report_on_the_province_page(new_page, sign_in):
    page = new_page()
    sign_in(page, "so.chuyenvien")
    label = last_month_label()
    open_reports(page, label)
    with page.expect_download() as info:
        page.get_by_role("button", name=f"Tải PDF báo cáo {label}").click()
    assert "Tỉnh: so-da-nang" in pdf_text(info.value.path())
