"""Fixtures of the approvals unit tests: real calendars of school year 2025–2026."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # approvals_catalog: the seeded catalog as approvals reads it

from services.approvals.domain.calendar import Holiday, SchoolCalendar, SchoolYearFrame

TET_2026 = Holiday("Nghỉ Tết Nguyên đán Bính Ngọ", date(2026, 2, 14), date(2026, 2, 22))

FRAME_2025_2026 = SchoolYearFrame(
    year="2025-2026",
    opening_day=date(2025, 9, 5),
    semester_1_end=date(2026, 1, 10),
    closing_day=date(2026, 5, 29),
    holidays=(
        Holiday("Tết Dương lịch", date(2026, 1, 1), date(2026, 1, 1)),
        TET_2026,
        Holiday("Giỗ Tổ Hùng Vương, 30/4 và 1/5", date(2026, 4, 26), date(2026, 5, 1)),
    ),
    points={"giua_hk1": date(2025, 10, 31), "giua_hk2": date(2026, 3, 21)},
    first_teaching_week=date(2025, 9, 8),
)

SCHOOL_2025_2026 = SchoolCalendar(
    FRAME_2025_2026, events={"dai_hoi_lien_doi": date(2025, 10, 10), "le_tong_ket": date(2026, 5, 25)},
)


@pytest.fixture
def frame_2025_2026() -> SchoolYearFrame:
    return FRAME_2025_2026


@pytest.fixture
def cal_2025_2026() -> SchoolCalendar:
    return SCHOOL_2025_2026


# ----- an approvals service with demo-like people, driven through its HTTP API -----------------------
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import datetime  # noqa: E402
from typing import Any  # noqa: E402

from services.approvals.adapters.documents import SubmissionDoc  # noqa: E402
from services.approvals.adapters.documents_service import FakeDocuments  # noqa: E402
from services.approvals.bootstrap import Container, bootstrap  # noqa: E402
from services.approvals.domain.calendar import TIMEZONE  # noqa: E402
from services.approvals.entrypoints.app import create_app  # noqa: E402
from services.kernel.clock import FixedClock  # noqa: E402
from services.kernel.messaging import InMemoryPublisher  # noqa: E402
from services.kernel.testing import TokenFactory  # noqa: E402
from infra.demo.district import DEMO_DISTRICT  # noqa: E402

SCHOOL_A = "th-hoa-phong"
SCHOOL_B = "thcs-nguyen-hue"
DISTRICT = DEMO_DISTRICT.slug


def _school(slug: str):
    return next(s for s in DEMO_DISTRICT.schools if s.slug == slug)


def onboard(container: Container, slug: str, since: datetime) -> None:
    """Feed the identity projection the way identity's events would."""
    s = _school(slug)
    container.setup.school_onboarded({
        "id": s.slug, "slug": s.slug, "name": s.name, "levels": list(s.levels), "district_id": DISTRICT,
        "province_id": DEMO_DISTRICT.province_slug,
        "units": [{"id": f"{s.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind} for u in s.units],
        "principal": f"{s.slug.split('-')[0]}.hieutruong"})
    for person in s.people:
        grants = [(r, f"{s.slug}/{u}" if u else None) for r, u in person.roles]
        if person.gvcn_of:
            grants.append(("giao_vien", f"{s.slug}/{person.gvcn_of}"))
        for role, unit in grants:
            container.setup.membership_granted({"person": person.username, "school": s.slug, "role": role,
                                                "unit": unit, "at": since.isoformat()})


@dataclass
class Api:
    """The approvals HTTP API as the demo's people call it."""

    container: Container
    client: Any
    tokens: TokenFactory
    clock: FixedClock
    publisher: InMemoryPublisher

    def token(self, username: str, *, act: list[dict] | None = None) -> str:
        if username.startswith("pgd."):
            person = next(p for p in DEMO_DISTRICT.staff if p.username == username)
            return self.tokens.issue(username, district=DISTRICT, province=DEMO_DISTRICT.province_slug,
                                     roles=[r for r, _ in person.roles])
        school = next(s for s in DEMO_DISTRICT.schools if any(p.username == username for p in s.people))
        person = next(p for p in school.people if p.username == username)
        roles = [r for r, u in person.roles if u is None]
        unit_roles = [(r, f"{school.slug}/{u}") for r, u in person.roles if u is not None]
        if person.gvcn_of:
            unit_roles.append(("giao_vien", f"{school.slug}/{person.gvcn_of}"))
        return self.tokens.issue(username, tenant=school.slug, district=DISTRICT, province=DEMO_DISTRICT.province_slug,
                                 roles=roles, unit_roles=unit_roles, act=act or [])

    def inspector_token(self, username: str, *grants: dict) -> str:
        """A (long-lived) token of district staff carrying the campaign grants identity issued."""
        person = next(p for p in DEMO_DISTRICT.staff if p.username == username)
        return self.tokens.issue(username, district=DISTRICT, province=DEMO_DISTRICT.province_slug,
                                 roles=[r for r, _ in person.roles], ttl=90 * 86400, extra={"grants": list(grants)})

    documents: FakeDocuments

    def upload(self, who: str, document_id: str, version_id: str, sha256: str, *, school: str | None = None) -> None:
        """The file as the person uploaded it to documents (their own slot) before naming it here."""
        tenant = school or next(s.slug for s in DEMO_DISTRICT.schools if any(p.username == who for p in s.people))
        self.documents.add(tenant, document_id, version_id, sha256, owners={who})

    def call(self, method: str, path: str, who: str, body: Any = None, *, act: list[dict] | None = None,
             token: str | None = None, upload: bool = True) -> Any:
        """Call as ``who``; a version named in a submission is first uploaded by ``who`` unless ``upload=False``."""
        if upload and method == "POST" and isinstance(body, dict) and "version_id" in body and "sha256" in body \
                and not who.startswith("pgd."):
            if path == "/submissions":
                self.upload(who, body["document_id"], body["version_id"], body["sha256"])
            elif path.startswith("/submissions/") and path.endswith("/versions"):
                existing = SubmissionDoc.objects(id=path.split("/")[2]).only("document_id", "tenant_id").first()
                if existing is not None:
                    self.upload(who, existing.document_id, body["version_id"], body["sha256"],
                                school=existing.tenant_id)
        headers = {"Authorization": f"Bearer {token or self.token(who, act=act)}"}
        resp = self.client.open(f"/api/v1{path}", method=method, json=body, headers=headers)
        return resp

    def ok(self, method: str, path: str, who: str, body: Any = None, **kw: Any) -> Any:
        resp = self.call(method, path, who, body, **kw)
        assert resp.status_code in (200, 201), (resp.status_code, resp.get_json())
        return resp.get_json()

    def events(self) -> list:
        """Relay the outbox and return every event published so far."""
        self.container.relay.relay_once()
        return self.publisher.published

    def pump_progress(self) -> None:
        for e in self.events():
            self.container.progress_consumer.handle(e)

    def audit(self, target: str) -> list[dict]:
        return list(reversed(self.container.runtime.audit.entries(target=target)))

    def obligations(self, who: str, token: str | None = None) -> list[dict]:
        """Every page of someone's obligations."""
        items, cursor = [], None
        while True:
            page = self.ok("GET", "/obligations?limit=40" + (f"&cursor={cursor}" if cursor else ""), who, token=token)
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    def obligation(self, who: str, book: str, item: str, period: str) -> dict:
        return next(o for o in self.obligations(who)
                    if (o["book_type"], o["item"], o["period_key"]) == (book, item, period))


FRAME_BODY = {
    "opening_day": "2025-09-05", "semester_1_end": "2026-01-10", "closing_day": "2026-05-29",
    "first_teaching_week": "2025-09-08",
    "holidays": [{"name": "Tết Dương lịch", "first_day": "2026-01-01", "last_day": "2026-01-01"},
                 {"name": "Nghỉ Tết Nguyên đán Bính Ngọ", "first_day": "2026-02-14", "last_day": "2026-02-22"},
                 {"name": "Giỗ Tổ Hùng Vương, 30/4 và 1/5", "first_day": "2026-04-26", "last_day": "2026-05-01"}],
    "points": {"giua_hk1": "2025-10-31", "giua_hk2": "2026-03-21"},
}


@pytest.fixture
def api() -> Iterator[Api]:
    clock = FixedClock(datetime(2025, 9, 1, 8, 0, tzinfo=TIMEZONE))
    tokens = TokenFactory(clock=clock)
    publisher = InMemoryPublisher()
    documents = FakeDocuments()
    container = bootstrap({"mode": "test", "log_json": False}, environ={}, clock=clock, publisher=publisher,
                          verifier=tokens.verifier(), documents=documents)
    app = create_app(container=container)
    since = datetime(2025, 8, 1, tzinfo=TIMEZONE)
    onboard(container, SCHOOL_A, since)
    onboard(container, SCHOOL_B, since)
    a = Api(container, app.test_client(), tokens, clock, publisher, documents)
    a.ok("PUT", "/calendar/frames/2025-2026", "pgd.truongphong", FRAME_BODY)
    a.ok("PUT", "/calendar/2025-2026/events", "thhp.hieutruong",
         {"events": {"dai_hoi_lien_doi": "2025-10-10", "le_tong_ket": "2026-05-25"}})
    yield a


@pytest.fixture
def frame_body() -> dict:
    """The district frame of 2025–2026 as the API takes it."""
    return dict(FRAME_BODY)
