"""A dashboard view as a PDF report: Vietnamese title, the unit, the schools worst first, and the charts."""
from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

from PIL import Image

from report_data import DISTRICT, HOA_PHONG, NGUYEN_HUE, PROVINCE, october, pdf_text
from services.approvals.adapters.report_pdf import OUTCOMES


def get_pdf(api, path: str, who: str = "pgd.chuyenvien", token: str | None = None):
    return api.call("GET", f"/dashboards/{path}", who, token=token)


def colour_pixels(data: bytes, tmp: Path, colour: tuple[int, int, int]) -> int:
    """How many pixels of the first page, rendered as a reader renders it, have ``colour``."""
    (tmp / "page.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile", str(tmp / "page.pdf"),
                    str(tmp / "page")], check=True)
    raw = Image.open(tmp / "page.png").convert("RGB").tobytes()
    pixels = (raw[i:i + 3] for i in range(0, len(raw), 3))
    return sum(1 for px in pixels if all(abs(a - b) < 12 for a, b in zip(px, colour)))


def test_the_unit_report_names_the_unit_and_ranks_the_worst_school_first(api, tmp_path):
    october(api.container)
    resp = get_pdf(api, f"unit/{DISTRICT}?year=2025-2026&period=2025-10&format=pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-")
    assert "attachment" in resp.headers["Content-Disposition"]
    text = unicodedata.normalize("NFC", pdf_text(resp.data, tmp_path))
    assert "BÁO CÁO TÌNH HÌNH NỘP HỒ SƠ" in text
    assert f"Đơn vị: {DISTRICT}" in text
    assert "Năm học 2025-2026 · Kỳ báo cáo: tháng 10/2025" in text
    assert "Ngày lập: 01/09/2025" in text  # the fixture's frozen clock, in Vietnam
    # the chart and the table both put Nguyễn Huệ (3 of 6 missing) above Hòa Phong (1 of 8 late)
    assert text.index(NGUYEN_HUE) < text.index(HOA_PHONG)
    table = text[text.index("Bảng xếp hạng trường"):]
    assert table.index(NGUYEN_HUE) < table.index(HOA_PHONG)
    assert "Tổng cộng" in table


def test_the_charts_are_drawn_with_their_legend_and_monthly_line(api, tmp_path):
    october(api.container)
    data = get_pdf(api, f"unit/{DISTRICT}?year=2025-2026&period=2025-10&format=pdf").data
    text = unicodedata.normalize("NFC", pdf_text(data, tmp_path))
    for legend in ("Đúng hạn", "Trễ hạn", "Còn thiếu"):
        assert legend in text
    assert "Tỉ lệ đúng hạn theo tháng, năm học 2025-2026" in text
    # September all on time (100%), October 9 of 14 (64.3%): the points of the line are labelled
    assert "100%" in text and "64.3%" in text
    for month in ("8/25", "9/25", "10/25", "7/26"):
        assert month in text
    # the bars are really painted: green, orange and red areas on the page
    for _, _, colour in OUTCOMES:
        assert colour_pixels(data, tmp_path, colour) > 10, colour


def test_the_province_report_lists_its_units_and_other_scopes_are_404(api, tmp_path):
    october(api.container)
    so = api.tokens.issue("so.chuyenvien", province=PROVINCE, roles=["chuyen_vien_so"])
    resp = get_pdf(api, f"province/{PROVINCE}?period=2025-10&format=pdf", "", token=so)
    assert resp.status_code == 200
    text = unicodedata.normalize("NFC", pdf_text(resp.data, tmp_path))
    assert f"Tỉnh: {PROVINCE}" in text and "Bảng xếp hạng đơn vị" in text and DISTRICT in text
    assert get_pdf(api, "unit/pgd-khac?format=pdf").status_code == 404
    assert get_pdf(api, f"province/{PROVINCE}?format=pdf").status_code == 404  # unit staff, the Sở's view
    assert get_pdf(api, "school/th-hoa-phong?format=pdf", "thcsnh.hieutruong").status_code == 404


def test_a_school_report_for_its_principal(api, tmp_path):
    october(api.container)
    resp = get_pdf(api, "school/th-hoa-phong?period=2025-10&format=pdf", "thhp.hieutruong")
    assert resp.status_code == 200
    text = unicodedata.normalize("NFC", pdf_text(resp.data, tmp_path))
    assert f"Trường: {HOA_PHONG}" in text and "Bảng xếp hạng tổ và giáo viên" in text
