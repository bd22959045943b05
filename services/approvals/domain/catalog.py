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
from services.approvals.domain.calendar import CLOSING, END_OF_SEMESTER_1
from services.approvals.domain.deadlines import DeadlineRule, parse_rule

MID_SEMESTER_1 = "giua_hk1"
MID_SEMESTER_2 = "giua_hk2"
DAI_HOI_LIEN_DOI = "dai_hoi_lien_doi"
LE_TONG_KET = "le_tong_ket"


@dataclass(frozen=True)
class DeadlineItem:
    """One scheduled part of a book (e.g. the monthly plan of Sổ công tác Đội)."""

    slug: str
    label: str
    floor: DeadlineRule
    school_default: DeadlineRule
    approval_floor: DeadlineRule | None = None  # by when it must be approved, not only submitted


@dataclass(frozen=True)
class Book:
    slug: str
    name: str
    owner: str
    items: tuple[DeadlineItem, ...]
    chain: ChainSpec
    unit_chains: dict[str, ChainSpec] = field(default_factory=dict)  # per unit kind (to_van_phong)
    level_floors: dict[str, dict[str, DeadlineRule]] = field(default_factory=dict)  # level → item → floor
    per_document: bool = False  # one submission per document for the same obligation (a học bạ per student)

    def item(self, slug: str) -> DeadlineItem | None:
        return next((i for i in self.items if i.slug == slug), None)


def _r(**data: object) -> DeadlineRule:
    return parse_rule(data)


def _same(slug: str, label: str, rule: DeadlineRule, approval: DeadlineRule | None = None) -> DeadlineItem:
    return DeadlineItem(slug, label, rule, rule, approval)


def _chain(*stages: list[dict], signing: list[dict] | None = None, issue_role: str | None = None) -> ChainSpec:
    return parse_chain({"stages": [list(s) for s in stages], "signing": signing or [], "issue_role": issue_role})


TO_TRUONG_WITH_PHT_CHECK = _chain([{"role": "to_truong", "scope": "unit"},
                                   {"role": "pho_hieu_truong", "mode": "check"}])
PRINCIPAL = _chain([{"role": "hieu_truong"}])
PHT = _chain([{"role": "pho_hieu_truong"}])
NONE = _chain()

BOOKS: dict[str, Book] = {b.slug: b for b in (
    Book("so_dang_bo", "Sổ đăng bộ", "van_thu", (
        _same("dau_nam", "Đầu năm học", _r(kind="fixed_date", month=9, day=30)),
        _same("giua_nam", "Giữa năm học", _r(kind="after_event", event=END_OF_SEMESTER_1, days=0)),
        _same("cuoi_nam", "Cuối năm học", _r(kind="after_event", event=CLOSING, days=0)),
    ), PRINCIPAL),
    Book("hoc_ba", "Học bạ", "gvcn", (
        _same("cuoi_hk1", "Đánh giá cuối học kỳ I", _r(kind="after_event", event=END_OF_SEMESTER_1, days=7)),
        _same("cuoi_nam", "Đánh giá cuối năm học", _r(kind="fixed_date", month=5, day=31)),
    ), _chain([{"role": "pho_hieu_truong", "mode": "check"}], [{"role": "hieu_truong"}],
              signing=[{"order": 1, "role": "gvcn", "signer": "submitter"},
                       {"order": 2, "role": "hieu_truong"}, {"order": 3, "role": "van_thu", "organisation": True}],
              issue_role="van_thu"), per_document=True),
    Book("bang_tong_hop", "Bảng tổng hợp kết quả đánh giá giáo dục của lớp", "gvcn", (
        _same("giua_hk1", "Giữa học kỳ I", _r(kind="after_event", event=MID_SEMESTER_1, days=7)),
        _same("cuoi_hk1", "Cuối học kỳ I", _r(kind="after_event", event=END_OF_SEMESTER_1, days=7)),
        _same("giua_hk2", "Giữa học kỳ II", _r(kind="after_event", event=MID_SEMESTER_2, days=7)),
        _same("cuoi_nam", "Cuối năm học", _r(kind="fixed_date", month=5, day=31)),
    ), _chain([{"role": "hieu_truong"}], signing=[{"order": 1, "role": "gvcn", "signer": "submitter"},
                                                 {"order": 2, "role": "hieu_truong"}])),
    Book("ke_hoach_chien_luoc", "Kế hoạch chiến lược", "hieu_truong", (
        _same("ra_soat", "Rà soát hằng năm", _r(kind="fixed_date", month=10, day=31)),
    ), NONE),
    Book("ke_hoach_giao_duc_truong", "Kế hoạch giáo dục nhà trường", "hieu_truong", (
        DeadlineItem("ke_hoach_nam", "Kế hoạch năm học", _r(kind="fixed_date", month=9, day=5),
                     _r(kind="fixed_date", month=8, day=31)),
    ), NONE),
    Book("so_quan_ly_can_bo", "Sổ quản lý cán bộ, giáo viên, nhân viên", "van_thu", (
        _same("dau_nam", "Đầu năm học", _r(kind="fixed_date", month=9, day=30)),
        _same("giua_nam", "Giữa năm học", _r(kind="after_event", event=END_OF_SEMESTER_1, days=0)),
        _same("cuoi_nam", "Cuối năm học", _r(kind="after_event", event=CLOSING, days=0)),
    ), PRINCIPAL),
    Book("ho_so_pho_cap", "Hồ sơ phổ cập giáo dục", "pho_hieu_truong", (
        _same("khi_co_yeu_cau", "Khi cấp trên yêu cầu", _r(kind="on_demand")),
    ), NONE),
    Book("ho_so_tai_chinh", "Hồ sơ tài sản, tài chính", "ke_toan", (
        _same("hang_thang", "Hằng tháng", _r(kind="monthly_last_day")),
    ), PRINCIPAL),
    Book("so_van_ban", "Sổ quản lý văn bản đi, đến", "van_thu", (
        _same("khi_phat_sinh", "Khi có văn bản đi, đến", _r(kind="on_demand")),
    ), NONE),
    Book("ho_so_khuyet_tat", "Hồ sơ giáo dục học sinh khuyết tật", "gvcn", (
        DeadlineItem("ke_hoach_nam", "Danh sách, kế hoạch năm và học kỳ I",
                     _r(kind="monthly_end_of_week", week=3, months=[9]),
                     _r(kind="monthly_end_of_week", week=2, months=[9])),
        _same("ke_hoach_hk2", "Kế hoạch học kỳ II", _r(kind="school_week", week=19)),
    ), PHT),
    Book("ke_hoach_to", "Kế hoạch dạy học môn học, hoạt động giáo dục của tổ", "unit", (
        DeadlineItem("bao_cao", "Báo cáo kế hoạch", _r(kind="fixed_date", month=9, day=5),
                     _r(kind="fixed_date", month=9, day=3)),
        _same("hoan_thien", "Hoàn thiện trên hệ thống", _r(kind="fixed_date", month=9, day=20)),
    ), PHT, unit_chains={"to_van_phong": PRINCIPAL}),
    Book("so_hoat_dong_to", "Sổ ghi chép hoạt động của tổ", "unit", (
        _same("ke_hoach_thang", "Kế hoạch tháng", _r(kind="monthly_end_of_week", week=1)),
        _same("bien_ban_giua_thang", "Biên bản sinh hoạt giữa tháng", _r(kind="monthly_end_of_week", week=2)),
        _same("bien_ban_cuoi_thang", "Biên bản sinh hoạt cuối tháng", _r(kind="monthly_last_day")),
    ), PHT, unit_chains={"to_van_phong": PRINCIPAL}),
    Book("ke_hoach_day_hoc_gv", "Kế hoạch dạy học của giáo viên", "teacher", (
        _same("ke_hoach_nam", "Kế hoạch năm học", _r(kind="fixed_date", month=9, day=20)),
    ), TO_TRUONG_WITH_PHT_CHECK),
    Book("ke_hoach_bai_day", "Kế hoạch bài dạy", "teacher", (
        _same("hang_tuan", "Kế hoạch bài dạy hằng tuần", _r(kind="weekly_before_teaching", weekday=4, weeks_before=1),
              _r(kind="days_before_teaching", days=3)),
    ), TO_TRUONG_WITH_PHT_CHECK,
        level_floors={"mam_non": {"hang_tuan": _r(kind="weekday_window", start_weekday=5, end_weekday=6)}}),
    Book("so_shcm", "Sổ ghi chép sinh hoạt chuyên môn, dự giờ", "teacher", (
        _same("hang_thang", "Bản quét hằng tháng", _r(kind="monthly_last_day")),
    ), TO_TRUONG_WITH_PHT_CHECK),
    Book("so_chu_nhiem", "Sổ chủ nhiệm", "gvcn", (
        _same("hang_thang", "Cập nhật hằng tháng",
              _r(kind="monthly_first_weekday", weekday=0, not_before={"month": 9, "day": 20})),
    ), TO_TRUONG_WITH_PHT_CHECK),
    Book("so_cong_tac_doi", "Sổ công tác Đội", "tong_phu_trach", (
        _same("chuong_trinh_nam", "Chương trình công tác năm", _r(kind="after_event", event=DAI_HOI_LIEN_DOI, days=2)),
        _same("ke_hoach_thang", "Kế hoạch tháng", _r(kind="monthly_day", day=1)),
        _same("ban_giao", "Bàn giao cuối năm", _r(kind="after_event", event=LE_TONG_KET, days=0)),
    ), PRINCIPAL),
)}


def floor_rule(book: Book, item: DeadlineItem, levels: tuple[str, ...]) -> DeadlineRule:
    """The district floor of an item for a school of these levels (mầm non plans weekly on a weekend)."""
    for level in levels:
        rule = book.level_floors.get(level, {}).get(item.slug)
        if rule is not None:
            return rule
    return item.floor


def default_school_rule(book: Book, item: DeadlineItem, levels: tuple[str, ...]) -> DeadlineRule:
    for level in levels:
        rule = book.level_floors.get(level, {}).get(item.slug)
        if rule is not None:
            return rule
    return item.school_default


def default_chain(book: Book, unit_kind: str | None) -> ChainSpec:
    if unit_kind is not None and unit_kind in book.unit_chains:
        return book.unit_chains[unit_kind]
    return book.chain
