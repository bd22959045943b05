"""The demo seed: a district CA, personal and organisational certificates, a remote account per principal,
and a principal who signs through the simulated phone (register, sign, confirm) over the API."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory
from services.signing.adapters.approvals_client import FakeApprovals, FakeSubmission
from services.signing.adapters.documents_client import FakeDocuments
from services.signing.adapters.records import CredentialDoc
from services.signing.bootstrap import bootstrap
from services.signing.entrypoints.app import create_app
from services.signing.entrypoints.demo import seed_demo
from services.signing.testing import one_page_pdf


def test_seed_then_principal_signs_confirming_on_the_simulated_phone(tmp_path):
    tokens = TokenFactory()
    approvals, documents = FakeApprovals(), FakeDocuments()
    c = bootstrap({"mode": "test", "spool_dir": str(tmp_path), "level": "B-T", "remote_poll_seconds": 0.05},
                  environ={}, verifier=tokens.verifier(), publisher=InMemoryPublisher(), approvals=approvals,
                  documents=documents, executor=ThreadPoolExecutor(max_workers=1))
    seed_demo(c)
    owners = {(d.tenant_id, d.owner_id, d.owner_kind) for d in CredentialDoc.objects}
    assert ("th-hoa-phong", "th-hoa-phong", "organisation") in owners
    assert ("th-hoa-phong", "thhp.hieutruong", "person") in owners
    assert ("th-hoa-phong", "thhp.giaovien", "person") in owners  # the GVCN of lớp 4A
    # the oversight staff belong to no school: their unit's (or the province's) CA issues theirs
    assert (None, "pgd.chuyenvien", "person") in owners and (None, "so.chuyenvien", "person") in owners
    assert CredentialDoc.objects(owner_id="so.chuyenvien").first().district_id == "so-da-nang"
    assert len(owners) == 12

    client = create_app(container=c).test_client()
    me = {"Authorization": "Bearer " + tokens.issue("thhp.hieutruong", tenant="th-hoa-phong", district="pgd-hoa-vang",
                                                    roles=["hieu_truong"], name="Phạm Văn Hùng")}
    cred = client.post("/api/v1/credentials/remote", json={"provider": "simulated", "account": "thhp.hieutruong"},
                       headers=me).json
    assert cred["subject"] == "Phạm Văn Hùng" and cred["kind"] == "remote"
    version = documents.add("th-hoa-phong", one_page_pdf())
    approvals.add(FakeSubmission(
        id="sub-1", tenant="th-hoa-phong", district="pgd-hoa-vang", book_type="bang_tong_hop", document_id="d",
        version_id=version.id, sha256=version.sha256,
        steps=[{"order": 1, "role": "hieu_truong", "signer": None, "organisation": False}],
        holders={"thhp.hieutruong": {"hieu_truong"}}))

    batch = client.post("/api/v1/batches", json={"submission_ids": ["sub-1"], "credential_id": cred["id"]},
                        headers=me).json
    for _ in range(200):
        pending = client.get("/api/v1/remote/simulated/pending", headers=me).json["items"]
        if pending:
            break
        time.sleep(0.05)
    [request] = pending
    assert request["count"] == 1
    assert client.post(f"/api/v1/remote/simulated/transactions/{request['transaction_id']}/confirm",
                       headers=me).status_code == 200
    for _ in range(200):
        view = client.get(f"/api/v1/batches/{batch['id']}", headers=me).json
        if view["state"] == "done":
            break
        time.sleep(0.05)
    assert view["signed"] == 1 and view["remote_transaction_id"] == request["transaction_id"]
