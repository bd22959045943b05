"""Approvals' own deadline defaults, keyed by the catalog's book and item slugs.

The catalog (books, items, owners, signers) belongs to documents; what belongs here is
when things are due: the *district floor* per book item (Phòng GD&ĐT, 001 Điều 12), the
*school default* a new school starts from (000, 002, 003, 004), the district's
*approval floor* (by when it must be approved) and *signing floor* (by when every
signature is made) where the seeds set one, and floors that differ by education level.
A ``fixed_date`` rule means “trước ngày X”: due by the end of the day before X.
An item with no row here takes the default of its period kind (``cadence_default``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.approvals.domain.calendar import CLOSING, END_OF_SEMESTER_1
from services.approvals.domain.deadlines import DeadlineRule, parse_rule

MID_SEMESTER_1 = "giua_hk1"
MID_SEMESTER_2 = "giua_hk2"
DAI_HOI_LIEN_DOI = "dai_hoi_lien_doi"
LE_TONG_KET = "le_tong_ket"


@dataclass(frozen=True)
class ItemRules:
    """The seeded rules of one book item."""

    floor: DeadlineRule
    school_default: DeadlineRule | None = None  # None: the floor
    approval_floor: DeadlineRule | None = None  # by when it must be approved, not only submitted
    level_floors: Mapping[str, DeadlineRule] = field(default_factory=dict)  # education level → floor
    level_approval_floors: Mapping[str, DeadlineRule] = field(default_factory=dict)  # level → approval floor
    signing_floor: DeadlineRule | None = None  # by when every signing order has signed

    def approval_for(self, levels: tuple[str, ...]) -> DeadlineRule | None:
        """The approval floor for a school of these levels (mầm non approves on the upload weekend)."""
        return next((self.level_approval_floors[lv] for lv in levels if lv in self.level_approval_floors),
                    self.approval_floor)

    def floor_for(self, levels: tuple[str, ...]) -> DeadlineRule:
        """The district floor for a school of these levels (mầm non plans weekly on a weekend)."""
        return next((self.level_floors[lv] for lv in levels if lv in self.level_floors), self.floor)

    def default_for(self, levels: tuple[str, ...]) -> DeadlineRule:
        """The rule a new school of these levels starts from."""
        level = next((self.level_floors[lv] for lv in levels if lv in self.level_floors), None)
        return level or self.school_default or self.floor


def _r(**data: object) -> DeadlineRule:
    return parse_rule(data)


# “Ký duyệt trước ngày 31/5 hằng năm” (001 Điều 12): every signing order of học bạ and bảng tổng hợp.
_SIGNED_BEFORE_31_5 = _r(kind="fixed_date", month=5, day=31)
# Mầm non: plans uploaded and approved on Saturday or Sunday before the week is used (004 Điều 5.1, 7.1).
_MAM_NON_WEEKEND = _r(kind="weekday_window", start_weekday=5, end_weekday=6)
_MAM_NON_MONTH_WEEKEND = _r(kind="monthly_weekday_window", start_weekday=5, end_weekday=6)
# Mầm non: “được BGH phê duyệt (tháng 9)” (004 Điều 7.2): before 01/10, i.e. by the end of 30/9.
_WITHIN_SEPTEMBER = _r(kind="fixed_date", month=10, day=1)

RULES: dict[tuple[str, str], ItemRules] = {
    ("so_dang_bo", "dau_nam"): ItemRules(floor=_r(kind="fixed_date", month=10, day=1)),
    ("so_dang_bo", "giua_nam"): ItemRules(floor=_r(kind="after_event", event=END_OF_SEMESTER_1, days=0)),
    ("so_dang_bo", "cuoi_nam"): ItemRules(floor=_r(kind="after_event", event=CLOSING, days=0)),
    ("hoc_ba", "cuoi_hk1"): ItemRules(floor=_r(kind="after_event", event=END_OF_SEMESTER_1, days=7),
                                      signing_floor=_SIGNED_BEFORE_31_5),
    ("hoc_ba", "cuoi_nam"): ItemRules(floor=_r(kind="fixed_date", month=5, day=31), signing_floor=_SIGNED_BEFORE_31_5),
    ("bang_tong_hop", "giua_hk1"): ItemRules(floor=_r(kind="after_event", event=MID_SEMESTER_1, days=7),
                                             signing_floor=_SIGNED_BEFORE_31_5),
    ("bang_tong_hop", "cuoi_hk1"): ItemRules(floor=_r(kind="after_event", event=END_OF_SEMESTER_1, days=7),
                                             signing_floor=_SIGNED_BEFORE_31_5),
    ("bang_tong_hop", "giua_hk2"): ItemRules(floor=_r(kind="after_event", event=MID_SEMESTER_2, days=7),
                                             signing_floor=_SIGNED_BEFORE_31_5),
    ("bang_tong_hop", "cuoi_nam"): ItemRules(floor=_r(kind="fixed_date", month=5, day=31),
                                             signing_floor=_SIGNED_BEFORE_31_5),
    ("ke_hoach_chien_luoc", "ra_soat"): ItemRules(floor=_r(kind="fixed_date", month=11, day=1)),
    # 001 Điều 12 (tiểu học only, Điều 1): “kế hoạch giáo dục của nhà trường … phải được nộp và duyệt trên hệ
    # thống trước ngày 05/9”. Mầm non's year plan of the school has no date in 003/004: within September,
    # before the tổ plan that follows it is approved (004 Điều 7.2).
    ("ke_hoach_giao_duc_truong", "ke_hoach_nam"): ItemRules(floor=_r(kind="fixed_date", month=9, day=5), school_default=_r(kind="fixed_date", month=8, day=31),
                                                            level_floors={"mam_non": _WITHIN_SEPTEMBER},
                                                            level_approval_floors={"tieu_hoc": _r(kind="fixed_date", month=9, day=5)}),
    ("so_quan_ly_can_bo", "dau_nam"): ItemRules(floor=_r(kind="fixed_date", month=10, day=1)),
    ("so_quan_ly_can_bo", "giua_nam"): ItemRules(floor=_r(kind="after_event", event=END_OF_SEMESTER_1, days=0)),
    ("so_quan_ly_can_bo", "cuoi_nam"): ItemRules(floor=_r(kind="after_event", event=CLOSING, days=0)),
    ("ho_so_pho_cap", "khi_co_yeu_cau"): ItemRules(floor=_r(kind="on_demand")),
    ("ho_so_tai_chinh", "hang_thang"): ItemRules(floor=_r(kind="monthly_last_day")),
    # 000/002 §f: "cập nhật hàng tháng, quý, cuối năm tài chính": the quarters that end inside the school
    # year (30/9, 31/12, 31/3) and the fiscal year, which ends on 31/12 ("before 01/01": the end of 31/12)
    ("ho_so_tai_chinh", "hang_quy"): ItemRules(floor=_r(kind="monthly_last_day", months=[9, 12, 3])),
    ("ho_so_tai_chinh", "cuoi_nam_tai_chinh"): ItemRules(floor=_r(kind="fixed_date", month=1, day=1)),
    ("so_van_ban", "khi_phat_sinh"): ItemRules(floor=_r(kind="on_demand")),
    ("ho_so_khuyet_tat", "ke_hoach_nam"): ItemRules(floor=_r(kind="monthly_end_of_week", week=3, months=[9]), school_default=_r(kind="monthly_end_of_week", week=2, months=[9])),
    ("ho_so_khuyet_tat", "ke_hoach_hk2"): ItemRules(floor=_r(kind="school_week", week=19)),
    # 001 Điều 12: “nộp và duyệt trên hệ thống trước ngày 05/9” is an approved-by date; the school's own
    # report date (000, 002: trước ngày 03/9) is the submission default.
    ("ke_hoach_to", "bao_cao"): ItemRules(floor=_r(kind="fixed_date", month=9, day=5), school_default=_r(kind="fixed_date", month=9, day=3),
                                          approval_floor=_r(kind="fixed_date", month=9, day=5)),
    # mầm non: the tổ plan is approved by the BGH in September and then kept on the system (004 Điều 7.2).
    ("ke_hoach_to", "hoan_thien"): ItemRules(floor=_r(kind="fixed_date", month=9, day=20),
                                             level_floors={"mam_non": _WITHIN_SEPTEMBER},
                                             level_approval_floors={"mam_non": _WITHIN_SEPTEMBER}),
    # mầm non: minutes kept right after each meeting (004 Điều 7.2), owed when a meeting is held.
    ("so_hoat_dong_to", "bien_ban_hop"): ItemRules(floor=_r(kind="on_demand")),
    ("so_hoat_dong_to", "ke_hoach_thang"): ItemRules(floor=_r(kind="monthly_end_of_week", week=1)),
    ("so_hoat_dong_to", "bien_ban_giua_thang"): ItemRules(floor=_r(kind="monthly_end_of_week", week=2)),
    ("so_hoat_dong_to", "bien_ban_cuoi_thang"): ItemRules(floor=_r(kind="monthly_last_day")),
    ("ke_hoach_day_hoc_gv", "ke_hoach_nam"): ItemRules(floor=_r(kind="fixed_date", month=9, day=20)),
    ("ke_hoach_bai_day", "hang_tuan"): ItemRules(floor=_r(kind="weekly_before_teaching", weekday=4, weeks_before=1), approval_floor=_r(kind="days_before_teaching", days=3),
        level_floors={"mam_non": _MAM_NON_WEEKEND}, level_approval_floors={"mam_non": _MAM_NON_WEEKEND}),
    # mầm non's education plan (documents' catalog: ke_hoach_giao_duc, Thông tư 52/2020 Điều 21 khoản 3 điểm a).
    # The year plan: completed after the school's and the tổ's plans, approved by tổ trưởng and BGH before it
    # is carried out (003 §II.3.b), so within September like the tổ plan it follows (004 Điều 7.2).
    ("ke_hoach_giao_duc", "ke_hoach_nam"): ItemRules(floor=_WITHIN_SEPTEMBER, approval_floor=_WITHIN_SEPTEMBER),
    # The theme/month plan: uploaded and approved on the Saturday or Sunday before it is used (004 Điều 5.1,
    # 7.1), i.e. the weekend before the teaching week holding the month's first school day.
    ("ke_hoach_giao_duc", "chu_de_thang"): ItemRules(floor=_MAM_NON_MONTH_WEEKEND, approval_floor=_MAM_NON_MONTH_WEEKEND),
    # The week plan (with its day plans): uploaded and approved on the weekend before the week (004 Điều 5.1, 7.1).
    ("ke_hoach_giao_duc", "hang_tuan"): ItemRules(floor=_MAM_NON_WEEKEND, approval_floor=_MAM_NON_WEEKEND),
    ("so_shcm", "hang_thang"): ItemRules(floor=_r(kind="monthly_last_day")),
    ("so_chu_nhiem", "hang_thang"): ItemRules(floor=_r(kind="monthly_first_weekday", weekday=0, not_before={"month": 9, "day": 20})),
    ("so_cong_tac_doi", "chuong_trinh_nam"): ItemRules(floor=_r(kind="after_event", event=DAI_HOI_LIEN_DOI, days=2)),
    ("so_cong_tac_doi", "ke_hoach_thang"): ItemRules(floor=_r(kind="monthly_day", day=1)),
    ("so_cong_tac_doi", "ban_giao"): ItemRules(floor=_r(kind="after_event", event=LE_TONG_KET, days=0)),
}
