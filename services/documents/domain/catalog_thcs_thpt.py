"""Seeded catalog for THCS and THPT: Thông tư 32/2020/TT-BGDĐT Điều 21, the same shape
as tiểu học (school, tổ and teacher books) with the secondary school's books: the
class assessment book (sổ theo dõi và đánh giá học sinh) replaces the tiểu học summary
table. Slugs shared with tiểu học mean the same book.
"""
from __future__ import annotations

from dataclasses import replace

from services.documents.domain.catalog_model import (
    MIB, BookType, Cadence, Catalog, Item, OwnerKind as O, PeriodKind as P, Signer,
)
from services.documents.domain.catalog_tieu_hoc import BOOKS as TIEU_HOC_BOOKS, CHAIN_HIEU_TRUONG, OFFICE

TT32 = "Thông tư 32/2020/TT-BGDĐT, Điều 21"
_SHARED = ("so_dang_bo", "hoc_ba", "ke_hoach_chien_luoc", "ke_hoach_giao_duc_truong", "so_quan_ly_can_bo",
           "ho_so_pho_cap", "ho_so_tai_chinh", "so_van_ban", "ho_so_khuyet_tat", "ke_hoach_to",
           "so_hoat_dong_to", "ke_hoach_day_hoc_gv", "ke_hoach_bai_day", "so_shcm", "so_chu_nhiem",
           "so_cong_tac_doi")


def _rebased(book: BookType) -> BookType:
    basis = book.legal_basis.replace("Thông tư 28/2020/TT-BGDĐT, Điều 21", TT32)
    if book.slug == "hoc_ba":
        basis = f"{TT32} khoản 1 điểm b; Thông tư 22/2021/TT-BGDĐT"
    if book.slug == "ke_hoach_day_hoc_gv":
        book = replace(book, name="Kế hoạch giáo dục của giáo viên")
    return replace(book, legal_basis=basis)


_BY_SLUG = {b.slug: b for b in TIEU_HOC_BOOKS}

BOOKS: tuple[BookType, ...] = tuple(_rebased(_BY_SLUG[s]) for s in _SHARED) + (
    BookType(
        slug="so_theo_doi_danh_gia", name="Sổ theo dõi và đánh giá học sinh (theo lớp học)",
        legal_basis=f"{TT32} khoản 1 điểm c; Thông tư 22/2021/TT-BGDĐT",
        owner_kind=O.CLASS, owner_roles=("gvcn",), owner_text="Giáo viên chủ nhiệm, giáo viên bộ môn nhập điểm",
        contributors=("giao_vien",), cadence=Cadence.SEMESTER,
        approval_chain=CHAIN_HIEU_TRUONG, signers=(Signer(1, "gvcn"), Signer(2, "hieu_truong")),
        formats=OFFICE, max_bytes=30 * MIB, retention_years=None,
        # event-relative items named like the calendar's points: due on the day the frame dates them
        items=(Item("ket_thuc_hk1", "Cuối học kỳ I", P.EVENT), Item("ket_thuc_nam_hoc", "Cuối năm học", P.EVENT)),
    ),
)

CATALOG_THCS = Catalog(education_level="thcs", books=BOOKS)
CATALOG_THPT = Catalog(education_level="thpt", books=BOOKS)
