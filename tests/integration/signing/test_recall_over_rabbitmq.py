"""The recall projection over a real RabbitMQ: approvals' event in, verification shows the recall;
the signing service's own event goes out through its outbox."""
from __future__ import annotations

import uuid

import kombu
import pytest

from services.approvals.events import RECALLED
from services.kernel.messaging import KombuPublisher, consumer_queue, declare_queues
from services.kernel.testing import TokenFactory, example_event
from services.signing.adapters.approvals_client import FakeApprovals, FakeSubmission
from services.signing.adapters.documents_client import FakeDocuments
from services.signing.bootstrap import bootstrap
from services.signing.domain.credentials import OwnerKind
from services.signing.entrypoints.app import create_app
from services.signing.testing import one_page_pdf

pytestmark = pytest.mark.integration


def test_recall_arrives_through_the_broker_and_signed_events_leave_through_it(amqp_url, tmp_path):
    tokens = TokenFactory()
    approvals, documents = FakeApprovals(), FakeDocuments()
    c = bootstrap({"mode": "test", "db_name": "hoso_signing_it", "spool_dir": str(tmp_path), "level": "B-T"},
                  environ={"AMQP_URL": amqp_url}, verifier=tokens.verifier(), approvals=approvals, documents=documents)
    [worker] = c.workers()
    # a name of this run's own: the broker is shared, and another run deleting its watch queue broke this one
    watcher = consumer_queue(f"signing.it-watch-{uuid.uuid4().hex[:8]}", ("signing.document.*",), quorum=False)
    declare_queues(amqp_url, [worker.queue, watcher])
    with kombu.Connection(amqp_url) as conn:
        for q in (worker.queue, watcher):
            q(conn.channel()).purge()

    c.authority.ensure_district("pgd-hoa-vang", "Phòng GD&ĐT huyện Hòa Vang")
    cred = c.authority.issue_credential(
        district_id="pgd-hoa-vang", tenant_id="th-hoa-phong", owner_id="thhp.hieutruong",
        owner_kind=OwnerKind.PERSON, common_name="Phạm Văn Hùng", organisation="Trường Tiểu học Hòa Phong",
        actor="test")
    version = documents.add("th-hoa-phong", one_page_pdf())
    approvals.add(FakeSubmission(
        id="sub-1", tenant="th-hoa-phong", district="pgd-hoa-vang", book_type="hoc_ba", document_id="hb-1",
        version_id=version.id, sha256=version.sha256,
        steps=[{"order": 1, "role": "hieu_truong", "signer": None, "organisation": False}],
        holders={"thhp.hieutruong": {"hieu_truong"}}))
    client = create_app(container=c).test_client()
    me = {"Authorization": "Bearer " + tokens.issue("thhp.hieutruong", tenant="th-hoa-phong",
                                                    district="pgd-hoa-vang", roles=["hieu_truong"], name="Phạm Văn Hùng")}
    batch = client.post("/api/v1/batches", headers=me,
                        json={"submission_ids": ["sub-1"], "credential_id": cred.id, "wait": True}).json
    code = batch["items"][0]["code"]

    assert c.runtime.relay(c.outbox_collections()).relay_once() == 2  # the signature, and the batch's end
    with kombu.Connection(amqp_url) as conn:
        message = watcher(conn.channel()).get(no_ack=True)
        watcher(conn.channel()).delete()  # the watch queue exists for this test only
    assert message is not None and message.payload["type"] == "signing.document.signed"
    assert message.payload["data"]["code"] == code

    approvals_out = KombuPublisher(url=amqp_url)
    recalled = example_event(RECALLED, actor="thhp.vanthu", submission_id="sub-1", document_id="hb-1",
                             reason="Sai họ tên học sinh", version_ids=[version.id], approved_version_id=version.id)
    approvals_out.publish_many([recalled, recalled])  # delivered twice, projected once
    assert worker.drain(timeout=2.0) >= 1
    approvals_out.close()

    report = client.get(f"/api/v1/verify/{code}").json
    assert report["recalled"] is True and report["recall_reason"] == "Sai họ tên học sinh"
    recall_audits = [e for e in c.runtime.audit.entries(target="sub-1") if e["action"] == "signing.document.recalled"]
    assert len(recall_audits) == 1
