"""1,000 học bạ batch-signed through the signing service's HTTP API, under gunicorn, over the wire.

Run: ``.venv/bin/python -m benchmarks.signing_batch_1000 [--count 1000] [--workers 2]``.

The signing service runs as production runs it (``python -m infra.production --target
signing``: gunicorn, gthread workers, settings from the environment) on the MongoDB wire
protocol (SecantusDB, ``infra/standins/wire_db.py``), at PAdES B-T with the district's
time-stamping authority, with a platform key (the key path a principal's batch takes). The
principal starts one batch of ``--count`` submissions (``POST /api/v1/batches``) and polls
it as the web app does (``?items=none`` every 0.25 s, then the full view once).

The services signing calls (approvals' turns and signature records, documents' PDFs and
signed versions, identity's JWKS and client-credentials token) are answered by one HTTP
server in this process, built on the signing package's own in-memory ``FakeApprovals`` and
``FakeDocuments``: every call still crosses HTTP, but their own database work is not in the
figure (it is in their services' benchmarks). The first signed document is timed when
documents receives it (``POST /versions/{id}/signed``).

Reference, same run, same 1,000 PDFs: pyHanko alone in this process signing them one after
another at B-T with the same kind of TSA, its signer's key kept loaded (a two-line subclass of
``SimpleSigner``, the fair form of the user's alternative; the naive one reloads the key
twice per signature).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from flask import Flask, Response, jsonify, request
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from waitress.server import create_server

from infra.standins.wire_db import WireDatabase, free_port
from services.kernel.testing import TokenFactory
from services.signing.adapters.approvals_client import FakeApprovals, FakeSubmission
from services.signing.adapters.documents_client import FakeDocuments
from services.signing.adapters.x509_issuer import to_asn1
from services.signing.bootstrap import bootstrap
from services.signing.domain.credentials import OwnerKind
from services.signing.testing import DevPki, one_page_pdf

ROOT = Path(__file__).resolve().parents[1]
DISTRICT, SCHOOL, PRINCIPAL = "pgd-hoa-vang", "th-hoa-phong", "thhp.hieutruong"
DB_NAME = "hoso_signing_bench_batch"
LOG = os.path.join(tempfile.gettempdir(), "hoso-bench-signing-batch.log")


class OtherServices:
    """Approvals, documents and identity as the signing service calls them, over HTTP, in memory."""

    def __init__(self, tokens: TokenFactory) -> None:
        self.tokens = tokens
        self.approvals, self.documents = FakeApprovals(), FakeDocuments()
        self.first_signed_at: float | None = None
        self.calls = 0
        self._lock = threading.Lock()
        app = Flask("other-services")
        app.add_url_rule("/oauth/jwks", view_func=lambda: jsonify(tokens.jwks()))
        app.add_url_rule("/oauth/token", methods=["POST"], view_func=self._token)
        app.add_url_rule("/api/v1/submissions/<sid>", view_func=self._submission)
        app.add_url_rule("/api/v1/submissions/<sid>/signing-turn", view_func=self._turn)
        app.add_url_rule("/api/v1/submissions/<sid>/signatures", methods=["POST"], view_func=self._signature)
        app.add_url_rule("/api/v1/internal/versions/<vid>/pdf", view_func=self._pdf)
        app.add_url_rule("/api/v1/internal/versions/<vid>/signed", methods=["POST"], view_func=self._signed)
        app.before_request(self._count)
        self.server = create_server(app, host="127.0.0.1", port=0, threads=8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        threading.Thread(target=self.server.run, daemon=True).start()

    def _count(self) -> None:
        with self._lock:
            self.calls += 1

    def _token(self) -> Response:
        return jsonify({"access_token": self.tokens.service_token("signing", ttl=3600), "token_type": "Bearer",
                        "expires_in": 3600})

    def _submission(self, sid: str) -> Response:
        return jsonify(self.approvals.submission(sid))

    def _turn(self, sid: str) -> Response:
        return jsonify(self.approvals.signing_turn(sid, request.args["signer"]))

    def _signature(self, sid: str) -> Response:
        return jsonify(self.approvals.record_signature(sid, request.get_json()))

    def _pdf(self, vid: str) -> Response:
        out = io.BytesIO()
        self.documents.fetch_pdf(request.args["tenant"], vid, out)
        return Response(out.getvalue(), mimetype="application/pdf")

    def _signed(self, vid: str) -> Response:
        stored = self.documents.store_signed(request.args["tenant"], vid, io.BytesIO(request.get_data()),
                                             file_name=request.headers.get("X-File-Name", ""), signers=[])
        with self._lock:
            if self.first_signed_at is None:
                self.first_signed_at = time.perf_counter()
        return jsonify({"id": stored.id, "sha256": stored.sha256}), 201

    def add_hoc_ba(self, count: int) -> tuple[list[str], list[bytes]]:
        sids, pdfs = [], []
        for n in range(count):
            pdf = one_page_pdf()
            version = self.documents.add(SCHOOL, pdf)
            sid = f"hb-{n:05d}"
            self.approvals.add(FakeSubmission(
                id=sid, tenant=SCHOOL, district=DISTRICT, book_type="hoc_ba", document_id=f"doc-{sid}",
                version_id=version.id, sha256=version.sha256, state="signing",
                steps=[{"order": 1, "role": "hieu_truong", "signer": None, "organisation": False}],
                holders={PRINCIPAL: {"hieu_truong"}}))
            sids.append(sid)
            pdfs.append(pdf)
        return sids, pdfs

    def close(self) -> None:
        self.server.close()


def _environment(db: WireDatabase, others: OtherServices, kek: str, spool: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    env.update({
        "MONGO_URI": db.uri, "HOSO_MODE": "test", "HOSO_SIGNING_DB_NAME": DB_NAME, "HOSO_SIGNING_KEK": kek,
        "HOSO_SIGNING_CLIENT_SECRET": "bench-secret", "HOSO_IDENTITY_URL": others.url,
        "HOSO_APPROVALS_URL": others.url, "HOSO_DOCUMENTS_URL": others.url, "HOSO_JWT_ISSUER": others.tokens.issuer,
        "HOSO_SIGNING_LEVEL": "B-T", "HOSO_SIGNING_FETCH_CRLS": "false", "HOSO_LOG_LEVEL": "WARNING",
        "HOSO_SIGNING_SIMULATED_REMOTE_PROVIDER": "false", "HOSO_SIGNING_SPOOL_DIR": spool,
        "HOSO_AUDIT_ANCHOR_DIR": os.path.join(spool, "anchors"),
    })
    return env


def _credential(db: WireDatabase, kek: str) -> str:
    """The principal's platform credential, issued in the signing database the service will read."""
    container = bootstrap({"mode": "test", "mongo_uri": db.uri, "db_name": DB_NAME, "kek": kek, "log_json": False},
                          environ={})
    container.authority.ensure_district(DISTRICT, "Phòng GD&ĐT huyện Hòa Vang")
    cred = container.authority.issue_credential(
        district_id=DISTRICT, tenant_id=SCHOOL, owner_id=PRINCIPAL, owner_kind=OwnerKind.PERSON,
        common_name="Phạm Văn Hùng", organisation="Trường Tiểu học Hòa Phong", actor="bench")
    return cred.id


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"signing exited with {process.returncode}")
        try:
            if requests.get(url + "/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            time.sleep(0.2)
    raise RuntimeError("signing did not become healthy")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _profiler(pid: int, path: str | None) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the gunicorn master and its workers into ``path`` (collapsed stacks), if asked."""
    if not path:
        return None
    spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--rate", "50",
                             "--nonblocking", "-o", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def through_the_api(count: int, workers: int, profile: str | None = None) -> dict[str, Any]:
    tokens = TokenFactory()
    others = OtherServices(tokens)
    kek = base64.b64encode(os.urandom(32)).decode()
    with WireDatabase() as db, tempfile.TemporaryDirectory() as spool:
        credential = _credential(db, kek)
        sids, _pdfs = others.add_hoc_ba(count)
        port = free_port()
        cpu_before = _children_cpu()
        log = open(LOG, "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.production", "--target", "signing", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers)], cwd=ROOT, env=_environment(db, others, kek, spool), stdout=log, stderr=log)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, process)
            headers = {"Authorization": "Bearer " + tokens.issue(
                PRINCIPAL, tenant=SCHOOL, district=DISTRICT, roles=["hieu_truong"], name="Phạm Văn Hùng", ttl=3600)}
            http = requests.Session()
            polls = 0
            spy = _profiler(process.pid, profile)
            start, own_cpu = time.perf_counter(), time.process_time()
            batch = http.post(url + "/api/v1/batches", headers=headers, timeout=60,
                              json={"submission_ids": sids, "credential_id": credential}).json()
            accepted = time.perf_counter() - start
            while batch.get("state") not in ("done", "failed"):
                time.sleep(0.25)
                batch = http.get(f"{url}/api/v1/batches/{batch['id']}?items=none", headers=headers,
                                 timeout=60).json()  # as the web app polls
                polls += 1
            total, own_cpu = time.perf_counter() - start, time.process_time() - own_cpu
            batch = http.get(f"{url}/api/v1/batches/{batch['id']}", headers=headers, timeout=60).json()
            if spy is not None:
                spy.send_signal(2)
                spy.wait(timeout=60)
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        service_cpu = _children_cpu() - cpu_before  # gunicorn's master and workers, reaped
    others.close()
    first = (others.first_signed_at - start) if others.first_signed_at else float("nan")
    return {"total": total, "first": first, "accepted": accepted, "signed": batch["signed"],
            "failed": batch["failed"], "state": batch["state"], "polls": polls, "calls": others.calls,
            "service_cpu": service_cpu, "own_cpu": own_cpu}


class KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner with the cryptography key loaded once (it reloads it per signature)."""

    def __init__(self, *, key: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self._kept = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        return self._kept.sign(data, padding.PKCS1v15(), hashes.SHA256())


def pyhanko_reference(pdfs: list[bytes]) -> tuple[float, float]:
    """Wall and CPU seconds for pyHanko alone to sign ``pdfs`` at B-T in this process with one kept key."""
    pki = DevPki()
    holder = pki.issue("Phạm Văn Hùng")
    signer = KeptKeySigner(key=holder.key, signing_cert=to_asn1(holder.certificate),
                           signing_key=None, cert_registry=SimpleCertificateStore.from_certs([to_asn1(pki.ca)]))
    timestamper = pki.timestamper()
    meta = signers.PdfSignatureMetadata(field_name="KyHieuTruong", subfilter=fields.SigSeedSubFilter.PADES)
    start, cpu = time.perf_counter(), time.process_time()
    for pdf in pdfs:
        out = io.BytesIO()
        signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
        hashlib.sha256(out.getvalue()).hexdigest()  # what storing the result would start with
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.signing_batch_1000")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", help="write py-spy's collapsed stacks of the signing service to this file")
    args = parser.parse_args(argv)
    api = through_the_api(args.count, args.workers, args.profile)
    reference, reference_cpu = pyhanko_reference([one_page_pdf() for _ in range(args.count)])
    print(f"{args.count} học bạ through the HTTP API (gunicorn, {args.workers} workers, wire DB, B-T):")
    print(f"  batch accepted (202) after          {api['accepted']:7.2f} s")
    print(f"  first signed document stored after  {api['first']:7.2f} s   (goal < 2 s)")
    print(f"  all done after                      {api['total']:7.2f} s   (goal < 60 s)  "
          f"state={api['state']} signed={api['signed']} failed={api['failed']} polls={api['polls']} "
          f"calls to approvals/documents={api['calls']}")
    print(f"  CPU: signing service {api['service_cpu']:.1f} s, this process (other services, poller) "
          f"{api['own_cpu']:.1f} s")
    print(f"reference, pyHanko alone, key kept loaded, same {args.count} PDFs: {reference:7.2f} s wall, "
          f"{reference_cpu:.1f} s CPU")
    print(f"ratio API / pyHanko alone: {api['total'] / reference:.2f}x wall "
          f"({args.count / api['total']:.1f} vs {args.count / reference:.1f} documents/s); "
          f"{api['service_cpu'] / reference_cpu:.2f}x CPU (signing service against pyHanko)")
    print(f"machine load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
