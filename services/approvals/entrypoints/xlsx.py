"""A dashboard view as an Excel workbook (openpyxl): the ranked rows, then the year's trend.

Headers are Vietnamese; the file name keeps its diacritics (RFC 6266 ``filename*``).
"""
from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVEL_NAMES = {"province": "Tỉnh", "unit": "Đơn vị", "school": "Trường"}
KIND_NAMES = {"unit": "Đơn vị", "school": "Trường", "to": "Tổ", "teacher": "Giáo viên"}
COLUMNS = (
    ("owed", "Phải nộp"), ("on_time", "Đúng hạn"), ("late", "Trễ hạn"), ("missing", "Còn thiếu"),
    ("awaiting_approval", "Chờ duyệt"), ("awaiting_signature", "Chờ ký"), ("signing_overdue", "Quá hạn ký"),
    ("signed_late", "Ký trễ"), ("avg_approval_hours", "Thời gian duyệt TB (giờ)"),
)


def workbook_bytes(view: dict[str, Any]) -> bytes:
    """Sheet “Xếp hạng” (rank, kind, name, figures, share late or missing) and sheet “Theo tháng”."""
    wb = Workbook()
    ranked = wb.active
    ranked.title = "Xếp hạng"
    ranked.append([f"{LEVEL_NAMES[view['level']]}: {view['name']}", f"Năm học {view['year']}", f"Kỳ: {view['period']}",
                   "Sổ: tất cả" if view["book"] == "*" else f"Sổ: {view['book']}"])
    header = ["Hạng", "Loại", "Tên", *(label for _, label in COLUMNS), "Tỉ lệ trễ hoặc thiếu (%)"]
    ranked.append(header)
    for i, r in enumerate(view["rows"], start=1):
        ranked.append([i, KIND_NAMES.get(r["kind"], r["kind"]), r["name"], *(r[k] for k, _ in COLUMNS),
                       round(r["late_or_missing_share"] * 100, 1)])
    ranked.append(["", "", "Tổng cộng", *(view["total"][k] for k, _ in COLUMNS),
                   round(view["total"]["late_or_missing_share"] * 100, 1)])
    trend = wb.create_sheet("Theo tháng")
    trend.append(["Tháng", *(label for _, label in COLUMNS)])
    for m in view["trend"]:
        year, month = m["period"].split("-")
        trend.append([f"{month}/{year}", *(m[k] for k, _ in COLUMNS)])
    for sheet, row in ((ranked, 2), (trend, 1)):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(view: dict[str, Any]) -> Response:
    """The workbook as a download named after the scope and period."""
    name = f"bang-theo-doi-{view['level']}-{view['id']}-{view['period']}.xlsx".replace("/", "-")
    disposition = f"attachment; filename=\"{quote(name, safe='-.')}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(workbook_bytes(view), mimetype=XLSX,
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})
