"""The biên bản kiểm tra as a PDF in the layout of a Vietnamese administrative record (fpdf2).

Nghị định 30/2020/NĐ-CP, Phụ lục I: A4, margins 20 mm top and bottom, 30 mm left, 15 mm right;
the issuing unit top left and the quốc hiệu and tiêu ngữ top right, place and date under them;
the record's name centred in capitals; the body; signature blocks at the end (the school's
representative left, the head of the team right). Text is the system's DejaVu Serif (the font
directory the signing stamp uses), so every Vietnamese letter is embedded and extractable.

:func:`render_record` returns the bytes and where the head's signature stamp goes (page and box
in PDF points, lower-left origin), so the signing service stamps it inside the signature block.
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

from fpdf import FPDF

from services.documents.domain.inspection_records import Member, RecordContent, team_with_head
from services.kernel.vntime import to_vn
from services.signing.adapters.pades import DEJAVU_SANS

FONT_DIR = os.path.dirname(DEJAVU_SANS)
FONT = "DejaVuSerif"
FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf",
              "BI": "DejaVuSerif-BoldItalic.ttf"}
MM = 72 / 25.4
PAGE_W, PAGE_H = 595.28, 841.89
LEFT, RIGHT, TOP, BOTTOM = 30 * MM, 15 * MM, 20 * MM, 20 * MM
SIGNATURE_SPACE = 84  # points kept blank under each signature heading (the stamp goes there)
STAMP_W, STAMP_H = 240, 78


@dataclass(frozen=True)
class RenderedRecord:
    """The PDF and the head's stamp box: ``page`` 0-based, ``box`` (x1, y1, x2, y2) in points."""

    pdf: bytes
    page: int
    box: tuple[int, int, int, int]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def vn_long_date(content: RecordContent) -> str:
    at = to_vn(content.drafted_at)
    return f"ngày {at:%d} tháng {at:%m} năm {at:%Y}"


class _Writer:
    def __init__(self) -> None:
        pdf = FPDF(unit="pt", format="A4")
        for style, name in FONT_FILES.items():
            pdf.add_font(FONT, style, os.path.join(FONT_DIR, name))
        pdf.set_margins(LEFT, TOP, RIGHT)
        pdf.set_auto_page_break(True, margin=BOTTOM)
        pdf.set_title("Biên bản kiểm tra")
        pdf.set_creator("HoSo")
        pdf.add_page()
        self.pdf = pdf
        self.width = PAGE_W - LEFT - RIGHT

    def text(self, value: str, *, size: float = 13, style: str = "", align: str = "J", indent: float = 0,
             gap: float = 2) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, style, size)
        pdf.set_x(LEFT + indent)
        pdf.multi_cell(self.width - indent, size * 1.3, _nfc(value), align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def columns(self, left: list[tuple[str, str]], right: list[tuple[str, str]], *, size: float = 12,
                split: float = 0.5) -> None:
        """Two centred columns of (text, style) lines side by side, from the current height."""
        pdf = self.pdf
        top = pdf.get_y()
        first = self.width * split
        bottoms = []
        for x, width, lines in ((LEFT, first, left), (LEFT + first, self.width - first, right)):
            pdf.set_xy(x, top)
            for value, style in lines:
                pdf.set_font(FONT, style, size)
                pdf.set_x(x)
                pdf.multi_cell(width, size * 1.3, _nfc(value), align="C", new_x="LEFT", new_y="NEXT")
            bottoms.append(pdf.get_y())
        pdf.set_xy(LEFT, max(bottoms))


def _member_line(m: Member, role: str = "") -> str:
    parts = [f"Ông/Bà {m.name}"]
    if m.position:
        parts.append(m.position)
    line = ", ".join(parts)
    return f"- {line} — {role}" if role else f"- {line}"


def render_record(content: RecordContent) -> RenderedRecord:
    """Lay the biên bản out; returns the bytes and where the head's signature stamp goes."""
    w = _Writer()
    pdf = w.pdf
    at = to_vn(content.drafted_at)
    w.columns([(content.unit_name.upper(), "B"), (content.campaign_name.upper(), "B"), ("Số: ......./BB-KT", "")],
              [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B"), ("Độc lập - Tự do - Hạnh phúc", "B"),
               ("", ""), (f"{content.place}, {vn_long_date(content)}", "I")], size=11, split=0.4)
    pdf.ln(16)
    w.text("BIÊN BẢN KIỂM TRA", size=14, style="B", align="C", gap=0)
    w.text(f"Hồ sơ, sổ sách điện tử của {content.school_name}", size=13, style="B", align="C", gap=10)

    w.text(f"Thời gian: vào hồi {at:%H} giờ {at:%M} phút, {vn_long_date(content)}.")
    w.text(f"Địa điểm: {content.place} ({content.school_name}).")
    w.text("I. THÀNH PHẦN", style="B")
    w.text("1. Đoàn kiểm tra:", style="B", indent=14)
    head, *others = team_with_head(content.head, content.team)
    w.text(_member_line(head, "Trưởng đoàn"), indent=28, gap=0)
    for member in others:
        w.text(_member_line(member, "Thành viên"), indent=28, gap=0)
    pdf.ln(2)
    w.text(f"2. Đại diện {content.school_name}:", style="B", indent=14)
    if content.school_representatives:
        for member in content.school_representatives:
            w.text(_member_line(member), indent=28, gap=0)
    else:
        w.text("- (chưa ghi)", indent=28, gap=0)
    pdf.ln(2)

    w.text("II. NỘI DUNG KIỂM TRA", style="B")
    w.text(f"Kiểm tra hồ sơ, sổ sách điện tử theo {content.campaign_name}.", indent=14, gap=0)
    books = ", ".join(content.books) if content.books else "tất cả các loại hồ sơ của nhà trường"
    w.text(f"- Phạm vi hồ sơ: {books}.", indent=14, gap=0)
    w.text(f"- Năm học: {content.school_year or 'các năm học trong phạm vi đợt kiểm tra'}.", indent=14)

    w.text("III. KẾT QUẢ KIỂM TRA", style="B")
    if not content.findings:
        w.text("Không có nội dung cần khắc phục.", indent=14)
    for number, finding in enumerate(content.findings, start=1):
        where = f" ({finding.target_label})" if finding.target_label else ""
        w.text(f"{number}. {finding.text}{where}", indent=14, gap=0)
        due = finding.due_on.strftime("%d/%m/%Y") if finding.due_on else "không nêu"
        w.text(f"Mức độ: {finding.severity_label}. Yêu cầu khắc phục: {finding.requested_fix or 'không nêu'}. "
               f"Thời hạn: {due}. Tình trạng: {finding.state_label}.", size=12, style="I", indent=28)

    w.text("IV. KẾT LUẬN", style="B")
    w.text(content.conclusion, indent=14)
    w.text(f"Biên bản được lập xong hồi {at:%H} giờ {at:%M} phút cùng ngày, đã đọc lại cho các thành viên "
           "cùng nghe và thống nhất ký tên dưới đây.", style="I")

    # the signature blocks stay together on one page
    needed = 3 * 16 + SIGNATURE_SPACE + 20
    if pdf.get_y() + needed > PAGE_H - BOTTOM:
        pdf.add_page()
    pdf.ln(8)
    w.columns([("ĐẠI DIỆN NHÀ TRƯỜNG", "B"), ("(Ký, ghi rõ họ tên)", "I")],
              [("TRƯỞNG ĐOÀN KIỂM TRA", "B"), ("(Ký, ghi rõ họ tên)", "I")], size=12)
    space_top = pdf.get_y()
    pdf.set_y(space_top + SIGNATURE_SPACE)
    school_signer = content.school_representatives[0].name if content.school_representatives else ""
    w.columns([(school_signer, "B")], [(content.head.name, "B")], size=12)
    half = w.width / 2
    x1 = int(LEFT + half + (half - STAMP_W) / 2)
    y1 = int(PAGE_H - space_top - SIGNATURE_SPACE + (SIGNATURE_SPACE - STAMP_H) / 2)
    return RenderedRecord(bytes(pdf.output()), pdf.page_no() - 1, (x1, y1, x1 + STAMP_W, y1 + STAMP_H))
