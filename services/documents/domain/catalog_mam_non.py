"""Seeded catalog for mầm non: Thông tư 52/2020/TT-BGDĐT Điều 21 (11 books), with the
school guidance of seeds 003 and 004 (plans uploaded on Saturday or Sunday and approved
by the tổ trưởng before use; the tổ plan approved by the principal in September; minutes
right after each meeting; the documents register updated daily). Child tracking,
phổ cập and accreditation live in other national systems: they stay in the catalog so
the folder tree is complete, marked with the system that holds them.
"""
from __future__ import annotations

from dataclasses import replace

from services.documents.domain.catalog_model import (
    MIB, BookType, Cadence, Catalog, Deadline, DeadlineKind as K, Item, OwnerKind as O, PeriodKind as P,
)
from services.documents.domain.catalog_tieu_hoc import (
    CHAIN_HIEU_TRUONG, CHAIN_NONE, CHAIN_TO_TRUONG, DOCS, OFFICE, SCANS,
)

TT52 = "Thông tư 52/2020/TT-BGDĐT, Điều 21"
WEEKEND = Deadline(K.WEEKDAY_WINDOW, "Tải lên trong ngày thứ Bảy hoặc Chủ nhật; được tổ trưởng duyệt trước khi thực hiện",
                   (("weekdays", (5, 6)),))


def _school_book(slug: str, name: str, clause: str, roles: tuple[str, ...], owner_text: str, cadence: Cadence,
                 deadline: Deadline, *, external: str | None = None, chain: str = CHAIN_HIEU_TRUONG,
                 retention: int | None = 20) -> BookType:
    return BookType(slug=slug, name=name, legal_basis=f"{TT52} khoản 1 {clause}", owner_kind=O.SCHOOL,
                    owner_roles=roles, owner_text=owner_text, cadence=cadence, deadlines=(deadline,),
                    approval_chain=chain, signers=(), formats=OFFICE | {"jpeg", "png"},
                    max_bytes=100 * MIB, retention_years=retention, external_system=external)


BOOKS: tuple[BookType, ...] = (
    _school_book("ho_so_pho_cap", "Hồ sơ phổ cập giáo dục mầm non", "điểm a", ("pho_hieu_truong",),
                 "Phó hiệu trưởng", Cadence.EVENT,
                 Deadline(K.WHEN_ASKED, "Khi cấp trên yêu cầu"), external="pcgd.moet.gov.vn", chain=CHAIN_NONE),
    _school_book("ho_so_quan_ly_tre", "Hồ sơ quản lý trẻ em", "điểm b", ("van_thu",), "Văn thư",
                 Cadence.EVENT, Deadline(K.ON_EVENT, "Đầu khóa, từng năm học và khi chuyển trường",
                                         (("moments", ("dau_khoa", "dau_nam", "chuyen_truong")),)),
                 external="CSDL ngành", retention=None),
    _school_book("so_quan_ly_can_bo", "Hồ sơ quản lý nhân sự", "điểm c", ("van_thu",), "Văn thư",
                 Cadence.EVENT, Deadline(K.ON_EVENT, "Khi có thay đổi", (("event", "thay_doi"),)), retention=None),
    _school_book("ke_hoach_giao_duc_truong", "Kế hoạch nuôi dưỡng, chăm sóc, giáo dục trẻ em theo năm học",
                 "điểm d", ("hieu_truong",), "Hiệu trưởng", Cadence.SCHOOL_YEAR,
                 Deadline(K.FIXED_DATE, "Đầu năm học, trước ngày 30/9", (("day", 30), ("month", 9)))),
    _school_book("so_van_ban", "Sổ theo dõi công văn đi, đến", "điểm đ", ("van_thu",), "Văn thư",
                 Cadence.CONTINUOUS, Deadline(K.ON_EVENT, "Cập nhật hằng ngày", (("event", "hang_ngay"),)),
                 chain=CHAIN_NONE),
    _school_book("ho_so_tai_chinh", "Hồ sơ quản lý tài sản, tài chính", "điểm e", ("ke_toan",), "Kế toán",
                 Cadence.MONTH, Deadline(K.MONTHLY, "Hằng tháng", (("day", "last"),)), retention=10),
    _school_book("ho_so_kiem_dinh", "Hồ sơ kiểm định chất lượng giáo dục và đạt chuẩn quốc gia", "điểm g",
                 ("hieu_truong",), "Hiệu trưởng", Cadence.SCHOOL_YEAR,
                 Deadline(K.WHEN_ASKED, "Theo kế hoạch tự đánh giá của nhà trường"), external="vnEdu",
                 chain=CHAIN_NONE),
    BookType(
        slug="ke_hoach_to", name="Kế hoạch hoạt động chuyên môn của tổ", legal_basis=f"{TT52} khoản 2 điểm a",
        owner_kind=O.UNIT, owner_roles=("to_truong",), owner_text="Tổ trưởng", cadence=Cadence.SCHOOL_YEAR,
        deadlines=(Deadline(K.FIXED_DATE, "Được Ban giám hiệu phê duyệt trong tháng 9", (("day", 30), ("month", 9))),),
        approval_chain=CHAIN_HIEU_TRUONG, signers=(),
        formats=DOCS, max_bytes=50 * MIB, retention_years=10,
    ),
    BookType(
        slug="so_hoat_dong_to", name="Sổ ghi chép sinh hoạt chuyên môn của tổ (biên bản họp)",
        legal_basis=f"{TT52} khoản 2 điểm b", owner_kind=O.UNIT, owner_roles=("to_truong",),
        owner_text="Tổ trưởng", cadence=Cadence.EVENT,
        deadlines=(Deadline(K.ON_EVENT, "Ngay sau mỗi buổi họp", (("event", "hop_to"),)),),
        approval_chain=CHAIN_HIEU_TRUONG, signers=(),
        formats=DOCS | {"jpeg", "png"}, max_bytes=50 * MIB, retention_years=10,
    ),
    BookType(
        slug="ke_hoach_giao_duc", name="Kế hoạch giáo dục (năm, chủ đề/tháng, tuần, ngày)",
        legal_basis=f"{TT52} khoản 3 điểm a", owner_kind=O.PERSON, owner_roles=("giao_vien",),
        owner_text="Giáo viên", cadence=Cadence.WEEK, deadlines=(WEEKEND,),
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=DOCS, max_bytes=30 * MIB, retention_years=5,
    ),
    BookType(
        slug="so_theo_doi_tre", name="Sổ theo dõi trẻ (đánh giá trẻ hằng ngày)", legal_basis=f"{TT52} khoản 3 điểm b",
        owner_kind=O.CLASS, owner_roles=("gvcn",), owner_text="Giáo viên phụ trách lớp", cadence=Cadence.MONTH,
        deadlines=(Deadline(K.MONTHLY, "Cập nhật hằng ngày, tổng hợp cuối tháng", (("day", "last"),)),),
        approval_chain=CHAIN_TO_TRUONG, signers=(),
        formats=SCANS | {"docx"}, max_bytes=100 * MIB, retention_years=5, external_system="CSDL ngành",
    ),
)

ITEMS: dict[str, tuple[Item, ...]] = {
    "so_quan_ly_can_bo": (Item("dau_nam", "Đầu năm học", P.YEAR), Item("giua_nam", "Giữa năm học", P.EVENT),
                          Item("cuoi_nam", "Cuối năm học", P.EVENT)),
    "ke_hoach_giao_duc_truong": (Item("ke_hoach_nam", "Kế hoạch năm học", P.YEAR),),
    "so_van_ban": (Item("khi_phat_sinh", "Khi có công văn đi, đến", P.EVENT),),
    "ho_so_tai_chinh": (Item("hang_thang", "Hằng tháng", P.MONTH),),
    "ke_hoach_to": (Item("hoan_thien", "Kế hoạch năm học của tổ", P.YEAR),),
    "so_hoat_dong_to": (Item("bien_ban_hop", "Biên bản sau mỗi buổi họp", P.EVENT),),
    "ke_hoach_giao_duc": (Item("hang_tuan", "Kế hoạch giáo dục tuần", P.WEEK),),
}
BOOKS = tuple(replace(b, items=ITEMS.get(b.slug, ())) for b in BOOKS)

CATALOG = Catalog(education_level="mam_non", books=BOOKS)
