"""Staff import of workbooks laid out like real CSDL ngành exports: title rows, a two-row header
with merged cells ("Liên hệ" over Email | Số điện thoại), a row of column numbers, every problem of
a row in one pass, and 12-digit staff ids whose leading zero Excel dropped (issue 10, defect 15).
The workbooks are real .xlsx files written by openpyxl with merged cells."""
from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook

from services.identity.adapters.documents import IdentityPersonDoc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(rows: list[list], *, numbering: bool = True) -> bytes:
    """A CSDL ngành-style export: two merged title rows, a header over rows 3–4 where every column
    but the contact group is merged down and "Liên hệ" is merged across its two sub-columns,
    then (optionally) the row of column numbers; data from row 5 or 6."""
    wb = Workbook()
    ws = wb.active
    ws.append(["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN HÒA VANG"])
    ws.merge_cells("A1:H1")
    ws.append(["DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN NĂM HỌC 2026–2027"])
    ws.merge_cells("A2:H2")
    ws.append(["STT", "Họ và tên (*)", "Ngày sinh", "Mã định danh", "Chức vụ", "Tổ", "Liên hệ", None])
    ws.append([None, None, None, None, None, None, "Email", "Số điện thoại"])
    for column in "ABCDEF":
        ws.merge_cells(f"{column}3:{column}4")
    ws.merge_cells("G3:H3")
    if numbering:
        ws.append([f"({n})" for n in range(1, 9)])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _post(client, headers, data: bytes, apply: bool):
    return client.post(f"/api/v1/schools/th-hoa-phong/staff-import?apply={'true' if apply else 'false'}",
                       headers={**headers, "Content-Type": XLSX}, data=data)


ROWS = [
    [1, "Phạm Thị Hoài Thương", datetime(1988, 3, 14), "048188000123", "Giáo viên", "Tổ chuyên môn khối 1",
     "thuong.pt@hoaphong.edu.vn", "0905111222"],
    [2, "Đoàn Quốc Việt", "02/11/1979", "048179000456", "Tổ phó", "to-1", None, 905333444],
    [3, "Lê Thị Mỹ Duyên", "21/07/1990", None, "Nhân viên", "Tổ văn phòng", "duyen.lt@hoaphong.edu.vn", None],
]


def test_a_merged_two_row_header_under_title_rows_is_read_as_a_header(client, tokens_for):
    headers = tokens_for("thhp.quantri")
    for data in (export(ROWS), export(ROWS, numbering=False)):
        report = _post(client, headers, data, apply=False).get_json()
        assert report["problems"] == [] and report["rows"] == 3, report
    applied = _post(client, headers, export(ROWS), apply=True).get_json()
    assert applied["applied"], applied
    thuong = IdentityPersonDoc.objects(email="thuong.pt@hoaphong.edu.vn").first()
    assert thuong.phone == "0905111222" and thuong.staff_id == "048188000123"
    viet = IdentityPersonDoc.objects(phone="0905333444").first()
    assert viet is not None and viet.full_name == "Đoàn Quốc Việt"


def test_problems_name_the_excel_row_under_a_two_row_header(client, tokens_for):
    report = _post(client, tokens_for("thhp.quantri"), export([*ROWS, [4, "Ngô Văn Bảy", None, None, "Giáo viên",
                                                                        None, None, None]]), apply=False).get_json()
    assert [(p["row"], p["column"], p["problem"]) for p in report["problems"]] == [
        (9, "Email", "Cần ít nhất email hoặc số điện thoại.")]  # row 9 in Excel: titles, header, numbering, 3 rows


def test_every_problem_of_a_row_is_reported_in_one_pass(client, tokens_for):
    duplicate_with_bad_date = [4, "Trần Văn Tư", "31/02/1985", "048188000123", "Giáo viên", "to-1",
                               "tu.tv@hoaphong.edu.vn", None]
    report = _post(client, tokens_for("thhp.quantri"), export([*ROWS, duplicate_with_bad_date]), apply=False).get_json()
    row9 = {(p["column"], p["problem"]) for p in report["problems"] if p["row"] == 9}
    assert row9 == {("Ngày sinh", "Ngày sinh không hợp lệ (dạng ngày/tháng/năm)."),
                    ("Mã định danh", "Trùng với dòng 6.")}
    assert all(p["row"] == 9 for p in report["problems"])


def test_staff_ids_that_lost_their_leading_zero_are_restored_with_a_warning(client, tokens_for):
    headers = tokens_for("thhp.quantri")
    rows = [list(r) for r in ROWS]
    rows[0][3] = 48188000123  # Excel kept the 12-digit id as a number: 11 digits
    rows[1][3] = "1079000456"  # two zeros lost (a province code 00x), kept as text
    rows[2][3] = "123456789"  # an old 9-digit identity card number: left alone
    dry = _post(client, headers, export(rows), apply=False).get_json()
    assert dry["problems"] == []
    assert [(w["row"], w["column"]) for w in dry["warnings"]] == [(6, "Mã định danh"), (7, "Mã định danh")]
    assert "048188000123" in dry["warnings"][0]["problem"] and "số 0" in dry["warnings"][0]["problem"]
    assert _post(client, headers, export(rows), apply=True).get_json()["applied"]
    assert IdentityPersonDoc.objects(email="thuong.pt@hoaphong.edu.vn").first().staff_id == "048188000123"
    assert IdentityPersonDoc.objects(phone="0905333444").first().staff_id == "001079000456"
    assert IdentityPersonDoc.objects(email="duyen.lt@hoaphong.edu.vn").first().staff_id == "123456789"


def test_a_restored_id_is_the_same_person_as_the_id_written_in_full(client, tokens_for):
    rows = [list(ROWS[0]), [2, "Phạm Thị Hoài Thương", None, 48188000123, "Giáo viên", "to-1",
                            "thuong2@hoaphong.edu.vn", None]]
    report = _post(client, tokens_for("thhp.quantri"), export(rows), apply=False).get_json()
    assert [(p["row"], p["column"], p["problem"]) for p in report["problems"]] == [(7, "Mã định danh", "Trùng với dòng 6.")]
