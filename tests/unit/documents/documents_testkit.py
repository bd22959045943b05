"""Shared data and helpers of the documents tests (schools, people, sample files, upload calls)."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from pypdf import PdfWriter

from services.kernel.testing import TokenFactory

SCHOOL_A = {"school_id": "th-hoa-phong", "slug": "th-hoa-phong", "name": "Trường Tiểu học Hòa Phong",
            "levels": ["tieu_hoc"], "district_id": "pgd-hoa-vang", "province_id": "so-da-nang",
            "units": [{"id": "th-hoa-phong/to-4", "slug": "to-4", "name": "Tổ chuyên môn khối 4", "kind": "to_chuyen_mon"},
                      {"id": "th-hoa-phong/to-1", "slug": "to-1", "name": "Tổ chuyên môn khối 1", "kind": "to_chuyen_mon"},
                      {"id": "th-hoa-phong/to-van-phong", "slug": "to-van-phong", "name": "Tổ văn phòng", "kind": "to_van_phong"},
                      {"id": "th-hoa-phong/lop-4a", "slug": "lop-4a", "name": "Lớp 4A", "kind": "lop"}]}
SCHOOL_B = {"school_id": "th-hoa-nhon", "slug": "th-hoa-nhon", "name": "Trường Tiểu học Hòa Nhơn",
            "levels": ["tieu_hoc"], "district_id": "pgd-hoa-vang", "province_id": "so-da-nang",
            "units": [{"id": "th-hoa-nhon/to-4", "slug": "to-4", "name": "Tổ 4", "kind": "to_chuyen_mon"}]}
SCHOOL_C = {"school_id": "th-lien-chieu", "slug": "th-lien-chieu", "name": "Trường Tiểu học Liên Chiểu",
            "levels": ["tieu_hoc"], "district_id": "pgd-lien-chieu", "province_id": "so-da-nang",
            "units": [{"id": "th-lien-chieu/to-4", "slug": "to-4", "name": "Tổ 4", "kind": "to_chuyen_mon"}]}
NOW = datetime(2025, 10, 6, 2, 0, tzinfo=timezone.utc)


def pdf_bytes(pages: int = 1, text: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if text:
        writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(text: str = "Kế hoạch bài dạy") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    return out.getvalue()


class People:
    """Tokens of the people of the test schools."""

    def __init__(self, tokens: TokenFactory) -> None:
        self.tokens = tokens

    def school(self, sub: str, school: dict, *, roles: tuple[str, ...] = (), unit_roles: tuple[tuple[str, str], ...] = ()) -> str:
        return self.tokens.issue(sub, tenant=school["school_id"], district=school["district_id"],
                                 province=school["province_id"], roles=roles, unit_roles=unit_roles)

    def teacher_a(self) -> str:
        return self.school("thhp.giaovien", SCHOOL_A, unit_roles=(("giao_vien", "th-hoa-phong/to-4"), ("gvcn", "th-hoa-phong/lop-4a")))

    def teacher2_a(self) -> str:
        return self.school("thhp.giaovien2", SCHOOL_A, unit_roles=(("giao_vien", "th-hoa-phong/to-1"),))

    def to_truong_a(self) -> str:
        return self.school("thhp.totruong", SCHOOL_A, unit_roles=(("to_truong", "th-hoa-phong/to-4"), ("giao_vien", "th-hoa-phong/to-4")))

    def quan_tri_a(self) -> str:
        return self.school("thhp.quantri", SCHOOL_A, roles=("quan_tri",))

    def hieu_truong_a(self) -> str:
        return self.school("thhp.hieutruong", SCHOOL_A, roles=("hieu_truong",))

    def van_thu_a(self) -> str:
        return self.school("thhp.vanthu", SCHOOL_A, unit_roles=(("van_thu", "th-hoa-phong/to-van-phong"),))

    def teacher_b(self) -> str:
        return self.school("thhn.giaovien", SCHOOL_B, unit_roles=(("giao_vien", "th-hoa-nhon/to-4"),))

    def chuyen_vien(self, district: str = "pgd-hoa-vang") -> str:
        return self.tokens.issue("pgd.chuyenvien", district=district, province="so-da-nang", roles=("chuyen_vien",))

    def inspector(self, sub: str, *grants: dict, district: str = "pgd-hoa-vang", name: str = "") -> str:
        """An oversight inspector whose (long-lived) token carries the campaign grants identity issued."""
        return self.tokens.issue(sub, district=district, province="so-da-nang", roles=("chuyen_vien",), name=name,
                                 ttl=90 * 86400, extra={"grants": list(grants)})

    def service(self, caller: str = "signing") -> str:
        """The token identity gives ``caller``'s service client: only its declared calls to documents."""
        return self.tokens.service_token(caller)


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def upload(client: Any, token: str, data: bytes, *, name: str = "ke-hoach.pdf", book: str = "ke_hoach_bai_day",
           period: str = "2025-2026.t05", **extra: str) -> Any:
    query = {"book": book, "period": period, **{k: v for k, v in extra.items() if k in ("owner_key", "title")}}
    headers = auth(token, **{"X-File-Name": quote(name)})
    if "idempotency_key" in extra:
        headers["Idempotency-Key"] = extra["idempotency_key"]
    return client.post("/api/v1/documents/upload", query_string=query, data=data, headers=headers,
                       content_type="application/octet-stream")


# ----- approvals' calendar, as documents receives it --------------------------------------------
from datetime import date  # noqa: E402

from services.approvals.domain.calendar import Holiday, SchoolYearFrame  # noqa: E402
from services.approvals.service_layer.setup import calendar_published  # noqa: E402

FRAME_2025_2026 = SchoolYearFrame(
    year="2025-2026", opening_day=date(2025, 9, 5), semester_1_end=date(2026, 1, 10), closing_day=date(2026, 5, 29),
    holidays=(Holiday("Tết Dương lịch", date(2026, 1, 1), date(2026, 1, 1)),
              Holiday("Nghỉ Tết Nguyên đán Bính Ngọ", date(2026, 2, 14), date(2026, 2, 22)),
              Holiday("Giỗ Tổ Hùng Vương, 30/4 và 1/5", date(2026, 4, 26), date(2026, 5, 1))),
    first_teaching_week=date(2025, 9, 8),
)
"""The district frame of 2025–2026: opens Fri 05/9, tuần 1 is Mon 08/9, Tết 14–22/02, closes 29/5."""


def publish_frame(container: Any, frame: SchoolYearFrame = FRAME_2025_2026, *, district: str = "pgd-hoa-vang",
                  at: datetime = NOW) -> Any:
    """The event approvals records when ``district`` publishes ``frame``, delivered to documents' consumer."""
    event = calendar_published(district, frame, actor="pgd.truongphong", now=at)
    container.consumers["documents.calendar"].handle(event)
    return event
