"""The seeded catalogs carry every book of DOMAIN.md with its owner, items and chain; layering only tightens.

When an item is due is approvals' fact: its dates are checked against DOMAIN.md in
``tests/unit/approvals/test_rules_hold_domain_dates.py``; the catalog carries none.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from services.documents.domain.catalog import BASE_CATALOGS, base_catalog
from services.documents.domain.catalog_model import (
    MIB, BookOverride, BookType, CatalogError, CatalogTemplate, layer,
)

# The table of ../shared/DOMAIN.md ("What is recorded"), copied verbatim so the test runs
# without the shared folder; when the shared file is present it must still match.
DOMAIN_TABLE = """
| `so_dang_bo` | Sổ đăng bộ | văn thư with GVCNs | start, middle, end of year and on every change; printed on A3 at the end of the course | principal; stamped |
| `hoc_ba` | Học bạ | GVCN enters | student info at year start; assessment end of HK I, end of year, on transfer; approved at year end; district: signed before 31/5 | PHT checks → principal approves and signs → văn thư signs with the school's certificate and issues; recall on error; look-up after issue |
| `bang_tong_hop` | Bảng tổng hợp kết quả đánh giá giáo dục của lớp | GVCN | mid HK I, end HK I, mid HK II, end of year; export PDF after each; district: signed before 31/5 | principal |
| `ke_hoach_chien_luoc` | Kế hoạch chiến lược (5 years) | principal | reviewed each year at year start (Sept–Oct) | — |
| `ke_hoach_giao_duc_truong` | Kế hoạch giáo dục nhà trường (year) | principal | before 31/8 (school); district: submitted and approved before 05/9 | school council / district |
| `so_quan_ly_can_bo` | Sổ quản lý CB, GV, NV | văn thư | start, middle, end of year and on change | principal |
| `ho_so_pho_cap` | Hồ sơ phổ cập giáo dục | PHT | when the upper level asks; backup right after reporting | — |
| `ho_so_tai_chinh` | Hồ sơ tài sản, tài chính | kế toán | monthly, quarterly, fiscal year end, on change | principal |
| `so_van_ban` | Sổ quản lý văn bản (đi/đến) | văn thư | whenever a document arrives or leaves (daily in mầm non) | — |
| `ho_so_khuyet_tat` | Hồ sơ giáo dục học sinh khuyết tật | GV, PHT manages | list and yearly + HK I plan in the 3rd (000) or 2nd (002) week of September; HK II plan in week 19 | PHT |
| `ke_hoach_to` | Kế hoạch dạy học môn học, HĐGD của tổ | tổ trưởng | report before 03/9, final on the system before 20/9 (district: approved before 05/9) | PHT |
| `so_hoat_dong_to` | Sổ ghi chép hoạt động của tổ | tổ trưởng | monthly: plan in the 1st week, minutes at the end of the 2nd week and on the last day | PHT (tổ văn phòng: principal) |
| `ke_hoach_day_hoc_gv` | Kế hoạch dạy học / PPCT của giáo viên | teacher | before 20/9 | tổ trưởng |
| `ke_hoach_bai_day` | Kế hoạch bài dạy (lesson plan) | teacher | weekly, by Friday of the week before it is taught (000, 002); district: approved at least 3 days before it is taught (001) | tổ trưởng or delegated tổ phó |
| `so_shcm` | Sổ ghi chép SHCM, dự giờ, theo dõi đánh giá | teacher | scanned monthly, by the last day of the month | tổ trưởng |
| `so_chu_nhiem` | Sổ chủ nhiệm | GVCN | monthly, on the first Monday of the month (first upload from 20/9); at once on incidents | tổ trưởng |
| `so_cong_tac_doi` | Sổ công tác Đội | tổng phụ trách | yearly programme 2 days after Đại hội Liên đội; monthly plans on the 1st; handover by the year-end ceremony | principal |
"""

OWNER_ROLES = {
    "văn thư with GVCNs": "van_thu", "GVCN enters": "gvcn", "GVCN": "gvcn", "principal": "hieu_truong",
    "văn thư": "van_thu", "PHT": "pho_hieu_truong", "kế toán": "ke_toan", "GV, PHT manages": "giao_vien",
    "tổ trưởng": "to_truong", "teacher": "giao_vien", "tổng phụ trách": "tong_phu_trach",
}
CHAINS = {"principal; stamped": "hieu_truong", "principal": "hieu_truong", "PHT": "pho_hieu_truong",
          "tổ trưởng": "to_truong", "tổ trưởng or delegated tổ phó": "to_truong", "—": "khong",
          "school council / district": "hoi_dong_truong", "PHT (tổ văn phòng: principal)": "pho_hieu_truong",
          "PHT checks → principal approves and signs → văn thư signs with the school's certificate and issues; recall on error; look-up after issue": "hoc_ba"}


def _rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("| `") and line.count("|") == 6:
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def test_the_copied_table_matches_domain_md_when_present() -> None:
    domain = Path(__file__).resolve().parents[3].parent / "shared" / "DOMAIN.md"
    if domain.exists():
        assert _rows(domain.read_text(encoding="utf-8")) == _rows(DOMAIN_TABLE)


@pytest.mark.parametrize("row", _rows(DOMAIN_TABLE), ids=lambda r: r[0].strip("`"))
def test_every_book_of_domain_md_is_seeded_with_owner_chain_and_items(row: list[str]) -> None:
    slug, _name, owner, _when, approved_by = row
    book = base_catalog("tieu_hoc").get(slug.strip("`"))
    assert OWNER_ROLES[owner] in book.owner_roles
    assert book.approval_chain == CHAINS[approved_by]
    assert book.owed_items(), "every book names what is owed (the keys of approvals' deadline rules)"
    assert book.formats and book.max_bytes > 0 and book.print_format in ("A4", "A3")


@pytest.mark.parametrize("level", sorted(BASE_CATALOGS))
def test_no_catalog_carries_a_deadline_of_its_own(level: str) -> None:
    """Deadlines are approvals' (one owner per fact): no book, no API shape of documents holds one."""
    for book in base_catalog(level).books:
        assert not hasattr(book, "deadlines")
        data = book.to_dict()
        assert "deadlines" not in data
        assert set(data["items"][0]) == {"slug", "label", "period_kind"}


def test_the_items_of_domain_md_rows_are_the_keys_approvals_dates() -> None:
    cat = base_catalog("tieu_hoc")
    assert [i.slug for i in cat.get("so_hoat_dong_to").owed_items()] == [
        "ke_hoach_thang", "bien_ban_giua_thang", "bien_ban_cuoi_thang"]
    assert [i.slug for i in cat.get("ho_so_khuyet_tat").owed_items()] == ["ke_hoach_nam", "ke_hoach_hk2"]
    assert [i.slug for i in cat.get("so_cong_tac_doi").owed_items()] == [
        "chuong_trinh_nam", "ke_hoach_thang", "ban_giao"]
    assert [i.slug for i in cat.get("ke_hoach_to").owed_items()] == ["bao_cao", "hoan_thien"]
    assert cat.get("so_dang_bo").print_format == "A3"


def test_the_three_books_signed_in_order_with_parallel_groups() -> None:
    cat = base_catalog("tieu_hoc")
    groups = cat.get("so_dang_bo").signer_groups()
    # DOMAIN.md: sổ đăng bộ is kept by the văn thư with the GVCNs, signed by the principal and stamped
    assert [[(s.role, s.kind) for s in g] for g in groups] == [[("hieu_truong", "personal")],
                                                               [("van_thu", "organisation")]]
    hoc_ba = cat.get("hoc_ba").signer_groups()
    assert [g[0].role for g in hoc_ba] == ["gvcn", "hieu_truong", "van_thu"]
    assert hoc_ba[-1][0].kind == "organisation"


def test_mam_non_has_the_eleven_books_of_thong_tu_52_and_thcs_thpt_follow_thong_tu_32() -> None:
    mn = base_catalog("mam_non")
    assert len(mn.books) == 11
    assert all("52/2020" in b.legal_basis for b in mn.books)
    plan = mn.get("ke_hoach_giao_duc")  # “Kế hoạch giáo dục (năm, chủ đề/tháng, tuần, ngày)” (003, 004)
    assert [(i.slug, i.period_kind.value) for i in plan.owed_items()] == [
        ("ke_hoach_nam", "year"), ("chu_de_thang", "month"), ("hang_tuan", "week")]
    assert {b.external_system for b in mn.books} >= {"CSDL ngành", "pcgd.moet.gov.vn", "vnEdu"}
    for level in ("thcs", "thpt"):
        cat = base_catalog(level)
        assert all("32/2020" in b.legal_basis for b in cat.books)
        assert cat.has("so_theo_doi_danh_gia") and cat.has("ke_hoach_bai_day")
    assert set(BASE_CATALOGS) == {"mam_non", "tieu_hoc", "thcs", "thpt"}


def _extra_book() -> BookType:
    base = base_catalog("tieu_hoc").get("so_van_ban")
    from dataclasses import replace
    return replace(base, slug="so_theo_doi_ban_tru", name="Sổ theo dõi bán trú")


def test_lower_levels_add_books_and_tighten() -> None:
    cat = layer(base_catalog("tieu_hoc"), [
        CatalogTemplate("so", "so-da-nang", overrides=(("ke_hoach_bai_day", BookOverride(max_bytes=20 * MIB)),)),
        CatalogTemplate("phong", "pgd-hoa-vang", additions=(_extra_book(),),
                        overrides=(("ke_hoach_bai_day", BookOverride(formats=frozenset({"pdf"}), retention_years=10)),)),
        CatalogTemplate("truong", "th-hoa-phong", overrides=(("ke_hoach_bai_day", BookOverride(max_bytes=10 * MIB)),)),
    ])
    lesson = cat.get("ke_hoach_bai_day")
    assert lesson.max_bytes == 10 * MIB and lesson.formats == {"pdf"} and lesson.retention_years == 10
    assert cat.get("so_theo_doi_ban_tru").defined_by == "phong"


@pytest.mark.parametrize("override, words", [
    (BookOverride(max_bytes=500 * MIB), "không được nới dung lượng"),
    (BookOverride(formats=frozenset({"pdf", "png"})), "không được mở rộng định dạng"),
    (BookOverride(retention_years=1), "không được rút ngắn thời hạn lưu trữ"),
])
def test_a_school_cannot_loosen_what_the_district_decided(override: BookOverride, words: str) -> None:
    district = CatalogTemplate("phong", "pgd-hoa-vang", overrides=(("ke_hoach_bai_day", BookOverride(
        max_bytes=20 * MIB, formats=frozenset({"pdf", "docx"}), retention_years=10)),))
    school = CatalogTemplate("truong", "th-hoa-phong", overrides=(("ke_hoach_bai_day", override),))
    with pytest.raises(CatalogError) as err:
        layer(base_catalog("tieu_hoc"), [district, school])
    assert words in err.value.message and "Kế hoạch bài dạy" in err.value.message


def test_a_lower_level_cannot_redefine_a_book_or_go_out_of_order() -> None:
    with pytest.raises(CatalogError, match="không được định nghĩa lại"):
        layer(base_catalog("tieu_hoc"), [CatalogTemplate("truong", "x", additions=(base_catalog("tieu_hoc").get("hoc_ba"),))])
    with pytest.raises(CatalogError, match="Sở → Phòng → Trường"):
        layer(base_catalog("tieu_hoc"), [CatalogTemplate("truong", "x"), CatalogTemplate("phong", "y")])
