"""A dashboard view as a PDF report with charts (fpdf2, DejaVu Sans embedded).

One A4 report: the Vietnamese title, the scope's name, school year, period and the date it
was made; the totals; a stacked bar chart of on time / late / missing per child (worst
first, as the view ranks them); a line of the on-time share per month across the school
year; then the table of every row. The charts are drawn with fpdf2's own vector primitives
(rectangles, lines), so the report needs no plotting library and every label stays text.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from services.kernel.fonts import DEJAVU_SANS, DEJAVU_SANS_BOLD, require_font
from services.kernel.periods import period_label
from services.kernel.vntime import format_vn_date

PDF = "application/pdf"
TITLE = "BÁO CÁO TÌNH HÌNH NỘP HỒ SƠ"
LEVEL_NAMES = {"province": "Tỉnh", "unit": "Đơn vị", "school": "Trường"}
CHILD_NAMES = {"province": "đơn vị", "unit": "trường", "school": "tổ và giáo viên"}
#: the three outcomes the bar chart stacks: field, legend, colour (RGB)
OUTCOMES = (("on_time", "Đúng hạn", (46, 125, 50)), ("late", "Trễ hạn", (239, 108, 0)),
            ("missing", "Còn thiếu", (198, 40, 40)))
TABLE_COLUMNS = (("owed", "Phải nộp"), ("on_time", "Đúng hạn"), ("late", "Trễ hạn"), ("missing", "Còn thiếu"),
                 ("awaiting_approval", "Chờ duyệt"), ("awaiting_signature", "Chờ ký"))
CHART_ROWS = 15  # the bar chart shows the worst rows; the table lists them all
FONT = "DejaVu"


def on_time_percent(figures: dict[str, Any]) -> float | None:
    """Share of what was owed that came in on time, in percent (None when nothing was owed)."""
    owed = int(figures.get("owed") or 0)
    return round(100 * int(figures.get("on_time") or 0) / owed, 1) if owed else None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Report(FPDF):
    """A4 portrait, DejaVu Sans, page numbers in the footer."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", require_font(DEJAVU_SANS))
        self.add_font(FONT, "B", require_font(DEJAVU_SANS_BOLD))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=15)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.set_font(FONT, "B", 11)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 9)

    def room(self, height: float) -> None:
        """Start a new page unless ``height`` millimetres are left."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()

    def legend(self, x: float, y: float) -> None:
        self.set_font(FONT, "", 8)
        for _, label, colour in OUTCOMES:
            self.set_fill_color(*colour)
            self.rect(x, y + 1, 3, 3, style="F")
            self.set_xy(x + 4, y)
            self.cell(22, 5, label)
            x += 26

    def bar_chart(self, rows: list[dict[str, Any]]) -> None:
        """Stacked horizontal bars, one per row, in the view's order (worst first)."""
        bar_h, gap, label_w = 4.5, 1.5, 58.0
        shown = rows[:CHART_ROWS]
        self.room(12 + len(shown) * (bar_h + gap))
        top = self.get_y()
        self.legend(self.l_margin + label_w, top)
        top += 7
        width = self.w - self.r_margin - self.l_margin - label_w - 14
        largest = max((sum(int(r.get(k) or 0) for k, _, _ in OUTCOMES) for r in shown), default=0) or 1
        self.set_font(FONT, "", 7.5)
        for i, row in enumerate(shown):
            y = top + i * (bar_h + gap)
            self.set_xy(self.l_margin, y)
            self.cell(label_w - 2, bar_h, _short(f"{i + 1}. {row['name']}", 40))
            x = self.l_margin + label_w
            total = 0
            for key, _, colour in OUTCOMES:
                n = int(row.get(key) or 0)
                total += n
                if n:
                    self.set_fill_color(*colour)
                    self.rect(x, y, width * n / largest, bar_h, style="F")
                    x += width * n / largest
            self.set_xy(x + 1, y)
            self.cell(12, bar_h, str(total))
        self.set_y(top + len(shown) * (bar_h + gap) + 2)
        if len(rows) > len(shown):
            self.set_font(FONT, "", 8)
            self.cell(0, 5, f"{len(shown)} trên {len(rows)} dòng có tỉ lệ trễ hoặc thiếu cao nhất; bảng dưới liệt kê đủ.",
                      new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def line_chart(self, trend: list[dict[str, Any]]) -> None:
        """On-time share per month (0–100 %); a month with nothing owed has no point."""
        height, axis_w = 48.0, 12.0
        self.room(height + 16)
        left, top = self.l_margin + axis_w, self.get_y() + 3
        width = self.w - self.r_margin - left
        step = width / max(len(trend), 1)
        self.set_font(FONT, "", 7)
        self.set_draw_color(200, 200, 200)
        self.set_line_width(0.2)
        for pct in (0, 25, 50, 75, 100):
            y = top + height * (1 - pct / 100)
            self.line(left, y, left + width, y)
            self.set_xy(self.l_margin, y - 2)
            self.cell(axis_w - 1, 4, f"{pct}%", align="R")
        points = []
        for i, month in enumerate(trend):
            x = left + step * (i + 0.5)
            year, mm = month["period"].split("-")
            self.set_xy(x - step / 2, top + height + 1)
            self.cell(step, 4, f"{int(mm)}/{year[2:]}", align="C")
            pct = on_time_percent(month)
            points.append(None if pct is None else (x, top + height * (1 - pct / 100), pct))
        self.set_draw_color(21, 101, 192)
        self.set_fill_color(21, 101, 192)
        self.set_line_width(0.6)
        for a, b in zip(points, points[1:]):
            if a and b:
                self.line(a[0], a[1], b[0], b[1])
        for p in points:
            if p:
                self.ellipse(p[0] - 0.9, p[1] - 0.9, 1.8, 1.8, style="F")
                self.set_xy(p[0] - 6, p[1] - 5)
                self.cell(12, 4, f"{p[2]:g}%", align="C")
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.2)
        self.set_y(top + height + 7)

    def rows_table(self, rows: list[dict[str, Any]], total: dict[str, Any]) -> None:
        self.set_font(FONT, "", 7.5)
        self.set_fill_color(255, 255, 255)
        widths = (10, 58, *([15] * len(TABLE_COLUMNS)), 22)
        with self.table(col_widths=widths, text_align=("RIGHT", "LEFT", *(["RIGHT"] * len(TABLE_COLUMNS)), "RIGHT"),
                        line_height=4.5, first_row_as_headings=True,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230))) as table:
            head = table.row()
            for label in ("Hạng", "Tên", *(label for _, label in TABLE_COLUMNS), "Trễ hoặc thiếu (%)"):
                head.cell(label)
            for i, r in enumerate(rows, start=1):
                line = table.row()
                for value in (i, r["name"], *(r[k] for k, _ in TABLE_COLUMNS),
                              f"{round(r['late_or_missing_share'] * 100, 1):g}"):
                    line.cell(str(value))
            line = table.row()
            for value in ("", "Tổng cộng", *(total[k] for k, _ in TABLE_COLUMNS),
                          f"{round(total['late_or_missing_share'] * 100, 1):g}"):
                line.cell(str(value))


def report_pdf(view: dict[str, Any], *, made_at: datetime, unit_name: str | None = None) -> bytes:
    """The report of one dashboard view (``DashboardService.compute``); ``unit_name`` overrides the scope's name."""
    pdf = _Report()
    name = unit_name or view["name"]
    pdf.set_title(f"{TITLE} – {name}")
    pdf.set_author("HoSo")
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 9, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    period = "cả năm học" if view["period"] == view["year"] else period_label(view["period"]).lower()
    for line in (f"{LEVEL_NAMES[view['level']]}: {name}",
                 f"Năm học {view['year']} · Kỳ báo cáo: {period}" + ("" if view["book"] == "*" else f" · Sổ: {view['book']}"),
                 f"Ngày lập: {format_vn_date(made_at)}"):
        pdf.cell(0, 6, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    total, pct = view["total"], on_time_percent(view["total"])
    pdf.heading("Tổng hợp")
    pdf.multi_cell(0, 5, f"Phải nộp {total['owed']} · đúng hạn {total['on_time']} · trễ hạn {total['late']} · "
                         f"còn thiếu {total['missing']} · chờ duyệt {total['awaiting_approval']} · chờ ký "
                         f"{total['awaiting_signature']} · tỉ lệ đúng hạn {'—' if pct is None else f'{pct:g}%'}",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    child = CHILD_NAMES[view["level"]]
    if view["rows"]:
        pdf.heading(f"Đúng hạn, trễ hạn, còn thiếu theo {child} (tệ nhất trước)")
        pdf.bar_chart(view["rows"])
    pdf.heading(f"Tỉ lệ đúng hạn theo tháng, năm học {view['year']}")
    pdf.line_chart(view["trend"])
    pdf.heading(f"Bảng xếp hạng {child}")
    if view["rows"]:
        pdf.rows_table(view["rows"], total)
    else:
        pdf.cell(0, 6, "Chưa có số liệu.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
