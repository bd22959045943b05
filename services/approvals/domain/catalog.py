"""The books the approvals service knows, who owes them, and the default rules and chains.

Book slugs are those of ../shared/DOMAIN.md (the documents service's catalog uses
the same). This is the approvals service's own copy of the defaults, seeded from the
regulatory documents: the *district floor* per book and deadline item (Phòng GD&ĐT,
001 Điều 12), the *school default* a new school starts from (000, 002, 003, 004),
and the default approval chain (000 §3.5).

Who owes a book (``owner``):

* ``teacher`` — every giáo viên (per person);
* ``gvcn`` — every giáo viên chủ nhiệm (per person, for their class);
* ``unit`` — every tổ (tổ chuyên môn and tổ văn phòng), submitted by its tổ trưởng;
* a role slug — every holder of that school-wide role (per person).

A book marked ``per_document`` takes one submission per document for the same obligation:
a GVCN owes the class's học bạ for a period and submits one học bạ per student, each
running its own chain.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.approvals.domain.chains import ChainSpec, parse_chain
from services.approvals.domain.deadlines import DeadlineRule
from services.approvals.domain.default_rules import RULES, ItemRules


@dataclass(frozen=True)
class DeadlineItem:
    """One scheduled part of a book (e.g. the monthly plan of Sổ công tác Đội); its rules are in ``default_rules``."""

    slug: str
    label: str
    rules: ItemRules

    @property
    def floor(self) -> DeadlineRule:
        return self.rules.floor

    @property
    def school_default(self) -> DeadlineRule:
        return self.rules.school_default or self.rules.floor

    @property
    def approval_floor(self) -> DeadlineRule | None:
        return self.rules.approval_floor


@dataclass(frozen=True)
class Book:
    slug: str
    name: str
    owner: str
    items: tuple[DeadlineItem, ...]
    chain: ChainSpec
    unit_chains: dict[str, ChainSpec] = field(default_factory=dict)  # per unit kind (to_van_phong)
    per_document: bool = False  # one submission per document for the same obligation (a học bạ per student)

    def item(self, slug: str) -> DeadlineItem | None:
        return next((i for i in self.items if i.slug == slug), None)


def _item(book: str, slug: str, label: str) -> DeadlineItem:
    return DeadlineItem(slug, label, RULES[(book, slug)])


def _chain(*stages: list[dict], signing: list[dict] | None = None, issue_role: str | None = None) -> ChainSpec:
    return parse_chain({"stages": [list(s) for s in stages], "signing": signing or [], "issue_role": issue_role})


TO_TRUONG_WITH_PHT_CHECK = _chain([{"role": "to_truong", "scope": "unit"},
                                   {"role": "pho_hieu_truong", "mode": "check"}])
PRINCIPAL = _chain([{"role": "hieu_truong"}])
PHT = _chain([{"role": "pho_hieu_truong"}])
NONE = _chain()

BOOKS: dict[str, Book] = {b.slug: b for b in (
    Book("so_dang_bo", "Sổ đăng bộ", "van_thu", (
        _item("so_dang_bo", "dau_nam", "Đầu năm học"),
        _item("so_dang_bo", "giua_nam", "Giữa năm học"),
        _item("so_dang_bo", "cuoi_nam", "Cuối năm học"),
    ), PRINCIPAL),
    Book("hoc_ba", "Học bạ", "gvcn", (
        _item("hoc_ba", "cuoi_hk1", "Đánh giá cuối học kỳ I"),
        _item("hoc_ba", "cuoi_nam", "Đánh giá cuối năm học"),
    ), _chain([{"role": "pho_hieu_truong", "mode": "check"}], [{"role": "hieu_truong"}],
              signing=[{"order": 1, "role": "gvcn", "signer": "submitter"},
                       {"order": 2, "role": "hieu_truong"}, {"order": 3, "role": "van_thu", "organisation": True}],
              issue_role="van_thu"), per_document=True),
    Book("bang_tong_hop", "Bảng tổng hợp kết quả đánh giá giáo dục của lớp", "gvcn", (
        _item("bang_tong_hop", "giua_hk1", "Giữa học kỳ I"),
        _item("bang_tong_hop", "cuoi_hk1", "Cuối học kỳ I"),
        _item("bang_tong_hop", "giua_hk2", "Giữa học kỳ II"),
        _item("bang_tong_hop", "cuoi_nam", "Cuối năm học"),
    ), _chain([{"role": "hieu_truong"}], signing=[{"order": 1, "role": "gvcn", "signer": "submitter"},
                                                 {"order": 2, "role": "hieu_truong"}])),
    Book("ke_hoach_chien_luoc", "Kế hoạch chiến lược", "hieu_truong", (
        _item("ke_hoach_chien_luoc", "ra_soat", "Rà soát hằng năm"),
    ), NONE),
    Book("ke_hoach_giao_duc_truong", "Kế hoạch giáo dục nhà trường", "hieu_truong", (
        _item("ke_hoach_giao_duc_truong", "ke_hoach_nam", "Kế hoạch năm học"),
    ), NONE),
    Book("so_quan_ly_can_bo", "Sổ quản lý cán bộ, giáo viên, nhân viên", "van_thu", (
        _item("so_quan_ly_can_bo", "dau_nam", "Đầu năm học"),
        _item("so_quan_ly_can_bo", "giua_nam", "Giữa năm học"),
        _item("so_quan_ly_can_bo", "cuoi_nam", "Cuối năm học"),
    ), PRINCIPAL),
    Book("ho_so_pho_cap", "Hồ sơ phổ cập giáo dục", "pho_hieu_truong", (
        _item("ho_so_pho_cap", "khi_co_yeu_cau", "Khi cấp trên yêu cầu"),
    ), NONE),
    Book("ho_so_tai_chinh", "Hồ sơ tài sản, tài chính", "ke_toan", (
        _item("ho_so_tai_chinh", "hang_thang", "Hằng tháng"),
    ), PRINCIPAL),
    Book("so_van_ban", "Sổ quản lý văn bản đi, đến", "van_thu", (
        _item("so_van_ban", "khi_phat_sinh", "Khi có văn bản đi, đến"),
    ), NONE),
    Book("ho_so_khuyet_tat", "Hồ sơ giáo dục học sinh khuyết tật", "gvcn", (
        _item("ho_so_khuyet_tat", "ke_hoach_nam", "Danh sách, kế hoạch năm và học kỳ I"),
        _item("ho_so_khuyet_tat", "ke_hoach_hk2", "Kế hoạch học kỳ II"),
    ), PHT),
    Book("ke_hoach_to", "Kế hoạch dạy học môn học, hoạt động giáo dục của tổ", "unit", (
        _item("ke_hoach_to", "bao_cao", "Báo cáo kế hoạch"),
        _item("ke_hoach_to", "hoan_thien", "Hoàn thiện trên hệ thống"),
    ), PHT, unit_chains={"to_van_phong": PRINCIPAL}),
    Book("so_hoat_dong_to", "Sổ ghi chép hoạt động của tổ", "unit", (
        _item("so_hoat_dong_to", "ke_hoach_thang", "Kế hoạch tháng"),
        _item("so_hoat_dong_to", "bien_ban_giua_thang", "Biên bản sinh hoạt giữa tháng"),
        _item("so_hoat_dong_to", "bien_ban_cuoi_thang", "Biên bản sinh hoạt cuối tháng"),
    ), PHT, unit_chains={"to_van_phong": PRINCIPAL}),
    Book("ke_hoach_day_hoc_gv", "Kế hoạch dạy học của giáo viên", "teacher", (
        _item("ke_hoach_day_hoc_gv", "ke_hoach_nam", "Kế hoạch năm học"),
    ), TO_TRUONG_WITH_PHT_CHECK),
    Book("ke_hoach_bai_day", "Kế hoạch bài dạy", "teacher", (
        _item("ke_hoach_bai_day", "hang_tuan", "Kế hoạch bài dạy hằng tuần"),
    ), TO_TRUONG_WITH_PHT_CHECK),
    Book("so_shcm", "Sổ ghi chép sinh hoạt chuyên môn, dự giờ", "teacher", (
        _item("so_shcm", "hang_thang", "Bản quét hằng tháng"),
    ), TO_TRUONG_WITH_PHT_CHECK),
    Book("so_chu_nhiem", "Sổ chủ nhiệm", "gvcn", (
        _item("so_chu_nhiem", "hang_thang", "Cập nhật hằng tháng"),
    ), TO_TRUONG_WITH_PHT_CHECK),
    Book("so_cong_tac_doi", "Sổ công tác Đội", "tong_phu_trach", (
        _item("so_cong_tac_doi", "chuong_trinh_nam", "Chương trình công tác năm"),
        _item("so_cong_tac_doi", "ke_hoach_thang", "Kế hoạch tháng"),
        _item("so_cong_tac_doi", "ban_giao", "Bàn giao cuối năm"),
    ), PRINCIPAL),
)}


def floor_rule(book: Book, item: DeadlineItem, levels: tuple[str, ...]) -> DeadlineRule:
    """The district floor of an item for a school of these levels (mầm non plans weekly on a weekend)."""
    return item.rules.floor_for(levels)


def default_school_rule(book: Book, item: DeadlineItem, levels: tuple[str, ...]) -> DeadlineRule:
    return item.rules.default_for(levels)


def default_chain(book: Book, unit_kind: str | None) -> ChainSpec:
    if unit_kind is not None and unit_kind in book.unit_chains:
        return book.unit_chains[unit_kind]
    return book.chain
