"""The approvals service over a real RabbitMQ: identity events feed the projection, own events feed progress."""
from __future__ import annotations

import hashlib
from datetime import datetime

import kombu
import pytest

from infra.demo.district import DEMO_DISTRICT
from services.approvals.adapters.documents_service import FakeDocuments
from services.approvals.bootstrap import bootstrap
from services.approvals.domain.calendar import TIMEZONE, Holiday, SchoolYearFrame
from services.kernel.clock import FixedClock
from services.identity.events import MEMBERSHIP_GRANTED, SCHOOL_ONBOARDED
from services.kernel.messaging import KombuPublisher, declare_queues
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope

pytestmark = pytest.mark.integration

SCHOOL = next(s for s in DEMO_DISTRICT.schools if s.slug == "th-hoa-phong")
FRAME = SchoolYearFrame("2025-2026", datetime(2025, 9, 5).date(), datetime(2026, 1, 10).date(),
                        datetime(2026, 5, 31).date(),
                        (Holiday("Tết", datetime(2026, 2, 14).date(), datetime(2026, 2, 22).date()),))


def test_identity_events_in_and_progress_out_through_the_broker(amqp_url):
    clock = FixedClock(datetime(2025, 9, 1, 8, 0, tzinfo=TIMEZONE))
    documents = FakeDocuments()
    documents.add(SCHOOL.slug, "d", "v1", hashlib.sha256(b"d").hexdigest(), owners={"thhp.giaovien"})
    c = bootstrap({"mode": "test", "db_name": "hoso_approvals_it"}, environ={"AMQP_URL": amqp_url}, clock=clock,
                  documents=documents)
    identity_worker, _catalog_worker, progress_worker, _campaigns_worker = c.workers()
    declare_queues(amqp_url, [identity_worker.queue, progress_worker.queue])
    with kombu.Connection(amqp_url) as conn:
        for q in (identity_worker.queue, progress_worker.queue):
            q(conn.channel()).purge()

    boss = Principal(sub="pgd.truongphong", district="pgd-hoa-vang", roles=frozenset({"truong_phong"}))
    c.setup.publish_frame(boss, FRAME)
    identity = KombuPublisher(url=amqp_url)
    units = [{"id": f"{SCHOOL.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind} for u in SCHOOL.units]
    at = "2025-08-01T00:00:00+07:00"
    events = [SCHOOL_ONBOARDED.event({
        "school_id": SCHOOL.slug, "slug": SCHOOL.slug, "name": SCHOOL.name, "levels": ["tieu_hoc"],
        "district_id": "pgd-hoa-vang", "province_id": "so-da-nang", "units": units,
        "principal_id": "thhp.hieutruong"}, tenant=SCHOOL.slug, district="pgd-hoa-vang", occurred_at=at)]
    for person, role, unit in (("thhp.giaovien", "giao_vien", "to-4"), ("thhp.totruong", "to_truong", "to-4")):
        events.append(MEMBERSHIP_GRANTED.event(
            {"membership": f"{person}:{role}", "person": person, "school": SCHOOL.slug, "role": role,
             "unit": f"{SCHOOL.slug}/{unit}"}, tenant=SCHOOL.slug, district="pgd-hoa-vang", occurred_at=at))
    identity.publish_many(events)
    identity.publish_many(events[1:2])  # a redelivered event is processed once
    assert identity_worker.drain(timeout=2.0) == 4

    teacher = Principal(sub="thhp.giaovien", tenant=SCHOOL.slug, district="pgd-hoa-vang", roles=frozenset({"giao_vien"}),
                        unit_roles=frozenset({("giao_vien", f"{SCHOOL.slug}/to-4")}))
    ob = c.obligations.mine("thhp.giaovien", TenantScope.for_principal(teacher), "2025-2026")[0][1]
    assert ob.period_key == "2025-2026.t02"  # tuần 1 is Monday 08/9 (the Monday after the Friday opening)
    c.submissions.create(teacher, obligation_id=ob.id, document_id="d", version_id="v1",
                         sha256=hashlib.sha256(b"d").hexdigest())
    assert c.relay.relay_once() >= 2  # the recomputation and the submission
    assert progress_worker.drain(timeout=2.0) >= 2
    head = Principal(sub="thhp.hieutruong", tenant=SCHOOL.slug, district="pgd-hoa-vang",
                     roles=frozenset({"hieu_truong"}))
    p = c.progress.read(head, "school", None, "2025-09")
    assert (p["on_time"], p["awaiting"]) == (1, 1) and p["owed"] > 0
    identity.close()
