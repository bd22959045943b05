"""Any signing replica completes any batch: prepared on one, finished on another, over the wire.

Two signing applications are bootstrapped on one database (SecantusDB over the MongoDB wire
protocol) and one S3 spool bucket (moto), each with its own scratch folder and its own
in-memory caches. Replica A prepares a USB-token batch and a phone batch and parks them;
replica B is then bootstrapped the way a second pod starts (B's start closes A's database
client, so A can serve nothing more: B works from shared state alone), receives the agent's
signatures or the provider's confirmation, and completes. Approvals, documents and the
remote provider are the shared services both replicas call.
"""
from __future__ import annotations

import base64
import io
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from moto import mock_aws

from infra.standins.wire_db import WireDatabase
from services.kernel.clock import SystemClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory
from services.signing.adapters.approvals_client import FakeApprovals, FakeSubmission
from services.signing.adapters.documents_client import FakeDocuments
from services.signing.adapters.key_paths.remote import SimulatedRemoteProvider
from services.signing.adapters.raw_signing import sign_raw
from services.signing.adapters.records import SignedDocumentDoc
from services.signing.adapters.spool import S3SpoolStore
from services.signing.adapters.verifier import inspect_pdf
from services.signing.adapters.x509_issuer import Subject, new_key
from services.signing.bootstrap import Container, bootstrap
from services.signing.entrypoints.app import create_app
from services.signing.testing import one_page_pdf

DISTRICT, SCHOOL = "pgd-hoa-vang", "th-hoa-phong"
PRINCIPAL = "thhp.hieutruong"
BUCKET = "hoso-signing-spool-it"
KEK = base64.b64encode(os.urandom(32)).decode()


class InlineExecutor(Executor):
    """Background work runs at once, so the test reads the outcome right after the call."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@pytest.fixture(scope="module")
def wire() -> Iterator[WireDatabase]:
    with WireDatabase() as db:
        yield db


@pytest.fixture
def s3(monkeypatch) -> Iterator[Any]:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


class Shared:
    """What both replicas share: the database, the spool bucket, the KEK, and the services they call."""

    def __init__(self, wire: WireDatabase, s3: Any, tmp_path) -> None:
        self.wire, self.s3, self.tmp = wire, s3, tmp_path
        self.db_name = f"hoso_signing_replicas_{uuid.uuid4().hex[:8]}"
        self.tokens = TokenFactory()
        self.approvals, self.documents = FakeApprovals(), FakeDocuments()
        self.provider = SimulatedRemoteProvider(name="simulated", clock=SystemClock())
        self.spool = S3SpoolStore(client=s3, bucket=BUCKET)

    def replica(self, name: str) -> Container:
        return bootstrap(
            {"mode": "test", "mongo_uri": self.wire.uri, "db_name": self.db_name, "kek": KEK, "level": "B-T",
             "spool_store": "s3", "spool_s3_bucket": BUCKET, "spool_dir": str(self.tmp / f"never-{name}"),
             "simulated_remote_provider": False, "log_json": False},
            environ={}, verifier=self.tokens.verifier(), publisher=InMemoryPublisher(), approvals=self.approvals,
            documents=self.documents, executor=InlineExecutor(), remote_providers={"simulated": self.provider},
            spool=self.spool)

    def headers(self) -> dict[str, str]:
        token = self.tokens.issue(PRINCIPAL, tenant=SCHOOL, district=DISTRICT, roles=["hieu_truong"],
                                  name="Phạm Văn Hùng")
        return {"Authorization": f"Bearer {token}"}

    def submissions(self, count: int) -> list[str]:
        sids = []
        for _ in range(count):
            sid = f"sub-{uuid.uuid4().hex[:10]}"
            version = self.documents.add(SCHOOL, one_page_pdf())
            sub = FakeSubmission(
                id=sid, tenant=SCHOOL, district=DISTRICT, book_type="hoc_ba", document_id=f"doc-{sid}",
                version_id=version.id, sha256=version.sha256, state="signing",
                steps=[{"order": 1, "role": "hieu_truong", "signer": None, "organisation": False}],
                holders={PRINCIPAL: {"hieu_truong"}})
            self.approvals.add(sub)
            sids.append(sid)
        return sids


def _register(replica: Container, shared: Shared, path: str, body: dict[str, Any]) -> str:
    client = create_app(container=replica).test_client()
    resp = client.post(f"/api/v1/credentials/{path}", json=body, headers=shared.headers())
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _held_key(replica: Container) -> tuple[Any, bytes]:
    replica.authority.ensure_district(DISTRICT, "Phòng GD&ĐT huyện Hòa Vang")
    key = new_key()
    cert = replica.authority.issue_for_key(district_id=DISTRICT, public_key=key.public_key(),
                                           subject=Subject("Phạm Văn Hùng", "Trường Tiểu học Hòa Phong"))
    return key, cert.public_bytes(serialization.Encoding.DER)


def _start(replica: Container, shared: Shared, sids: list[str], credential_id: str) -> dict[str, Any]:
    client = create_app(container=replica).test_client()
    resp = client.post("/api/v1/batches", headers=shared.headers(),
                       json={"submission_ids": sids, "credential_id": credential_id, "wait": True})
    assert resp.status_code == 202, resp.json
    return resp.json


def _assert_signed(replica: Container, shared: Shared, batch_id: str, sids: list[str]) -> None:
    client = create_app(container=replica).test_client()
    view = client.get(f"/api/v1/batches/{batch_id}", headers=shared.headers()).json
    assert (view["state"], view["signed"], view["failed"]) == ("done", len(sids), 0), view
    roots, crls = replica.authority.trust()
    for sid in sids:
        record = SignedDocumentDoc.objects(submission_id=sid).first()
        pdf = shared.documents.versions[record.latest_version_id][1]
        [finding] = inspect_pdf(io.BytesIO(pdf), trust_roots=roots, crls=crls).signatures
        assert finding.ok and finding.signer_name == "Phạm Văn Hùng"
    assert shared.spool.keys(batch_id) == []  # nothing half-signed is kept once the batch ends


def test_a_token_batch_prepared_on_one_replica_is_completed_on_the_other(wire, s3, tmp_path):
    shared = Shared(wire, s3, tmp_path)
    a = shared.replica("a")
    key, cert_der = _held_key(a)
    credential = _register(a, shared, "token", {"certificate": base64.b64encode(cert_der).decode()})
    sids = shared.submissions(3)
    waiting = _start(a, shared, sids, credential)
    assert waiting["state"] == "waiting" and len(shared.spool.keys(waiting["id"])) == 3
    assert not (tmp_path / "never-a").exists()  # prepared PDFs went to the shared bucket, not to a local folder

    b = shared.replica("b")
    client = create_app(container=b).test_client()
    job = client.get(f"/api/v1/external-jobs/{waiting['external_job_id']}", headers=shared.headers()).json
    signatures = [{"id": i["id"], "signature": base64.b64encode(sign_raw(key, base64.b64decode(i["data"]))).decode()}
                  for i in job["items"]]  # what the agent does with the token
    posted = client.post(f"/api/v1/external-jobs/{job['id']}/signatures", headers=shared.headers(),
                         json={"signatures": signatures})
    assert posted.status_code in (200, 202), posted.json
    _assert_signed(b, shared, waiting["id"], sids)


def test_a_phone_batch_prepared_on_one_replica_is_completed_on_the_other(wire, s3, tmp_path):
    shared = Shared(wire, s3, tmp_path)
    a = shared.replica("a")
    key, cert_der = _held_key(a)
    shared.provider.enrol("0905123456", key, cert_der)
    credential = _register(a, shared, "remote", {"provider": "simulated", "account": "0905123456"})
    sids = shared.submissions(4)
    waiting = _start(a, shared, sids, credential)
    assert waiting["state"] == "waiting" and len(shared.spool.keys(waiting["id"])) == 4

    b = shared.replica("b")
    [(transaction, _description, count)] = shared.provider.pending("0905123456")
    assert count == 4
    shared.provider.confirm(transaction)
    assert b.signing.poll_remote() == 1
    _assert_signed(b, shared, waiting["id"], sids)
