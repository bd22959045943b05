"""The demo district's sample files: one-page PDFs with fixed ids, shared by two seeds.

The documents seed stores every ``DemoDocument`` under its ``document_id`` and
``version_id`` with exactly these bytes; the approvals seed submits those carrying a
``DemoSubmission`` for the obligation they answer, by the same ids and SHA-256. So the
services agree on the demo's files without sharing a database. Nothing here is random:
ids are derived from school, book, period and a tag, and the PDF bytes from the text.

Period keys are the kernel's in both services (``services/kernel/periods.py``): weeks
``2026-2027.t20``, months ``2026-12``, school years ``2026-2027``.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property

from fpdf import FPDF

from infra.demo.district import DEMO_DISTRICT, DemoDistrict, DemoSchool
from services.kernel.fonts import DEJAVU_SANS, DEJAVU_SANS_BOLD, require_font
from services.kernel.periods import period_label, week_period

SCHOOL_YEAR = "2026-2027"
WAITING, RETURNED, APPROVED, TO_SIGN = "cho_duyet", "tra_lai", "da_duyet", "cho_ky"
HOC_BA_STUDENTS = ("Nguyễn Minh Khang", "Trần Bảo Ngọc", "Lê Gia Huy")
FIXED_DATE = datetime(2026, 9, 5, tzinfo=timezone.utc)  # the demo school year opens


def sample_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF showing ``lines`` in DejaVu Sans, Vietnamese with its diacritics, as a school
    would upload it; the same text always gives the same bytes (fixed creation date, no random id)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_producer("HoSo demo")
    pdf.add_font("DejaVu", "", require_font(DEJAVU_SANS))
    pdf.add_font("DejaVu", "B", require_font(DEJAVU_SANS_BOLD))
    pdf.add_page()
    for i, line in enumerate(lines):
        pdf.set_font("DejaVu", "B" if i == 0 else "", 16 if i == 0 else 12)
        pdf.cell(0, 10 if i == 0 else 8, unicodedata.normalize("NFC", line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@dataclass(frozen=True)
class DemoSubmission:
    """How the approvals seed submits a demo document: the obligation it answers and where it stops."""

    book: str       # approvals' book slug
    item: str       # the book's deadline item
    period_key: str  # approvals' period key
    state: str      # WAITING | RETURNED | APPROVED | TO_SIGN


@dataclass(frozen=True)
class DemoDocument:
    """One sample file of a school, uploaded by ``uploader`` into documents' ``book`` and ``period``."""

    school: str
    uploader: str
    book: str
    period: str
    tag: str
    title: str
    file_name: str
    submission: DemoSubmission | None = None

    def _id(self, kind: str) -> str:
        digest = hashlib.sha256(f"{self.school}|{self.book}|{self.period}|{self.tag}|{kind}".encode()).hexdigest()
        return f"demo-{kind}-{digest[:20]}"

    @property
    def document_id(self) -> str:
        return self._id("doc")

    @property
    def version_id(self) -> str:
        return self._id("ver")

    @cached_property
    def pdf(self) -> bytes:
        school = next((sc.name for sc in DEMO_DISTRICT.schools if sc.slug == self.school), self.school)
        heading = self.file_name.rsplit(".", 1)[0] if self.book == "hoc_ba" else self.title  # a học bạ names its class
        return sample_pdf([heading, school, period_label(self.period), "HoSo — dữ liệu mẫu"])

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def _week(n: int) -> tuple[str, str]:
    """(documents' key, approvals' key) of teaching week ``n`` of the demo school year: the same kernel key."""
    key = week_period(SCHOOL_YEAR, n).key
    return key, key


def _school_documents(school: DemoSchool) -> list[DemoDocument]:
    s = school.slug
    people = {p.username.split(".", 1)[1]: p.username for p in school.people}
    mam_non = "mam_non" in school.levels
    lesson_book = "ke_hoach_giao_duc" if mam_non else "ke_hoach_bai_day"
    lesson_title = "Kế hoạch giáo dục tuần {n}" if mam_non else "Kế hoạch bài dạy tuần {n} – Toán"
    docs = []
    for who, n, tag, state in (("giaovien", 20, "cho-duyet", WAITING), ("giaovien2", 21, "tra-lai", RETURNED)):
        doc_period, appr_period = _week(n)
        docs.append(DemoDocument(s, people[who], lesson_book, doc_period, tag, lesson_title.format(n=n),
                                 f"{lesson_title.format(n=n)}.pdf",
                                 DemoSubmission(lesson_book, "hang_tuan", appr_period, state)))
    if mam_non:
        docs.append(DemoDocument(s, people["totruong"], "ke_hoach_to", SCHOOL_YEAR, "ke-hoach-to",
                                 f"Kế hoạch hoạt động tổ năm học {SCHOOL_YEAR}", "Kế hoạch tổ chuyên môn.pdf"))
        return docs
    docs += [
        DemoDocument(s, people["giaovien"], "so_shcm", "2026-12", "da-duyet", "Sổ ghi chép SHCM tháng 12",
                     "Sổ SHCM tháng 12.pdf", DemoSubmission("so_shcm", "hang_thang", "2026-12", APPROVED)),
        DemoDocument(s, people["totruong"], "ke_hoach_to", SCHOOL_YEAR, "ke-hoach-to",
                     f"Kế hoạch dạy học của tổ năm học {SCHOOL_YEAR}", "Kế hoạch dạy học của tổ.pdf"),
        DemoDocument(s, people["vanthu"], "so_van_ban", SCHOOL_YEAR, "so-van-ban", "Sổ quản lý văn bản đi, đến",
                     "Sổ văn bản đi đến.pdf"),
    ]
    lop = next(u for u in school.units if u.kind == "lop")
    students = HOC_BA_STUDENTS if s == "th-hoa-phong" else HOC_BA_STUDENTS[:1]
    for n, student in enumerate(students, start=1):
        docs.append(DemoDocument(s, people["giaovien"], "hoc_ba", SCHOOL_YEAR, f"hoc-ba-{n}",
                                 student, f"Học bạ {student} – {lop.name}.pdf",
                                 DemoSubmission("hoc_ba", "cuoi_nam", SCHOOL_YEAR, TO_SIGN)))
    return docs


def demo_documents(district: DemoDistrict = DEMO_DISTRICT) -> list[DemoDocument]:
    """Every sample file of the demo district, school by school, in a fixed order."""
    return [d for school in district.schools for d in _school_documents(school)]
