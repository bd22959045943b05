"""Approvals owes what documents' catalog says, level by level, and follows a template without a code change."""
from __future__ import annotations

from datetime import datetime, timedelta

from approvals_catalog import seeded_catalog

from services.approvals.domain.calendar import TIMEZONE
from services.approvals.domain.obligations import Membership, SchoolInfo, compute_obligations
from services.documents.domain.catalog import BASE_CATALOGS
from services.documents.domain.catalog_codec import template_from_data
from services.documents.domain.catalog_model import layer
from services.documents.domain.catalog_view import merge_levels, school_catalog_view
from services.kernel.events import Event

SINCE = datetime(2025, 8, 1, tzinfo=TIMEZONE)
BAN_TRU = {"slug": "so_nhat_ky_ban_tru", "name": "Sổ nhật ký bán trú", "owner_kind": "person",
           "owner_roles": ["giao_vien"], "cadence": "week", "formats": ["pdf"], "max_bytes": 10_000_000,
           "approval_chain": "to_truong",
           "items": [{"slug": "hang_tuan", "label": "Nhật ký tuần", "period_kind": "week"}]}


def _with_school_template(school_id: str) -> dict:
    """Documents' catalog of a tiểu học school whose own template adds a weekly book (no rule in approvals)."""
    catalog = layer(BASE_CATALOGS["tieu_hoc"], [template_from_data("truong", school_id, [BAN_TRU], {})])
    return school_catalog_view(school_id, ["tieu_hoc"], merge_levels({"tieu_hoc": catalog}, "tieu_hoc"))


def _day_before(cal, week: int, days: int) -> str:
    return (cal.week(week).monday - timedelta(days=days)).isoformat()


def test_a_book_a_school_template_adds_is_owed_with_a_default_rule_and_chain(api, cal_2025_2026):
    seeded = api.documents.catalogs
    api.documents.catalogs = lambda school: (_with_school_template(school) if school == "th-hoa-phong"
                                             else seeded(school))
    api.container.catalog_consumer.handle(Event(type="documents.catalog.changed", tenant="th-hoa-phong",
                                                data={"tier": "truong", "owner_id": "th-hoa-phong", "version": "x"}))
    owed = [o for o in api.obligations("thhp.giaovien") if o["book_type"] == "so_nhat_ky_ban_tru"]
    # weekly default: by Friday of the week before the teaching week
    week2 = next(o for o in owed if o["period_key"] == "2025-2026.t02")
    assert week2["due_at"] == f"{_day_before(cal_2025_2026, 2, 3)}T23:59:59+07:00" and len(owed) > 30
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": week2["id"], "document_id": "bt-2",
                                                          "version_id": "v1", "sha256": "b" * 64})
    assert [(s["role"], s["mode"]) for s in sub["steps"]] == [("to_truong", "approve"), ("pho_hieu_truong", "check")]
    assert sub["book_name"] == "Sổ nhật ký bán trú"
    # other schools of the district do not owe the school's own book
    assert not [o for o in api.obligations("thcsnh.giaovien") if o["book_type"] == "so_nhat_ky_ban_tru"]


def test_a_mam_non_teacher_owes_no_primary_school_book(cal_2025_2026):
    school = SchoolInfo("mn", "d", ("mam_non",), {"mn/to-mg": "to_chuyen_mon", "mn/la-1": "lop"})
    teacher = [Membership("mn.gv", "giao_vien", "mn/to-mg", SINCE), Membership("mn.gv", "giao_vien", "mn/la-1", SINCE)]
    catalog = seeded_catalog("mam_non")
    rules = {(b.slug, i.slug): i.default_for(("mam_non",)) for b in catalog.books for i in b.items}
    owed = compute_obligations(school, catalog, teacher, cal_2025_2026, rules)
    assert {o.book_type for o in owed} == {"ke_hoach_giao_duc"}  # no học bạ, SHCM, sổ chủ nhiệm, lesson plans
    # mầm non weekly plans are uploaded on the weekend before the week: due the Sunday before it
    week2 = next(o for o in owed if o.period_key == "2025-2026.t02")
    assert week2.due_at.date().isoformat() == _day_before(cal_2025_2026, 2, 1)


def test_a_multi_level_schools_people_owe_their_own_levels_books(cal_2025_2026):
    units = {"s/to-th": "to_chuyen_mon", "s/to-thcs": "to_chuyen_mon", "s/vp": "to_van_phong",
             "s/4a": "lop", "s/8a": "lop"}
    levels = {"s/to-th": "tieu_hoc", "s/4a": "tieu_hoc", "s/to-thcs": "thcs", "s/8a": "thcs"}
    school = SchoolInfo("s", "d", ("tieu_hoc", "thcs"), units, levels)
    people = [Membership("gvth", "giao_vien", "s/to-th", SINCE), Membership("gvth", "giao_vien", "s/4a", SINCE),
              Membership("gvthcs", "giao_vien", "s/to-thcs", SINCE), Membership("gvthcs", "giao_vien", "s/8a", SINCE),
              Membership("vt", "van_thu", "s/vp", SINCE)]
    catalog = seeded_catalog("tieu_hoc", "thcs")
    levels_ = ("tieu_hoc", "thcs")
    rules = {(b.slug, i.slug): i.default_for(levels_) for b in catalog.books for i in b.items}
    owed = compute_obligations(school, catalog, people, cal_2025_2026, rules)
    books = {p: {o.book_type for o in owed if o.owner == p} for p in ("gvth", "gvthcs", "vt")}
    assert "bang_tong_hop" in books["gvth"] and "so_theo_doi_danh_gia" not in books["gvth"]
    assert "so_theo_doi_danh_gia" in books["gvthcs"] and "bang_tong_hop" not in books["gvthcs"]
    assert {"ke_hoach_bai_day", "hoc_ba", "so_chu_nhiem"} <= books["gvth"] & books["gvthcs"]
    # a book both levels share is owed once by the school-wide văn thư: one per item and period
    dang_bo = [o for o in owed if o.book_type == "so_dang_bo"]
    assert sorted(o.item for o in dang_bo) == ["cuoi_nam", "dau_nam", "giua_nam"]


def test_default_chains_come_from_the_catalogs_chain_name_and_signers(api):
    chain = api.container.setup.chain_for("th-hoa-phong", "pgd-hoa-vang", "so_dang_bo", None)
    assert [[s.role for s in stage] for stage in chain.stages] == [["hieu_truong"]]
    assert [(s.order, s.role, s.organisation) for s in chain.signing] == [(1, "hieu_truong", False),
                                                                          (2, "van_thu", True)]
    assert chain.issue_role == "van_thu"
    office = api.container.setup.chain_for("th-hoa-phong", "pgd-hoa-vang", "ke_hoach_to", "to_van_phong")
    assert [[s.role for s in stage] for stage in office.stages] == [["hieu_truong"]]  # tổ văn phòng → principal


def test_a_school_documents_does_not_know_yet_owes_nothing_until_its_catalog_arrives(api):
    from services.kernel.errors import NotFound

    seeded = api.documents.catalogs

    def not_yet(school: str) -> dict:
        raise NotFound("Dịch vụ tài liệu chưa có danh mục hồ sơ của trường này.", field="school")

    api.documents.catalogs = not_yet
    api.container.setup.school_onboarded({"school_id": "th-moi", "slug": "th-moi", "name": "Trường mới",
                                          "levels": ["tieu_hoc"], "district_id": "pgd-hoa-vang",
                                          "units": [{"id": "th-moi/to-1", "slug": "to-1", "name": "Tổ 1",
                                                     "kind": "to_chuyen_mon"}]})
    api.container.setup.membership_granted({"person": "thm.gv", "school": "th-moi", "role": "giao_vien",
                                            "unit": "th-moi/to-1", "at": SINCE.isoformat()})
    token = api.tokens.issue("thm.gv", tenant="th-moi", district="pgd-hoa-vang",
                             unit_roles=[("giao_vien", "th-moi/to-1")])
    assert api.obligations("", token=token) == []  # deferred, not failed: the projection is kept
    api.documents.catalogs = seeded  # documents onboards the school and says so
    api.container.catalog_consumer.handle(Event(type="documents.catalog.changed", tenant="th-moi",
                                                data={"tier": "truong", "owner_id": "th-moi", "version": "v1"}))
    assert {o["book_type"] for o in api.obligations("", token=token)} >= {"ke_hoach_bai_day", "so_shcm"}
