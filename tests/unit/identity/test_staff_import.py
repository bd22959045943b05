"""Staff import from a CSDL ngành-style workbook: dry run with a per-row report, idempotent
apply, names kept in NFC."""
from __future__ import annotations

import io
import unicodedata
from datetime import datetime

from openpyxl import Workbook

from services.identity.adapters.documents import IdentityMembershipDoc, IdentityPersonDoc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Mã định danh", "Chức vụ", "Tổ", "Email", "Số điện thoại"]


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CÁN BỘ, GIÁO VIÊN, NHÂN VIÊN"])
    ws.append([])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = [
    [1, _nfd("Phạm Thị Hoài Thương"), datetime(1988, 3, 14), "048188000123", "Giáo viên", "Tổ chuyên môn khối 1",
     "thuong.pt@hoaphong.edu.vn", 905111222],
    [2, _nfd("Đoàn Quốc Việt"), "02/11/1979", "048179000456", "Tổ phó", "to-1", None, "0905 333 444"],
    [3, "Lê Thị Mỹ Duyên", "21/07/1990", None, "Văn thư", "Tổ văn phòng", "thhp.vanthu@hoaphong.edu.vn", None],
]


def _post(client, headers, data: bytes, apply: bool):
    return client.post(f"/api/v1/schools/th-hoa-phong/staff-import?apply={'true' if apply else 'false'}",
                       headers={**headers, "Content-Type": XLSX}, data=data)


def test_dry_run_reports_each_problem_by_row_and_column_in_vietnamese(client, tokens_for):
    bad = workbook([
        *GOOD,
        [4, "", "01/01/1990", None, "Giáo viên", None, "a@b.vn", None],
        [5, "Ngô Văn Bảy", "31/02/1985", None, "Bảo vệ", "Tổ 9", "khong-phai-email", None],
        [6, "Hồ Thị Tám", None, None, "Tổ trưởng", None, None, None],
        [7, "Trùng Email", None, None, "Giáo viên", None, "thuong.pt@hoaphong.edu.vn", None],
    ])
    resp = _post(client, tokens_for("thhp.quantri"), bad, apply=False)
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    problems = {(p["row"], p["column"]) for p in report["problems"]}
    assert (7, "Họ và tên") in problems
    assert {(8, "Ngày sinh"), (8, "Chức vụ"), (8, "Tổ"), (8, "Email")} <= problems
    assert {(9, "Email"), (9, "Tổ")} <= problems
    assert (10, "Email") in problems
    assert any("Trùng với dòng 4" in p["problem"] for p in report["problems"])
    assert report["applied"] is False and IdentityPersonDoc.objects(email="thuong.pt@hoaphong.edu.vn").first() is None
    refused = _post(client, tokens_for("thhp.quantri"), bad, apply=True)
    assert refused.get_json()["applied"] is False


def test_apply_is_idempotent_and_names_are_nfc(client, tokens_for, seeded):
    headers = tokens_for("thhp.quantri")
    data = workbook(GOOD)
    dry = _post(client, headers, data, apply=False).get_json()
    assert dry["problems"] == [] and dry["new_people"] == 2 and dry["existing_people"] == 1
    first = _post(client, headers, data, apply=True).get_json()
    assert first["applied"] and len(first["created_accounts"]) == 2
    assert all(a["temporary_password"] for a in first["created_accounts"])
    people, memberships = IdentityPersonDoc.objects.count(), IdentityMembershipDoc.objects.count()

    second = _post(client, headers, data, apply=True).get_json()
    assert second["applied"] and second["created_accounts"] == [] and second["new_people"] == 0 and second["new_roles"] == 0
    assert (IdentityPersonDoc.objects.count(), IdentityMembershipDoc.objects.count()) == (people, memberships)

    thuong = IdentityPersonDoc.objects(email="thuong.pt@hoaphong.edu.vn").first()
    assert thuong.full_name == "Phạm Thị Hoài Thương" and unicodedata.is_normalized("NFC", thuong.full_name)
    assert thuong.phone == "0905111222" and thuong.birth_date == "1988-03-14" and thuong.must_change_password
    viet = IdentityPersonDoc.objects(phone="0905333444").first()
    roles = {(m.role, m.unit_id) for m in IdentityMembershipDoc.objects(person_id=viet.id, active=True)}
    assert roles == {("to_pho", "th-hoa-phong/to-1"), ("giao_vien", "th-hoa-phong/to-1")}


def test_only_the_schools_administrators_import_and_only_into_their_school(client, tokens_for):
    data = workbook(GOOD)
    assert _post(client, tokens_for("thhp.giaovien"), data, apply=False).status_code == 403
    other = client.post("/api/v1/schools/th-hoa-phong/staff-import", headers={**tokens_for("mnhc.quantri"),
                                                                              "Content-Type": XLSX}, data=data)
    assert other.status_code == 404
    not_excel = client.post("/api/v1/schools/th-hoa-phong/staff-import",
                            headers={**tokens_for("thhp.quantri"), "Content-Type": XLSX}, data=b"not a workbook")
    assert not_excel.status_code == 422 and not_excel.get_json()["field"] == "file"
