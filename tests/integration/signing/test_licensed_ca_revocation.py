"""Certificates of other (licensed) CAs: their CRL, fetched from the distribution point, makes the
signature B-LT, and a certificate it lists is refused before anything is stored."""
from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory
from services.signing.adapters.approvals_client import FakeApprovals, FakeSubmission
from services.signing.adapters.documents_client import FakeDocuments
from services.signing.adapters.records import SignedDocumentDoc
from services.signing.bootstrap import bootstrap
from services.signing.entrypoints.app import create_app
from services.signing.testing import DevPki, one_page_pdf

PIN = "135246"


@pytest.fixture
def licensed_ca():
    """A licensed CA whose CRL is published over HTTP on this machine."""
    ca = DevPki()
    served = {}

    class Crl(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = ca.crl().public_bytes(serialization.Encoding.DER)
            served["hits"] = served.get("hits", 0) + 1
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Crl)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ca, f"http://127.0.0.1:{server.server_port}/ca.crl", served
    server.shutdown()


def world(tmp_path, ca: DevPki, *, trusted: bool = True):
    roots = tmp_path / "roots"
    roots.mkdir()
    if trusted:
        (roots / "licensed-root.pem").write_bytes(ca.ca.public_bytes(serialization.Encoding.PEM))
    tokens, approvals, documents = TokenFactory(), FakeApprovals(), FakeDocuments()
    c = bootstrap({"mode": "test", "spool_dir": str(tmp_path / "spool"), "level": "B-LT",
                   "trust_roots_dir": str(roots)}, environ={},
                  verifier=tokens.verifier(), publisher=InMemoryPublisher(), approvals=approvals, documents=documents)
    c.authority.ensure_district("pgd-hoa-vang", "Phòng GD&ĐT huyện Hòa Vang")
    version = documents.add("th-hoa-phong", one_page_pdf())
    approvals.add(FakeSubmission(
        id="sub-1", tenant="th-hoa-phong", district="pgd-hoa-vang", book_type="hoc_ba", document_id="hb-1",
        version_id=version.id, sha256=version.sha256,
        steps=[{"order": 1, "role": "hieu_truong", "signer": None, "organisation": False}],
        holders={"thhp.hieutruong": {"hieu_truong"}}))
    me = {"Authorization": "Bearer " + tokens.issue("thhp.hieutruong", tenant="th-hoa-phong", district="pgd-hoa-vang",
                                                    roles=["hieu_truong"], name="Phạm Văn Hùng")}
    return c, create_app(container=c).test_client(), me, documents


def register(client, me, ca: DevPki, holder) -> str:
    p12 = pkcs12.serialize_key_and_certificates(b"ht", holder.key, holder.certificate, [ca.ca],
                                                serialization.BestAvailableEncryption(PIN.encode()))
    resp = client.post("/api/v1/credentials/pkcs12", headers=me,
                       json={"p12": base64.b64encode(p12).decode(), "pin": PIN})
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def test_reachable_crl_makes_the_signature_b_lt(tmp_path, licensed_ca):
    ca, url, served = licensed_ca
    c, client, me, _documents = world(tmp_path, ca)
    cred = register(client, me, ca, ca.issue("Phạm Văn Hùng", crl_url=url))
    body = client.post("/api/v1/batches", headers=me,
                       json={"submission_ids": ["sub-1"], "credential_id": cred, "pin": PIN, "wait": True}).json
    assert body["signed"] == 1, body
    [signature] = SignedDocumentDoc.objects(submission_id="sub-1").first().signatures
    assert signature["level"] == "B-LT" and served["hits"] == 1


def test_a_certificate_on_its_cas_crl_is_refused_and_nothing_is_stored(tmp_path, licensed_ca):
    ca, url, _served = licensed_ca
    c, client, me, documents = world(tmp_path, ca)
    holder = ca.issue("Phạm Văn Hùng", crl_url=url)
    cred = register(client, me, ca, holder)
    ca.revoke(holder)
    body = client.post("/api/v1/batches", headers=me,
                       json={"submission_ids": ["sub-1"], "credential_id": cred, "pin": PIN, "wait": True}).json
    assert body["state"] == "failed" and "thu hồi" in body["reason"] and body["signed"] == 0
    assert len(documents.versions) == 1 and SignedDocumentDoc.objects(submission_id="sub-1").first() is None


def test_no_fetch_for_a_ca_nobody_trusts(tmp_path, licensed_ca):
    """A self-made certificate cannot make the server call the address it names."""
    ca, url, served = licensed_ca
    c, client, me, _documents = world(tmp_path, ca, trusted=False)
    cred = register(client, me, ca, ca.issue("Phạm Văn Hùng", crl_url=url))
    body = client.post("/api/v1/batches", headers=me,
                       json={"submission_ids": ["sub-1"], "credential_id": cred, "pin": PIN, "wait": True}).json
    assert body["signed"] == 1
    [signature] = SignedDocumentDoc.objects(submission_id="sub-1").first().signatures
    assert signature["level"] == "B-T" and "hits" not in served
