"""Seeded catalog for mầm non: Thông tư 52/2020/TT-BGDĐT Điều 21 (11 books) and the items
the school guidance of seeds 003 and 004 names: the teacher's education plan is owed for the
year, per theme/month and per week (the day plans go with their week); the tổ plan once a
year; minutes after each meeting. When each is due (the weekend upload, approval before use,
September for the tổ plan) is approvals' fact (``services/approvals/domain/default_rules.py``).
Child tracking, phổ cập and accreditation live in other national systems: they stay in the
catalog so the folder tree is complete, marked with the system that holds them.
"""
from __future__ import annotations

from dataclasses import replace

from services.documents.domain.catalog_model import (
    MIB, BookType, Cadence, Catalog, Item, OwnerKind as O, PeriodKind as P,
)
from services.documents.domain.catalog_tieu_hoc import (
    CHAIN_HIEU_TRUONG, CHAIN_NONE, CHAIN_TO_TRUONG, DOCS, OFFICE, SCANS,
)

TT52 = "Thông tư 52/2020/TT-BGDĐT, Điều 21"


def _school_book(slug: str, name: str, clause: str, roles: tuple[str, ...], owner_text: str, cadence: Cadence,
                 *, external: str | None = None, chain: str = CHAIN_HIEU_TRUONG,
                 retention: int | None = 20) -> BookType:
    return BookType(slug=slug, name=name, legal_basis=f"{TT52} khoản 1 {clause}", owner_kind=O.SCHOOL,
                    owner_roles=roles, owner_text=owner_text, cadence=cadence,
                    approval_chain=chain, signers=(), formats=OFFICE | {"jpeg", "png"},
                    max_bytes=100 * MIB, retention_years=retention, external_system=external)


BOOKS: tuple[BookType, ...] = (
    _school_book("ho_so_pho_cap", "Hồ sơ phổ cập giáo dục mầm non", "điểm a", ("pho_hieu_truong",),
                 "Phó hiệu trưởng", Cadence.EVENT, external="pcgd.moet.gov.vn", chain=CHAIN_NONE),
    _school_book("ho_so_quan_ly_tre", "Hồ sơ quản lý trẻ em", "điểm b", ("van_thu",), "Văn thư",
                 Cadence.EVENT, external="CSDL ngành", retention=None),
    _school_book("so_quan_ly_can_bo", "Hồ sơ quản lý nhân sự", "điểm c", ("van_thu",), "Văn thư",
                 Cadence.EVENT, retention=None),
    _school_book("ke_hoach_giao_duc_truong", "Kế hoạch nuôi dưỡng, chăm sóc, giáo dục trẻ em theo năm học",
                 "điểm d", ("hieu_truong",), "Hiệu trưởng", Cadence.SCHOOL_YEAR),
    _school_book("so_van_ban", "Sổ theo dõi công văn đi, đến", "điểm đ", ("van_thu",), "Văn thư",
                 Cadence.CONTINUOUS, chain=CHAIN_NONE),
    _school_book("ho_so_tai_chinh", "Hồ sơ quản lý tài sản, tài chính", "điểm e", ("ke_toan",), "Kế toán",
                 Cadence.MONTH, retention=10),
    _school_book("ho_so_kiem_dinh", "Hồ sơ kiểm định chất lượng giáo dục và đạt chuẩn quốc gia", "điểm g",
                 ("hieu_truong",), "Hiệu trưởng", Cadence.SCHOOL_YEAR, external="vnEdu",
                 chain=CHAIN_NONE),
    BookType(
        slug="ke_hoach_to", name="Kế hoạch hoạt động chuyên môn của tổ", legal_basis=f"{TT52} khoản 2 điểm a",
        owner_kind=O.UNIT, owner_roles=("to_truong",), owner_text="Tổ trưởng", cadence=Cadence.SCHOOL_YEAR,
        approval_chain=CHAIN_HIEU_TRUONG, signers=(),
        formats=DOCS, max_bytes=50 * MIB, retention_years=10,
    ),
    BookType(
        slug="so_hoat_dong_to", name="Sổ ghi chép sinh hoạt chuyên môn của tổ (biên bản họp)",
        legal_basis=f"{TT52} khoản 2 điểm b", owner_kind=O.UNIT, owner_roles=("to_truong",),
        owner_text="Tổ trưởng", cadence=Cadence.EVENT,
        approval_chain=CHAIN_HIEU_TRUONG, signers=(),
        formats=DOCS | {"jpeg", "png"}, max_bytes=50 * MIB, retention_years=10,
    ),
    BookType(
        slug="ke_hoach_giao_duc", name="Kế hoạch giáo dục (năm, chủ đề/tháng, tuần, ngày)",
        legal_basis=f"{TT52} khoản 3 điểm a", owner_kind=O.PERSON, owner_roles=("giao_vien",),
        owner_text="Giáo viên", cadence=Cadence.WEEK,
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=DOCS, max_bytes=30 * MIB, retention_years=5,
    ),
    BookType(
        slug="so_theo_doi_tre", name="Sổ theo dõi trẻ (đánh giá trẻ hằng ngày)", legal_basis=f"{TT52} khoản 3 điểm b",
        owner_kind=O.CLASS, owner_roles=("gvcn",), owner_text="Giáo viên phụ trách lớp", cadence=Cadence.MONTH,
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=SCANS | {"docx"}, max_bytes=100 * MIB, retention_years=5, external_system="CSDL ngành",
    ),
)

ITEMS: dict[str, tuple[Item, ...]] = {
    "so_quan_ly_can_bo": (Item("dau_nam", "Đầu năm học", P.YEAR), Item("giua_nam", "Giữa năm học", P.EVENT),
                          Item("cuoi_nam", "Cuối năm học", P.EVENT)),
    "ke_hoach_giao_duc_truong": (Item("ke_hoach_nam", "Kế hoạch năm học", P.YEAR),),
    "so_van_ban": (Item("khi_phat_sinh", "Khi có công văn đi, đến", P.EVENT),),
    "ho_so_tai_chinh": (Item("hang_thang", "Hằng tháng", P.MONTH), Item("hang_quy", "Báo cáo quý", P.MONTH),
                        Item("cuoi_nam_tai_chinh", "Cuối năm tài chính", P.YEAR)),
    "ke_hoach_to": (Item("hoan_thien", "Kế hoạch năm học của tổ", P.YEAR),),
    "so_hoat_dong_to": (Item("bien_ban_hop", "Biên bản sau mỗi buổi họp", P.EVENT),),
    # 003 (“Kế hoạch giáo dục năm học … trình tổ trưởng và lãnh đạo ký duyệt”), 004 Điều 5.1, 7.1 (“kế hoạch
    # giáo dục chủ đề, tuần, ngày”): the year plan, one theme/month plan per month, one week plan (with
    # its day plans) per teaching week.
    "ke_hoach_giao_duc": (Item("ke_hoach_nam", "Kế hoạch giáo dục năm học", P.YEAR),
                          Item("chu_de_thang", "Kế hoạch giáo dục chủ đề/tháng", P.MONTH),
                          Item("hang_tuan", "Kế hoạch giáo dục tuần", P.WEEK)),
}
BOOKS = tuple(replace(b, items=ITEMS.get(b.slug, ())) for b in BOOKS)

CATALOG = Catalog(education_level="mam_non", books=BOOKS)
