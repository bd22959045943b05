"""Copied lesson plans: among 2,000 generated plans the finding list shows the planted copies
(lightly edited), in the inspector's scope only, worded as a measure, and nothing unrelated."""
from __future__ import annotations

import pytest

from services.documents.adapters.records import DocumentRecord, PlanSignatureRecord
from services.documents.adapters.repositories import Repositories
from services.kernel.pagination import encode_cursor
from services.kernel.tenancy import TenantScope

from documents_testkit import NOW, SCHOOL_A, SCHOOL_B, SCHOOL_C, auth  # type: ignore[import-not-found]
from plan_corpus import lesson_plan, lightly_edited  # type: ignore[import-not-found]

YEAR, LAST_YEAR = "2025-2026", "2024-2025"
SCHOOLS = (SCHOOL_A, SCHOOL_B, SCHOOL_C)
NAMES = ("Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Hoa", "Phạm Minh Tuấn", "Hoàng Thị Mai", "Võ Văn Dũng",
         "Đặng Thị Thu", "Bùi Quang Huy", "Đỗ Thị Hạnh", "Huỳnh Văn Phúc")
ACCUSING = ("sao chép", "đạo văn", "gian lận", "vi phạm", "copy")


def teacher(school: dict, n: int) -> tuple[str, str]:
    return f"{school['slug']}.gv{n:02d}", f"{NAMES[n % len(NAMES)]} ({n})"


class Corpus:
    """Feeds generated plan texts straight to the indexer (what the upload consumer does after extracting)."""

    def __init__(self, container) -> None:
        self.similar = container.similar_plans
        self.count = 0

    def add(self, school: dict, who: tuple[str, str], text: str, *, year: str = YEAR, week: int = 5,
            title: str | None = None) -> str:
        self.count += 1
        doc_id = f"doc-{self.count:05d}"
        repos = Repositories(TenantScope.school(school["school_id"], school["district_id"], school["province_id"]))
        document = DocumentRecord(id=doc_id, tenant_id=school["school_id"], district_id=school["district_id"],
                                  province_id=school["province_id"], school_year=year, book="ke_hoach_bai_day",
                                  owner_kind="person", owner_key=who[0], owner_name=who[1],
                                  period=f"{year}.t{week:02d}", title=title or f"Kế hoạch bài dạy tuần {week}",
                                  title_search="", created_by=who[0], created_at=NOW, updated_at=NOW)
        assert self.similar.index_text(repos, document, version_id=f"v-{doc_id}", fmt="pdf", text=text)
        return doc_id


def plant(container, unrelated: int) -> dict[str, str]:
    """``unrelated`` plans of 45 teachers in three schools (two districts), and four planted cases."""
    corpus = Corpus(container)
    staff = [(s, teacher(s, n)) for s in SCHOOLS for n in range(15)]
    texts = [lesson_plan(seed) for seed in range(unrelated)]
    for seed, text in enumerate(texts):
        school, who = staff[seed % len(staff)]
        corpus.add(school, who, text, week=1 + seed % 30)
    original, reused, own, far = lesson_plan(10_001), lesson_plan(10_002), lesson_plan(10_003), lesson_plan(10_004)
    ids = {
        # another teacher of another school of the district, a few words changed and two paragraphs swapped
        "original": corpus.add(SCHOOL_A, teacher(SCHOOL_A, 1), original, week=7, title="Phân số – tuần 7"),
        "copy": corpus.add(SCHOOL_B, teacher(SCHOOL_B, 3), lightly_edited(original, 1), week=8, title="Bài 41"),
        # a teacher's own plan of last year, used again this year
        "last_year": corpus.add(SCHOOL_A, teacher(SCHOOL_A, 2), reused, year=LAST_YEAR, week=9),
        "this_year": corpus.add(SCHOOL_A, teacher(SCHOOL_A, 2), lightly_edited(reused, 2), week=9),
        # one teacher's two weeks of the same year: their own work, not a finding
        "own_1": corpus.add(SCHOOL_A, teacher(SCHOOL_A, 4), own, week=10),
        "own_2": corpus.add(SCHOOL_A, teacher(SCHOOL_A, 4), lightly_edited(own, 3), week=11),
        # across two districts of the province: only the Sở sees it
        "near": corpus.add(SCHOOL_A, teacher(SCHOOL_A, 5), far, week=12),
        "far": corpus.add(SCHOOL_C, teacher(SCHOOL_C, 6), lightly_edited(far, 4), week=12),
    }
    return ids


@pytest.fixture
def planted(container) -> dict[str, str]:
    """The must-show case: 2,000 unrelated plans."""
    return plant(container, 2000)


@pytest.fixture
def few(container) -> dict[str, str]:
    """The same planted cases among 60 unrelated plans, for the scope and access rules."""
    return plant(container, 60)


def pairs(body: dict) -> set[frozenset[str]]:
    return {frozenset((i["a"]["document_id"], i["b"]["document_id"])) for i in body["items"]}


def get(client, token: str, **query):
    return client.get("/api/v1/similar-plans", query_string=query, headers=auth(token))


def test_the_planted_copies_are_found_among_2000_plans_and_nothing_unrelated(client, container, people,
                                                                           planted) -> None:
    ids = planted
    assert PlanSignatureRecord.objects.count() == 2008
    district = people.chuyen_vien()
    resp = get(client, district, school_year=YEAR, min=0.8)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    expected = {frozenset((ids["original"], ids["copy"])), frozenset((ids["last_year"], ids["this_year"]))}
    assert pairs(body) == expected and body["total"] == 2
    # the loosest minimum still shows no two unrelated plans
    assert pairs(get(client, district, school_year=YEAR, min=0.5).get_json()) == expected

    copy = next(i for i in body["items"] if ids["copy"] in (i["a"]["document_id"], i["b"]["document_id"]))
    assert copy["relation"] == "other_teacher" and 0.8 <= copy["similarity"] < 1 and abs(copy["estimate"] - copy["similarity"]) < 0.15
    sides = {copy["a"]["document_id"]: copy["a"], copy["b"]["document_id"]: copy["b"]}
    assert sides[ids["copy"]]["school_name"] == SCHOOL_B["name"] and sides[ids["copy"]]["teacher"] == teacher(SCHOOL_B, 3)[1]
    assert sides[ids["original"]]["title"] == "Phân số – tuần 7"
    # the list is the standing right's; opening a plan needs a running campaign covering it
    assert sides[ids["original"]]["viewer"] is None and "đợt kiểm tra" in sides[ids["original"]]["viewer_notice"]
    assert copy["text"].startswith("Giống kế hoạch của ") and copy["text"].endswith(f"đến {copy['percent']}%")
    reuse = next(i for i in body["items"] if i["relation"] == "earlier_year")
    assert reuse["a"]["document_id"] == ids["this_year"] and reuse["b"]["school_year"] == LAST_YEAR
    assert f"năm học {LAST_YEAR}" in reuse["text"]
    for item in body["items"]:
        assert not any(word in item["text"].lower() for word in ACCUSING), item["text"]


def test_each_inspector_sees_only_their_scope(client, container, people, few) -> None:
    ids = few
    cross = frozenset((ids["near"], ids["far"]))
    province = people.tokens.issue("so.chuyenvien", province="so-da-nang", roles=("chuyen_vien_so",))
    assert cross in pairs(get(client, province, school_year=YEAR).get_json())
    assert cross not in pairs(get(client, people.chuyen_vien(), school_year=YEAR).get_json())
    other_unit = people.chuyen_vien("pgd-lien-chieu")
    assert pairs(get(client, other_unit, school_year=YEAR).get_json()) == set()
    assert get(client, other_unit, school_year=YEAR, school=SCHOOL_A["school_id"]).status_code == 404
    narrowed = get(client, people.chuyen_vien(), school_year=YEAR, school=SCHOOL_B["school_id"]).get_json()
    assert pairs(narrowed) == {frozenset((ids["original"], ids["copy"]))}


def test_school_staff_are_refused_and_every_look_is_audited(client, container, people, few) -> None:
    for token in (people.teacher_a(), people.hieu_truong_a()):
        resp = get(client, token, school_year=YEAR)
        assert resp.status_code == 403 and resp.content_type == "application/problem+json"
    assert get(client, people.chuyen_vien(), school_year=YEAR, min=0.3).status_code == 422
    assert client.get("/api/v1/similar-plans").status_code == 401
    get(client, people.chuyen_vien(), school_year=YEAR, school=SCHOOL_B["school_id"])
    mine = [e for e in container.runtime.audit.entries(limit=500) if e["actor"] == "pgd.chuyenvien"]
    reads = [e for e in mine if e["action"] == "documents.similar_plans.read"]
    assert reads and reads[0]["target"] == SCHOOL_B["school_id"] and reads[0]["data"]["pairs"] == 1
    assert any(e["action"] == "cross_tenant.granted" for e in mine)


def test_the_list_pages_with_a_cursor(client, people, few) -> None:
    first = get(client, people.chuyen_vien(), school_year=YEAR, limit=1).get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = get(client, people.chuyen_vien(), school_year=YEAR, limit=1, cursor=first["next_cursor"]).get_json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert pairs(first) | pairs(second) == pairs(get(client, people.chuyen_vien(), school_year=YEAR).get_json())
    assert get(client, people.chuyen_vien(), school_year=YEAR, cursor=encode_cursor("x")).status_code == 422
