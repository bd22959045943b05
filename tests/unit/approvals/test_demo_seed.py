"""The demo seed leaves non-empty queues and progress for the demo's people, and is idempotent."""
from __future__ import annotations

from datetime import datetime

from infra.demo.documents import demo_documents
from services.approvals.adapters.documents_service import FakeDocuments
from services.approvals.bootstrap import bootstrap
from services.approvals.domain.calendar import TIMEZONE
from services.approvals.entrypoints.demo import seed_demo
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.approvals.adapters.repositories import SubmissionRepository
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope


def test_demo_seed_fills_queues_and_progress():
    publisher = InMemoryPublisher()
    documents = FakeDocuments()  # what the documents seed stores: each demo file in its uploader's slot
    for d in demo_documents():
        documents.add(d.school, d.document_id, d.version_id, d.sha256, owners={d.uploader})
    c = bootstrap({"mode": "test"}, environ={}, clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=TIMEZONE)),
                  publisher=publisher, documents=documents)
    seed_demo(c)
    seed_demo(c)
    totruong = Principal(sub="thhp.totruong", tenant="th-hoa-phong", district="pgd-hoa-vang",
                         roles=frozenset({"to_truong", "giao_vien"}),
                         unit_roles=frozenset({("to_truong", "th-hoa-phong/to-4"), ("giao_vien", "th-hoa-phong/to-4")}))
    assert len(c.submissions.queue(totruong)[0]) == 1
    principal = Principal(sub="thhp.hieutruong", tenant="th-hoa-phong", district="pgd-hoa-vang",
                          roles=frozenset({"hieu_truong"}))
    states = sorted(d.state for d in SubmissionRepository(scope=TenantScope.for_principal(principal)).query())
    assert states == ["approved", "returned", "signing", "signing", "signing", "submitted"]
    gvcn = Principal(sub="thhp.giaovien", tenant="th-hoa-phong", district="pgd-hoa-vang", roles=frozenset({"giao_vien"}),
                     unit_roles=frozenset({("giao_vien", "th-hoa-phong/to-4"), ("giao_vien", "th-hoa-phong/lop-4a")}))
    to_sign = c.submissions.signing_queue(gvcn)[0]
    assert [(i["book_type"], i["action"], i["my_order"]) for i in to_sign] == [("hoc_ba", "sign", 1)] * 3
    demo = {d.version_id: d for d in demo_documents() if d.submission}
    assert {(i["document_id"], i["approved_sha256"]) for i in to_sign} == {
        (demo[i["approved_version_id"]].document_id, demo[i["approved_version_id"]].sha256) for i in to_sign}
    c.relay.relay_once()
    for e in publisher.published:
        c.progress_consumer.handle(e)
    boss = Principal(sub="pgd.truongphong", district="pgd-hoa-vang", roles=frozenset({"truong_phong"}))
    year = c.progress.read(boss, "district", None, "2026-2027")
    assert year["owed"] > 0 and year["missing"] > 0 and year["on_time"] == 10 and year["awaiting"] == 3  # học bạ of Lớp 4A counted once
