"""Demo data of the documents service: the demo district's schools, their folder trees for
the current school year, and a few uploaded PDFs so the demo is not empty.

Ids follow the demo convention: school id = school slug, unit id = ``<school>/<unit>``,
district id = district slug, person id = username. Safe to run twice.
"""
from __future__ import annotations

import io

from infra.demo.district import DEMO_DISTRICT, DemoPerson, DemoSchool
from services.documents.bootstrap import Container
from services.documents.service_layer.access import current_school_year, school_context
from services.documents.service_layer.uploads import UploadRequest
from services.kernel.principal import Principal


def sample_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF showing ``lines`` (ASCII text in Helvetica; the Vietnamese title is in the file name)."""
    text = "".join(f"BT /F1 {16 if i == 0 else 12} Tf 72 {770 - 24 * i} Td ({line}) Tj ET\n"
                   for i, line in enumerate(lines))
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _principal(school: DemoSchool, person: DemoPerson) -> Principal:
    roles = list(person.roles) + ([("giao_vien", person.gvcn_of)] if person.gvcn_of else [])
    return Principal(sub=person.username, name=person.full_name, tenant=school.slug, district=DEMO_DISTRICT.slug,
                     province=DEMO_DISTRICT.province_slug, roles=frozenset(r for r, _ in roles),
                     unit_roles=frozenset((r, f"{school.slug}/{u}") for r, u in roles if u))


def _samples(school: DemoSchool, year: str) -> list[tuple[str, str, str, str, str]]:
    """(person key, book, period, file name, title) of the sample uploads of a school."""
    first = year.split("-")[0]
    if "mam_non" in school.levels:
        return [("giaovien", "ke_hoach_giao_duc", f"{year}.t10", "Kế hoạch giáo dục tuần 10.pdf",
                 "Kế hoạch giáo dục tuần 10 – chủ đề Gia đình"),
                ("totruong", "ke_hoach_to", year, "Kế hoạch tổ chuyên môn.pdf", f"Kế hoạch hoạt động tổ năm học {year}")]
    return [("giaovien", "ke_hoach_bai_day", f"{year}.t10", "Kế hoạch bài dạy tuần 10 – Toán.pdf",
             "Kế hoạch bài dạy Toán tuần 10"),
            ("giaovien", "so_shcm", f"{first}-10", "Sổ SHCM tháng 10.pdf", "Sổ ghi chép SHCM tháng 10"),
            ("totruong", "ke_hoach_to", year, "Kế hoạch dạy học của tổ.pdf", f"Kế hoạch dạy học của tổ năm học {year}"),
            ("vanthu", "so_van_ban", year, "Sổ văn bản đi đến.pdf", "Sổ quản lý văn bản đi, đến")]


def seed_demo(container: Container) -> None:
    """Onboard the demo schools, generate their trees and upload a few sample PDFs."""
    year = current_school_year(container.runtime.clock.now())
    for school in DEMO_DISTRICT.schools:
        container.folders.onboard({
            "school_id": school.slug, "slug": school.slug, "name": school.name, "levels": list(school.levels),
            "district_id": DEMO_DISTRICT.slug, "province_id": DEMO_DISTRICT.province_slug,
            "units": [{"id": f"{school.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                      for u in school.units],
        }, year)
        people = {p.username.split(".", 1)[1]: p for p in school.people}
        for key, book, period, file_name, title in _samples(school, year):
            ctx = school_context(_principal(school, people[key]))
            data = sample_pdf([title.encode("ascii", "ignore").decode() or "HoSo", school.slug, period])
            container.uploads.upload(ctx, UploadRequest(
                file_name=file_name, content_length=len(data), book=book, period=period, title=title,
                idempotency_key=f"demo-{school.slug}-{book}-{period}"), io.BytesIO(data))
