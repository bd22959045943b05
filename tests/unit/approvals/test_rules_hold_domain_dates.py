"""Every date and relative rule DOMAIN.md gives a book is held by approvals' seeded rules.

Deadlines used to be written twice (documents' catalog texts and approvals' rules); now they are
approvals' only, so this checks nothing of DOMAIN.md's "What is recorded" table was lost with the
catalog's texts: each “dd/mm” of a row is a fixed date (or a first-upload day) of one of the
book's rules, and the relative rules have the figures the seeds give.
"""
from __future__ import annotations

import re

import pytest

from services.approvals.domain.default_rules import RULES
from services.approvals.domain.deadlines import rule_to_data
from tests.unit.documents.test_catalog import DOMAIN_TABLE, _rows


def _rules_of(book: str) -> list[dict]:
    out = []
    for (slug, _item), rules in RULES.items():
        if slug != book:
            continue
        every = [rules.floor, rules.school_default, rules.approval_floor, rules.signing_floor,
                 *rules.level_floors.values(), *rules.level_approval_floors.values()]
        out.extend(rule_to_data(r) for r in every if r is not None)
    return out


def _days(book: str) -> set[tuple[int, int]]:
    days = set()
    for data in _rules_of(book):
        if data["kind"] == "fixed_date":
            days.add((data["day"], data["month"]))
        if data.get("not_before"):
            days.add((data["not_before"]["day"], data["not_before"]["month"]))
    return days


@pytest.mark.parametrize("row", _rows(DOMAIN_TABLE), ids=lambda r: r[0].strip("`"))
def test_every_date_of_a_domain_md_row_is_a_rule_of_approvals(row: list[str]) -> None:
    book, when = row[0].strip("`"), row[3]
    assert _rules_of(book), f"{book}: approvals has no rule"
    for day, month in re.findall(r"\b(\d{1,2})/(\d{1,2})\b", when):
        assert (int(day), int(month)) in _days(book), f"{book}: {day}/{month} missing"


def test_relative_rules_of_domain_md_have_the_seeds_figures() -> None:
    def rule(book: str, item: str, which: str = "floor") -> dict:
        return rule_to_data(getattr(RULES[(book, item)], which))

    assert rule("ke_hoach_bai_day", "hang_tuan") == {"kind": "weekly_before_teaching", "weekday": 4, "weeks_before": 1}
    assert rule("ke_hoach_bai_day", "hang_tuan", "approval_floor")["days"] == 3
    assert rule("so_shcm", "hang_thang")["kind"] == "monthly_last_day"
    assert rule("so_chu_nhiem", "hang_thang")["kind"] == "monthly_first_weekday"
    assert rule("so_chu_nhiem", "hang_thang")["weekday"] == 0
    assert rule("so_hoat_dong_to", "ke_hoach_thang")["week"] == 1
    assert rule("so_hoat_dong_to", "bien_ban_giua_thang")["week"] == 2
    assert rule("so_hoat_dong_to", "bien_ban_cuoi_thang")["kind"] == "monthly_last_day"
    assert rule("ho_so_khuyet_tat", "ke_hoach_hk2")["week"] == 19
    assert {rule("ho_so_khuyet_tat", "ke_hoach_nam")["week"], rule("ho_so_khuyet_tat", "ke_hoach_nam", "school_default")["week"]} == {3, 2}
    assert rule("so_cong_tac_doi", "chuong_trinh_nam") == {"kind": "after_event", "event": "dai_hoi_lien_doi", "days": 2}
    assert rule("so_cong_tac_doi", "ke_hoach_thang")["day"] == 1
