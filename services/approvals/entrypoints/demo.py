"""The demo district for the approvals service: calendar 2026–2027, default rules, work in progress.

Ids follow ``infra/demo/district.py``: school id = school slug, unit id =
``"<school slug>/<unit slug>"``, district id = district slug, person id = username.
The identity projection is seeded directly (the same upserts identity's events make), the
district publishes the 2026–2027 frame, each school sets its events, and the demo files of
``infra/demo/documents.py`` (stored by the documents seed under the same ids and SHA-256)
are submitted and left in different states (waiting in a queue, returned, approved, three
học bạ of Lớp 4A waiting for signatures) so queues and progress are not empty. Seeding
twice changes nothing.
"""
from __future__ import annotations

from datetime import date, datetime

from infra.demo.district import DEMO_DISTRICT, DemoDistrict, DemoSchool
from infra.demo.documents import APPROVED, RETURNED, TO_SIGN, DemoSubmission, demo_documents

from services.approvals.adapters.documents import ObligationDoc, SubmissionDoc
from services.approvals.bootstrap import Container
from services.approvals.domain.calendar import TIMEZONE, Holiday, SchoolYearFrame
from services.kernel.principal import Principal

FRAME_2026_2027 = SchoolYearFrame(
    year="2026-2027",
    opening_day=date(2026, 9, 5),
    semester_1_end=date(2027, 1, 16),
    closing_day=date(2027, 5, 31),
    holidays=(
        Holiday("Tết Dương lịch", date(2027, 1, 1), date(2027, 1, 1)),
        Holiday("Nghỉ Tết Nguyên đán Đinh Mùi", date(2027, 2, 1), date(2027, 2, 14)),
        Holiday("Ngày Giải phóng miền Nam và Quốc tế Lao động", date(2027, 4, 30), date(2027, 5, 1)),
    ),
    points={"giua_hk1": date(2026, 11, 6), "giua_hk2": date(2027, 3, 26)},
)
SCHOOL_EVENTS = {"dai_hoi_lien_doi": date(2026, 10, 9), "le_tong_ket": date(2027, 5, 25)}
MEMBERS_SINCE = datetime(2026, 8, 1, tzinfo=TIMEZONE)


def _principal(district: DemoDistrict, school: DemoSchool | None, username: str) -> Principal:
    if school is None:
        person = next(p for p in district.staff if p.username == username)
        return Principal(sub=username, district=district.slug, province=district.province_slug,
                         roles=frozenset(r for r, _ in person.roles))
    person = next(p for p in school.people if p.username == username)
    unit_roles = {(r, f"{school.slug}/{u}") for r, u in person.roles if u}
    if person.gvcn_of:
        unit_roles.add(("giao_vien", f"{school.slug}/{person.gvcn_of}"))
    return Principal(sub=username, tenant=school.slug, district=district.slug, province=district.province_slug,
                     roles=frozenset(r for r, _ in person.roles) | {r for r, _ in unit_roles},
                     unit_roles=frozenset(unit_roles))


def _onboard(container: Container, district: DemoDistrict, school: DemoSchool) -> None:
    container.setup.school_onboarded({
        "school_id": school.slug, "slug": school.slug, "name": school.name, "levels": list(school.levels),
        "district_id": district.slug, "province_id": district.province_slug,
        "units": [{"id": f"{school.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind}
                  for u in school.units],
        "principal_id": next(p.username for p in school.people if ("hieu_truong", None) in p.roles)})
    for person in school.people:
        grants = [(r, f"{school.slug}/{u}" if u else None) for r, u in person.roles]
        if person.gvcn_of:
            grants.append(("giao_vien", f"{school.slug}/{person.gvcn_of}"))
        for role, unit in grants:
            container.setup.membership_granted({"person": person.username, "school": school.slug, "role": role,
                                                "unit": unit, "at": MEMBERS_SINCE.isoformat()})


def _obligation(tenant: str, owner: str, sub: DemoSubmission) -> ObligationDoc:
    ob = ObligationDoc.objects(tenant_id=tenant, owner=owner, book_type=sub.book, item=sub.item,
                               period_key=sub.period_key, active=True).first()
    if ob is None:
        raise RuntimeError(f"{owner} owes no {sub.book}/{sub.item} for {sub.period_key} in {tenant}")
    return ob


def _work_in_progress(container: Container, district: DemoDistrict, school: DemoSchool) -> None:
    """Submit the school's demo files (``infra/demo/documents.py``) and take each to its demo state."""
    p = {person.username.split(".", 1)[1]: _principal(district, school, person.username) for person in school.people}
    for demo in demo_documents(district):
        wanted = demo.submission
        if demo.school != school.slug or wanted is None:
            continue
        who = _principal(district, school, demo.uploader)
        sid = container.submissions.create(who, obligation_id=_obligation(school.slug, who.sub, wanted).id,
                                           document_id=demo.document_id, version_id=demo.version_id,
                                           sha256=demo.sha256)["id"]
        if wanted.state == RETURNED:
            container.submissions.decide(p["totruong"], sid, decision="return",
                                         comment="Bổ sung hoạt động vận dụng và phiếu học tập.")
        elif wanted.state == APPROVED:
            container.submissions.decide(p["totruong"], sid, decision="approve", comment=None)
        elif wanted.state == TO_SIGN:  # PHT checks, the principal approves: signatures GVCN → principal → seal
            container.submissions.comment(p["phohieutruong"], sid, "Đã kiểm tra phần nhận xét các môn học.")
            container.submissions.decide(p["hieutruong"], sid, decision="approve", comment=None)


def seed_demo(container: Container, district: DemoDistrict = DEMO_DISTRICT) -> None:
    """Seed the demo district's calendar, schools, people and some submissions (idempotent)."""
    for school in district.schools:
        _onboard(container, district, school)
    container.setup.publish_frame(_principal(district, None, next(
        p.username for p in district.staff if ("truong_phong", None) in p.roles)), FRAME_2026_2027)
    for school in district.schools:
        head = next(p.username for p in school.people if ("hieu_truong", None) in p.roles)
        container.setup.set_events(_principal(district, school, head), FRAME_2026_2027.year, dict(SCHOOL_EVENTS))
    for school in district.schools:
        if SubmissionDoc.objects(tenant_id=school.slug).first() is None:
            _work_in_progress(container, district, school)
    container.obligations.scan_overdue()
