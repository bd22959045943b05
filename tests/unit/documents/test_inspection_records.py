"""The biên bản kiểm tra: a campaign member drafts it as a PDF of the school, in the legal layout, with
the campaign's findings; the school's staff read their own; another school's id is not found; the
signing service marks it signed once, by the head only."""
from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta

import pytest
from documents_testkit import NOW, auth  # type: ignore[import-not-found]
from pypdf import PdfReader

from services.documents.bootstrap import bootstrap
from services.documents.domain.inspection_records import FindingLine
from services.documents.entrypoints.app import create_app
from services.documents.events import RECORD_DRAFTED, RECORD_SIGNED
from services.kernel.messaging import InMemoryPublisher

UNTIL = int((NOW + timedelta(days=7)).timestamp())
GRANT = {"campaign": "dkt-1", "schools": ["th-hoa-phong"], "books": ["ke_hoach_bai_day"], "year": "2025-2026",
         "until": UNTIL}
FINDINGS = [FindingLine("Chưa có kế hoạch bài dạy tuần 5 của lớp 4A", "major", "Bổ sung kế hoạch bài dạy",
                        date(2025, 10, 20), "open", "Kế hoạch bài dạy — Nguyễn Thị Lan"),
            FindingLine("Sổ điểm ghi thiếu chữ ký", "minor", "", None, "closed")]
BODY = {"campaign": "dkt-1", "school": "th-hoa-phong", "head": "pgd.truongdoan", "head_name": "Trần Văn Kiểm",
        "head_position": "Chuyên viên Phòng GD&ĐT", "campaign_name": "Đợt kiểm tra hồ sơ học kỳ I",
        "unit_name": "Phòng Giáo dục và Đào tạo Hòa Vang",
        "team": [{"person": "pgd.thanhtra", "name": "Lê Thị Thanh", "position": "Chuyên viên"}],
        "school_representatives": [{"name": "Phạm Văn Hùng", "position": "Hiệu trưởng"}]}


@pytest.fixture
def wired(tmp_path, clock, tokens):
    """The documents service with the findings callable given (as the lead wires it at merge)."""
    publisher = InMemoryPublisher()
    seen: list[tuple[str, str]] = []

    def findings_for(tenant: str, campaign: str) -> list[FindingLine]:
        seen.append((tenant, campaign))
        return FINDINGS

    c = bootstrap({"mode": "test", "local_root": str(tmp_path / "objects"), "work_dir": str(tmp_path / "work"),
                   "jwt_issuer": tokens.issuer, "log_json": False},
                  environ={}, clock=clock, publisher=publisher, verifier=tokens.verifier(), findings_for=findings_for)
    from documents_testkit import SCHOOL_A, SCHOOL_B  # type: ignore[import-not-found]
    for school in (SCHOOL_A, SCHOOL_B):
        c.folders.onboard(school, "2025-2026")
    return c, create_app(container=c).test_client(), publisher, seen


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def test_a_member_drafts_the_record_in_the_legal_layout_with_the_findings(wired, people, tmp_path) -> None:
    container, client, publisher, seen = wired
    member = auth(people.inspector("pgd.thanhtra", GRANT, name="Lê Thị Thanh"))
    resp = client.post("/api/v1/inspection-records", json=BODY, headers=member)
    assert resp.status_code == 201, resp.get_json()
    record = resp.get_json()
    assert (record["state"], record["school"], record["head"], record["findings"]) == (
        "draft", "th-hoa-phong", "pgd.truongdoan", 2)
    assert seen == [("th-hoa-phong", "dkt-1")]

    # the PDF is a version of a school document, readable by the inspector in the campaign
    content = client.get(f"/api/v1/versions/{record['version_id']}/content", headers=member,
                         query_string={"campaign": "dkt-1"})
    assert content.status_code == 404  # the campaign covers lesson plans only, not the biên bản book
    principal = auth(people.hieu_truong_a())
    pdf = client.get(f"/api/v1/versions/{record['version_id']}/content", headers=principal)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = _text(pdf.data, tmp_path)
    for heading in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BIÊN BẢN KIỂM TRA",
                    "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "I. THÀNH PHẦN", "II. NỘI DUNG KIỂM TRA", "III. KẾT QUẢ KIỂM TRA",
                    "IV. KẾT LUẬN", "TRƯỞNG ĐOÀN KIỂM TRA", "ĐẠI DIỆN NHÀ TRƯỜNG", "Trần Văn Kiểm, Chuyên viên Phòng GD&ĐT — Trưởng đoàn",
                    "Lê Thị Thanh, Chuyên viên — Thành viên", "Phạm Văn Hùng, Hiệu trưởng", "Kế hoạch bài dạy",
                    "Năm học: 2025-2026", "1. Chưa có kế hoạch bài dạy tuần 5 của lớp 4A", "Thiếu sót nghiêm trọng",
                    "20/10/2025", "2. Sổ điểm ghi thiếu chữ ký", "Đã khắc phục"):
        assert heading in text, heading
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) >= 1

    # the school's staff see their own school's record; the inspector sees it in the campaign
    listed = client.get("/api/v1/inspection-records", headers=principal).get_json()["items"]
    assert [r["id"] for r in listed] == [record["id"]]
    assert client.get(f"/api/v1/inspection-records/{record['id']}", headers=member,
                      query_string={"campaign": "dkt-1"}).get_json()["title"].startswith("Biên bản kiểm tra")
    # the team reads the biên bản's own PDF in the campaign, whatever book types the campaign covers
    own = client.get(f"/api/v1/inspection-records/{record['id']}/pdf", headers=member, query_string={"campaign": "dkt-1"})
    assert own.status_code == 200 and own.data == pdf.data
    assert client.get(f"/api/v1/inspection-records/{record['id']}/pdf", headers=auth(people.teacher_b())).status_code == 404
    container.runtime.relay(container.outbox_collections()).relay_once()
    [drafted] = [e for e in publisher.published if e.type == RECORD_DRAFTED.type]
    assert drafted.tenant == "th-hoa-phong" and drafted.data["notify"] == ["pgd.truongdoan"]
    assert any(e["action"] == "documents.inspection_record.drafted" for e in container.runtime.audit.entries(
        target=record["id"]))


def test_another_school_or_no_campaign_is_refused(wired, people) -> None:
    _container, client, _publisher, _seen = wired
    member = auth(people.inspector("pgd.thanhtra", GRANT))
    assert client.post("/api/v1/inspection-records", json={**BODY, "school": "th-hoa-nhon"},
                       headers=member).status_code == 404
    assert client.post("/api/v1/inspection-records", json={**BODY, "campaign": "dkt-khac"},
                       headers=member).status_code == 404
    record = client.post("/api/v1/inspection-records", json=BODY, headers=member).get_json()
    # staff of another school: not found; a school's staff cannot draft one
    other = auth(people.teacher_b())
    assert client.get(f"/api/v1/inspection-records/{record['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/inspection-records", headers=other).get_json()["items"] == []
    assert client.post("/api/v1/inspection-records", json=BODY, headers=auth(people.hieu_truong_a())).status_code == 403
    # the service route in another school's name does not find it either
    service = auth(people.service())
    assert client.get(f"/api/v1/internal/schools/th-hoa-nhon/inspection-records/{record['id']}",
                      headers=service).status_code == 404


def test_the_head_signed_version_makes_it_signed_once(wired, people, clock) -> None:
    container, client, publisher, _seen = wired
    member = auth(people.inspector("pgd.thanhtra", GRANT))
    record = client.post("/api/v1/inspection-records", json=BODY, headers=member).get_json()
    service = auth(people.service())
    base = f"/api/v1/internal/schools/th-hoa-phong/inspection-records/{record['id']}"
    inner = client.get(base, headers=service).get_json()
    assert (inner["state"], inner["head"], inner["version_id"]) == ("draft", "pgd.truongdoan", record["version_id"])
    assert inner["signature"]["page"] >= 0 and len(inner["signature"]["box"]) == 4
    assert client.get(base, headers=member).status_code == 403  # people never use the internal route

    pdf = client.get(f"/api/v1/internal/versions/{record['version_id']}/pdf", headers=service,
                     query_string={"tenant": "th-hoa-phong"}).data
    # the school's own khóa (here the whole school) covers its books, not the inspectors' biên bản
    lock = client.post("/api/v1/locks", headers=auth(people.quan_tri_a()), json={
        "starts_at": NOW.isoformat(), "ends_at": (NOW + timedelta(days=1)).isoformat(), "reason": "Khóa sổ cuối kỳ"})
    assert lock.status_code == 201, lock.get_json()
    stored = client.post(f"/api/v1/internal/versions/{record['version_id']}/signed", data=pdf, headers={
        **service, "Content-Type": "application/pdf", "X-File-Name": "bien-ban.signed.pdf"},
        query_string={"tenant": "th-hoa-phong"})
    assert stored.status_code == 201, stored.get_json()
    signed = {"version_id": stored.get_json()["id"], "signed_by": "pgd.truongdoan", "signed_at": NOW.isoformat()}
    assert client.post(f"{base}/signed", json={**signed, "signed_by": "pgd.thanhtra"},
                       headers=service).get_json()["code"] == "not-record-head"
    done = client.post(f"{base}/signed", json=signed, headers=service)
    assert done.status_code == 200 and done.get_json()["state"] == "signed"
    assert client.post(f"{base}/signed", json=signed, headers=service).status_code == 200  # the same call again
    again = client.post(f"{base}/signed", json={**signed, "version_id": record["version_id"]}, headers=service)
    assert again.status_code == 409 and again.get_json()["code"] == "record-signed"
    # a signed record is final: drafting again is refused
    redraft = client.post("/api/v1/inspection-records", json=BODY, headers=member)
    assert redraft.status_code == 409 and redraft.get_json()["code"] == "record-signed"
    # nobody uploads into the biên bản's document
    upload = client.post(f"/api/v1/documents/{record['document_id']}/versions", data=pdf,
                         headers={**auth(people.hieu_truong_a()), "X-File-Name": "x.pdf"},
                         query_string={"book": "bien_ban_kiem_tra", "period": "2025-2026"})
    assert upload.status_code == 403
    container.runtime.relay(container.outbox_collections()).relay_once()
    [event] = [e for e in publisher.published if e.type == RECORD_SIGNED.type]
    assert event.data["state"] == "signed" and event.data["version_id"] == signed["version_id"]
