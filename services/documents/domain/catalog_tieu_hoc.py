"""Seeded catalog for tiểu học: Thông tư 28/2020/TT-BGDĐT Điều 21 and the district/school
guidance in seeds 000, 001, 002 (every row of DOMAIN.md's table).

Slugs are identical to DOMAIN.md's; item slugs are the keys of approvals' deadline rules (when an
item is due is approvals' fact, ``services/approvals/domain/default_rules.py``, not the catalog's).
Approvals derives obligations and default chains from ``GET /api/v1/internal/schools/<id>/catalog``.
``signers`` are the digital signatures a book needs after approval (học bạ, bảng tổng hợp, sổ
đăng bộ); a book only approved lists none.
"""
from __future__ import annotations

from dataclasses import replace

from services.documents.domain.catalog_model import (
    GIB, MIB, BookType, Cadence, Catalog, Item, OwnerKind as O, PeriodKind as P, Signer,
)

TT28 = "Thông tư 28/2020/TT-BGDĐT, Điều 21"
OFFICE = frozenset({"pdf", "docx", "xlsx"})
DOCS = frozenset({"pdf", "docx"})
SCANS = frozenset({"pdf", "jpeg", "png"})
PDF = frozenset({"pdf"})

#: Approval chain names; approvals maps each to its stages (``services/approvals/domain/catalog.py``).
CHAIN_TO_TRUONG = "to_truong"          # teacher books → tổ trưởng (or tổ phó by delegation)
CHAIN_PHT = "pho_hieu_truong"          # tổ books → PHT
CHAIN_HIEU_TRUONG = "hieu_truong"      # Đội and tổ văn phòng books → principal (or PHT by delegation)
CHAIN_HOC_BA = "hoc_ba"                # PHT checks → principal approves and signs → văn thư issues
CHAIN_HOI_DONG = "hoi_dong_truong"     # school council, then district approval
CHAIN_NONE = "khong"                   # no approval


BOOKS: tuple[BookType, ...] = (
    BookType(
        slug="so_dang_bo", name="Sổ đăng bộ", legal_basis=TT28 + " khoản 1 điểm a",
        owner_kind=O.SCHOOL, owner_roles=("van_thu",), owner_text="Văn thư, cùng các giáo viên chủ nhiệm",
        contributors=("gvcn",), cadence=Cadence.EVENT,
        approval_chain=CHAIN_HIEU_TRUONG,
        signers=(Signer(1, "hieu_truong"), Signer(2, "van_thu", "organisation")),
        formats=SCANS | {"xlsx"}, max_bytes=2 * GIB, retention_years=None, print_format="A3",
    ),
    BookType(
        slug="hoc_ba", name="Học bạ", legal_basis=TT28 + " khoản 1 điểm b; Thông tư 27/2020/TT-BGDĐT",
        owner_kind=O.CLASS, owner_roles=("gvcn",), owner_text="Giáo viên chủ nhiệm nhập",
        cadence=Cadence.EVENT,
        approval_chain=CHAIN_HOC_BA,
        signers=(Signer(1, "gvcn"), Signer(2, "hieu_truong"), Signer(3, "van_thu", "organisation")),
        formats=PDF, max_bytes=50 * MIB, retention_years=None,
    ),
    BookType(
        slug="bang_tong_hop", name="Bảng tổng hợp kết quả đánh giá giáo dục của lớp",
        legal_basis=TT28 + " khoản 1 điểm c; Thông tư 27/2020/TT-BGDĐT",
        owner_kind=O.CLASS, owner_roles=("gvcn",), owner_text="Giáo viên chủ nhiệm",
        cadence=Cadence.EVENT,
        approval_chain=CHAIN_HIEU_TRUONG,
        signers=(Signer(1, "gvcn"), Signer(2, "hieu_truong")),
        formats=OFFICE, max_bytes=20 * MIB, retention_years=None,
    ),
    BookType(
        slug="ke_hoach_chien_luoc", name="Kế hoạch chiến lược phát triển nhà trường (5 năm)",
        legal_basis=TT28 + " khoản 1 điểm d",
        owner_kind=O.SCHOOL, owner_roles=("hieu_truong",), owner_text="Hiệu trưởng",
        cadence=Cadence.SCHOOL_YEAR,
        approval_chain=CHAIN_NONE, signers=(),
        formats=DOCS, max_bytes=50 * MIB, retention_years=None,
    ),
    BookType(
        slug="ke_hoach_giao_duc_truong", name="Kế hoạch giáo dục nhà trường (năm học)",
        legal_basis=TT28 + " khoản 1 điểm d; Thông tư 32/2020",
        owner_kind=O.SCHOOL, owner_roles=("hieu_truong",), owner_text="Hiệu trưởng",
        cadence=Cadence.SCHOOL_YEAR,
        approval_chain=CHAIN_HOI_DONG, signers=(),
        formats=DOCS, max_bytes=50 * MIB, retention_years=20,
    ),
    BookType(
        slug="so_quan_ly_can_bo", name="Sổ quản lý cán bộ, giáo viên, nhân viên",
        legal_basis=TT28 + " khoản 1 điểm đ",
        owner_kind=O.SCHOOL, owner_roles=("van_thu",), owner_text="Văn thư",
        cadence=Cadence.EVENT,
        approval_chain=CHAIN_HIEU_TRUONG, signers=(),
        formats=OFFICE, max_bytes=50 * MIB, retention_years=None,
    ),
    BookType(
        slug="ho_so_pho_cap", name="Hồ sơ phổ cập giáo dục", legal_basis=TT28 + " khoản 1 điểm e",
        owner_kind=O.SCHOOL, owner_roles=("pho_hieu_truong",), owner_text="Phó hiệu trưởng",
        cadence=Cadence.EVENT,
        approval_chain=CHAIN_NONE, signers=(),
        formats=OFFICE, max_bytes=100 * MIB, retention_years=20,
    ),
    BookType(
        slug="ho_so_tai_chinh", name="Hồ sơ quản lý tài sản, tài chính", legal_basis=TT28 + " khoản 1 điểm g",
        owner_kind=O.SCHOOL, owner_roles=("ke_toan",), owner_text="Kế toán",
        cadence=Cadence.MONTH,
        approval_chain=CHAIN_HIEU_TRUONG, signers=(),
        formats=OFFICE | {"jpeg", "png"}, max_bytes=100 * MIB, retention_years=10,
    ),
    BookType(
        slug="so_van_ban", name="Sổ quản lý văn bản đi, đến", legal_basis=TT28 + " khoản 1 điểm h",
        owner_kind=O.SCHOOL, owner_roles=("van_thu",), owner_text="Văn thư",
        cadence=Cadence.CONTINUOUS,
        approval_chain=CHAIN_NONE, signers=(),
        formats=OFFICE | {"jpeg", "png"}, max_bytes=50 * MIB, retention_years=20,
    ),
    BookType(
        slug="ho_so_khuyet_tat", name="Hồ sơ giáo dục học sinh khuyết tật", legal_basis=TT28 + " khoản 1 điểm i",
        owner_kind=O.PERSON, owner_roles=("giao_vien",), owner_text="Giáo viên; Phó hiệu trưởng quản lý",
        contributors=("pho_hieu_truong",), cadence=Cadence.SEMESTER,
        approval_chain=CHAIN_PHT, signers=(),
        formats=DOCS, max_bytes=50 * MIB, retention_years=10,
    ),
    BookType(
        slug="ke_hoach_to", name="Kế hoạch dạy học môn học, hoạt động giáo dục của tổ",
        legal_basis=TT28 + " khoản 2 điểm a",
        owner_kind=O.UNIT, owner_roles=("to_truong",), owner_text="Tổ trưởng", cadence=Cadence.SCHOOL_YEAR,
        approval_chain=CHAIN_PHT, signers=(),
        formats=DOCS, max_bytes=50 * MIB, retention_years=10,
    ),
    BookType(
        slug="so_hoat_dong_to", name="Sổ ghi chép hoạt động của tổ", legal_basis=TT28 + " khoản 2 điểm b",
        owner_kind=O.UNIT, owner_roles=("to_truong",), owner_text="Tổ trưởng", cadence=Cadence.MONTH,
        approval_chain=CHAIN_PHT, signers=(),
        formats=DOCS | {"jpeg", "png"}, max_bytes=50 * MIB, retention_years=10,
    ),
    BookType(
        slug="ke_hoach_day_hoc_gv", name="Kế hoạch dạy học (phân phối chương trình) của giáo viên",
        legal_basis=TT28 + " khoản 3 điểm a",
        owner_kind=O.PERSON, owner_roles=("giao_vien",), owner_text="Giáo viên", cadence=Cadence.SCHOOL_YEAR,
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=DOCS, max_bytes=50 * MIB, retention_years=5,
    ),
    BookType(
        slug="ke_hoach_bai_day", name="Kế hoạch bài dạy", legal_basis=TT28 + " khoản 3 điểm b",
        owner_kind=O.PERSON, owner_roles=("giao_vien",), owner_text="Giáo viên", cadence=Cadence.WEEK,
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=DOCS, max_bytes=30 * MIB, retention_years=5,
    ),
    BookType(
        slug="so_shcm", name="Sổ ghi chép sinh hoạt chuyên môn, dự giờ, theo dõi đánh giá",
        legal_basis=TT28 + " khoản 3 điểm c",
        owner_kind=O.PERSON, owner_roles=("giao_vien",), owner_text="Giáo viên", cadence=Cadence.MONTH,
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=SCANS, max_bytes=200 * MIB, retention_years=5,
    ),
    BookType(
        slug="so_chu_nhiem", name="Sổ chủ nhiệm", legal_basis=TT28 + " khoản 3 điểm d",
        owner_kind=O.CLASS, owner_roles=("gvcn",), owner_text="Giáo viên chủ nhiệm", cadence=Cadence.MONTH,
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=DOCS | {"jpeg", "png"}, max_bytes=50 * MIB, retention_years=5,
    ),
    BookType(
        slug="so_cong_tac_doi", name="Sổ công tác Đội", legal_basis=TT28 + "; Điều lệ Đội TNTP Hồ Chí Minh",
        owner_kind=O.SCHOOL, owner_roles=("tong_phu_trach",), owner_text="Tổng phụ trách Đội",
        cadence=Cadence.MONTH,
        approval_chain=CHAIN_HIEU_TRUONG, signers=(),
        formats=DOCS | {"jpeg", "png"}, max_bytes=50 * MIB, retention_years=5,
    ),
)

_Y, _E, _M, _W, _S = P.YEAR, P.EVENT, P.MONTH, P.WEEK, P.SEMESTER
ITEMS: dict[str, tuple[Item, ...]] = {
    "so_dang_bo": (Item("dau_nam", "Đầu năm học", _Y), Item("giua_nam", "Giữa năm học", _E),
                   Item("cuoi_nam", "Cuối năm học", _E)),
    "hoc_ba": (Item("cuoi_hk1", "Đánh giá cuối học kỳ I", _E), Item("cuoi_nam", "Đánh giá cuối năm học", _Y)),
    "bang_tong_hop": (Item("giua_hk1", "Giữa học kỳ I", _E), Item("cuoi_hk1", "Cuối học kỳ I", _E),
                      Item("giua_hk2", "Giữa học kỳ II", _E), Item("cuoi_nam", "Cuối năm học", _Y)),
    "ke_hoach_chien_luoc": (Item("ra_soat", "Rà soát hằng năm", _Y),),
    "ke_hoach_giao_duc_truong": (Item("ke_hoach_nam", "Kế hoạch năm học", _Y),),
    "so_quan_ly_can_bo": (Item("dau_nam", "Đầu năm học", _Y), Item("giua_nam", "Giữa năm học", _E),
                          Item("cuoi_nam", "Cuối năm học", _E)),
    "ho_so_pho_cap": (Item("khi_co_yeu_cau", "Khi cấp trên yêu cầu", _E),),
    "ho_so_tai_chinh": (Item("hang_thang", "Hằng tháng", _M), Item("hang_quy", "Báo cáo quý", _M),
                        Item("cuoi_nam_tai_chinh", "Cuối năm tài chính", _Y)),
    "so_van_ban": (Item("khi_phat_sinh", "Khi có văn bản đi, đến", _E),),
    "ho_so_khuyet_tat": (Item("ke_hoach_nam", "Danh sách, kế hoạch năm và học kỳ I", _Y),
                         Item("ke_hoach_hk2", "Kế hoạch học kỳ II", _Y)),
    "ke_hoach_to": (Item("bao_cao", "Báo cáo kế hoạch", _Y), Item("hoan_thien", "Hoàn thiện trên hệ thống", _Y)),
    "so_hoat_dong_to": (Item("ke_hoach_thang", "Kế hoạch tháng", _M),
                        Item("bien_ban_giua_thang", "Biên bản sinh hoạt giữa tháng", _M),
                        Item("bien_ban_cuoi_thang", "Biên bản sinh hoạt cuối tháng", _M)),
    "ke_hoach_day_hoc_gv": (Item("ke_hoach_nam", "Kế hoạch năm học", _Y),),
    "ke_hoach_bai_day": (Item("hang_tuan", "Kế hoạch bài dạy hằng tuần", _W),),
    "so_shcm": (Item("hang_thang", "Bản quét hằng tháng", _M),),
    "so_chu_nhiem": (Item("hang_thang", "Cập nhật hằng tháng", _M),),
    "so_cong_tac_doi": (Item("chuong_trinh_nam", "Chương trình công tác năm", _E),
                        Item("ke_hoach_thang", "Kế hoạch tháng", _M), Item("ban_giao", "Bàn giao cuối năm", _E)),
}
BOOKS = tuple(replace(b, items=ITEMS[b.slug], per_document=b.slug == "hoc_ba") for b in BOOKS)

CATALOG = Catalog(education_level="tieu_hoc", books=BOOKS)
