"""Signing as a step of the approvals flow, one document or hundreds under one authorisation.

Each item goes: ask approvals whose turn it is and which version was approved; fetch that
version (or the latest signed one derived from it) from documents; check the bytes are what
was approved; refuse unsignable PDFs; stamp and prepare the signature; sign; complete the
PDF, store it as a new immutable version through documents, and record it with approvals.
A failure is reported on its item and the others go on; a failed item leaves nothing behind
(its prepared files are removed and no version is stored).

With a key the service holds (platform key, PKCS#12 and its PIN) a batch streams: it is
signed in small chunks (1, 2, 4 … up to 32 documents) from one PIN, so the first signed
document exists within a second and progress moves document by document. A USB token or a
phone needs one authorisation for the whole batch, so every item is prepared first and the
batch parks.

State lives in the batch and item documents (MongoDB) and prepared PDFs of a parked batch in
the shared spool (S3 in production), so a batch waiting for a phone or a token can be
completed by whichever replica receives the signatures.
Waiting is a state, never a thread: a batch parks in ``waiting`` once its request has gone
to the phone or the token, and is resumed when the reply arrives (``poll_remote`` /
``resume_remote`` for phones, ``signatures_arrived`` for the agent). Work runs on a
:class:`~services.signing.service_layer.scheduler.TaskRunner` keyed by school, so schools
take turns on the batch threads.
"""
from __future__ import annotations

import contextlib

import base64
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, Problem
from services.signing.events import BATCH_FAILED, BATCH_FINISHED, DOCUMENT_SIGNED
from services.kernel.ids import new_id
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantRepository, TenantScope
from services.signing.adapters.approvals_client import ApprovalsPort, refusal_for_turn
from services.signing.adapters.crl_fetcher import CrlFetcher
from services.signing.adapters.documents_client import DocumentsPort
from services.signing.adapters.key_paths.base import KeyPath, ToBeSigned
from services.signing.adapters.key_paths.external import ExternalJobStore
from services.signing.adapters.pades import (
    PadesEngine, PreparedSignature, SigningIdentity, StampContent, StampPlacement,
)
from services.signing.adapters.pdf_checks import check_signable
from services.signing.adapters.records import BatchDoc, BatchItemDoc, SignedDocumentDoc
from services.signing.adapters.spool import SpoolError, SpoolStore, spool_key
from services.signing.domain import stamps
from services.signing.domain.credentials import Credential, KeyPathKind, OwnerKind
from services.signing.domain.errors import CertificateRevoked, DocumentChanged, OutOfTurn, SigningRefused
from services.signing.service_layer.authority import CertificateAuthority
from services.signing.service_layer.credentials import CredentialService, certificate_facts
from services.signing.service_layer.scheduler import TaskRunner

log = logging.getLogger(__name__)

PENDING, PREPARED, SIGNED, FAILED = "pending", "prepared", "signed", "failed"
#: Key paths whose ``begin`` answers at once: their batches stream in chunks and never park.
IMMEDIATE = frozenset({KeyPathKind.PLATFORM, KeyPathKind.PKCS12})
LARGEST_CHUNK = 32
UNEXPECTED = "Lỗi hệ thống khi ký tài liệu này; tài liệu chưa được ký, các tài liệu khác vẫn được ký tiếp."


class BatchRepository(TenantRepository[BatchDoc]):
    document = BatchDoc


class SignedDocumentRepository(TenantRepository[SignedDocumentDoc]):
    document = SignedDocumentDoc


def refusal_problem(exc: SigningRefused) -> Problem:
    return Problem(exc.detail, status=exc.status, code=exc.code, title="Không thể ký tài liệu.", field=exc.field)


@dataclass
class EngineChoice:
    """How signatures are timestamped and how far revocation data is embedded."""

    level: str  # B-B | B-T | B-LT
    tsa_url: str | None


class SigningService:
    def __init__(
        self, *, approvals: ApprovalsPort, documents: DocumentsPort, authority: CertificateAuthority,
        credentials: CredentialService, key_paths: dict[KeyPathKind, KeyPath], clock: Clock, audit: AuditLog,
        spool: SpoolStore, verify_base_url: str, engine_choice: EngineChoice, executor: TaskRunner,
        jobs: ExternalJobStore, crls: CrlFetcher | None = None, remote_timeout_seconds: float = 300.0,
        item_threads: int = 1,
    ) -> None:
        self._jobs = jobs
        self._crls = crls
        self._approvals = approvals
        self._documents = documents
        self._authority = authority
        self._credentials = credentials
        self._paths = key_paths
        self._clock = clock
        self._audit = audit
        self._spool = spool
        self._verify_base = verify_base_url.rstrip("/")
        self._choice = engine_choice
        self._runner = executor
        self._remote_timeout = remote_timeout_seconds
        self._engines: dict[str, PadesEngine] = {}
        self._base_engine = PadesEngine(timestamper=None)
        # documents of one chunk are fetched, prepared, stored and recorded side by side: most of an
        # item's time is waiting on documents, approvals and the database (threads start on first use)
        self._item_pool = (ThreadPoolExecutor(max_workers=item_threads, thread_name_prefix="signing-item")
                           if item_threads > 1 else None)

    # ----- engines ---------------------------------------------------------------------------
    def _engine(self, district_id: str) -> PadesEngine:
        if self._choice.level == "B-B":
            return self._base_engine
        engine = self._engines.get(district_id)
        if engine is None:
            timestamper: TimeStamper = (HTTPTimeStamper(self._choice.tsa_url) if self._choice.tsa_url
                                        else self._authority.timestamper(district_id))
            engine = PadesEngine(timestamper=timestamper, font=self._base_engine.font)
            self._engines[district_id] = engine
        return engine

    @property
    def level(self) -> str:
        """The PAdES level signatures are made at (B-B, B-T, B-LT)."""
        return self._choice.level

    def engine_for(self, district_id: str) -> PadesEngine:
        """The PAdES engine (with that unit's timestamper) other signing use cases share."""
        return self._engine(district_id)

    def revocation_for(self, cred: Credential) -> list | None:
        """The CRLs to embed for ``cred`` (B-LT), or None; refuses a certificate its CA has revoked."""
        return self._revocation_crls(cred)

    # ----- batches ---------------------------------------------------------------------------
    def start(self, principal: Principal, *, submission_ids: list[str], credential_id: str, pin: str | None,
              on_behalf_of: str | None = None, wait: bool = False) -> dict[str, Any]:
        """Start signing ``submission_ids`` with one credential; runs in the background unless ``wait``.

        With ``on_behalf_of`` the signer signs in another person's turn (ký thay) under a delegation
        their token carries; the signature is their own, recorded as made for that person.
        """
        cred = self._credentials.usable(principal, credential_id)
        if on_behalf_of is not None and not any(d.on_behalf_of == on_behalf_of for d in principal.act):
            raise Forbidden("Bạn không có ủy quyền ký thay người này.")
        batch = BatchDoc(
            id=new_id(), actor=principal.sub, on_behalf_of=on_behalf_of, credential_id=cred.id,
            key_path=cred.kind.value, state="preparing", created_at=self._clock.now(),
            actor_claims=_claims_of(principal),
        )
        batch._items = [{"submission_id": sid, "status": PENDING} for sid in dict.fromkeys(submission_ids)]
        batch.total = len(batch._items)
        BatchRepository(scope=TenantScope.for_principal(principal)).add(batch)
        BatchItemDoc._get_collection().insert_many(
            [{"batch_id": batch.id, "index": i, "data": item} for i, item in enumerate(batch._items)])
        self._audit.append(action="signing.batch.started", actor=principal.sub, tenant=batch.tenant_id,
                           district=batch.district_id, target=batch.id,
                           data={"credential": cred.id, "key_path": cred.kind.value, "count": len(batch._items)})
        if wait:
            self._run(batch.id, principal, pin)
        else:
            self._runner.submit(batch.tenant_id, self._run_logged, batch.id, principal, pin)
        return self.view(principal, batch.id)

    def view(self, principal: Principal, batch_id: str, *, items: bool = True) -> dict[str, Any]:
        """The batch with every item's outcome, or (``items=False``) its counts alone: one read, for polling."""
        batch = BatchRepository(scope=TenantScope.for_principal(principal)).get(batch_id)
        if batch.actor != principal.sub:
            raise NotFound()
        if not items:
            return progress_view(batch)
        return batch_view(_with_items(batch))

    def _run_logged(self, batch_id: str, principal: Principal, pin: str | None) -> None:
        try:
            self._run(batch_id, principal, pin)
        except Exception:
            log.exception("signing batch %s crashed", batch_id)
            reason = "Lỗi hệ thống khi ký; không tài liệu nào bị ký dở."
            try:  # the batch ends failed like any other, and its signer is told (signing.batch.failed)
                self._fail_batch(_with_items(BatchDoc.objects(id=batch_id).first()), reason)
            except Exception:
                log.exception("signing batch %s could not be closed; marked failed", batch_id)
                BatchDoc.objects(id=batch_id).update_one(set__state="failed", set__reason=reason)
                self._spool.delete_batch(batch_id)

    def _run(self, batch_id: str, principal: Principal, pin: str | None) -> None:
        batch = _with_items(BatchDoc.objects(id=batch_id).first())
        cred = self._credentials.usable(principal, batch.credential_id)
        path = self._paths[cred.kind]
        identity = _identity(cred)
        engine = self._engine(batch.district_id)
        if cred.kind in IMMEDIATE:
            self._stream(batch, principal, cred, path, identity, engine, pin)
            return
        def prepare(index: int) -> None:
            out_path = self._prepare_item(batch, batch._items[index], principal, cred, identity, engine, folder, index)
            if batch._items[index]["status"] == PREPARED:  # kept where any replica completes it
                self._spool.put(spool_key(batch.id, str(index)), out_path)
            _remove(out_path)
            _save_item(batch, index)

        with tempfile.TemporaryDirectory(prefix="hoso-sign-") as folder:
            self._each(prepare, range(len(batch._items)))
        prepared = [i for i in batch._items if i["status"] == PREPARED]
        if not prepared:
            self._finish(batch)
            return
        try:
            self._revocation_crls(cred)  # a certificate its CA has revoked is refused before the key is used
            ticket = path.begin(cred, _to_sign(prepared), pin=pin)
        except SigningRefused as exc:
            self._fail_batch(batch, exc.detail)
            return
        batch.state, batch.ticket_id = "waiting", ticket.id  # parked: no thread waits for the person
        batch.save()

    def _stream(self, batch: BatchDoc, principal: Principal, cred: Credential, path: KeyPath,
                identity: SigningIdentity, engine: PadesEngine, pin: str | None) -> None:
        """Prepare, sign and complete chunk by chunk with a key the service holds; nothing parks."""
        batch.state = "signing"
        batch.save()
        try:
            crls = self._revocation_crls(cred)  # a certificate its CA has revoked is refused before the key is used
        except SigningRefused as exc:
            self._fail_batch(batch, exc.detail)
            return
        with tempfile.TemporaryDirectory(prefix="hoso-sign-") as folder:
            for chunk in _chunks(len(batch._items)):
                def prepare(index: int) -> str:
                    out_path = self._prepare_item(batch, batch._items[index], principal, cred, identity, engine,
                                                  folder, index)
                    if batch._items[index]["status"] != PREPARED:
                        _save_item(batch, index)
                    return out_path

                paths = self._each(prepare, chunk)
                outputs = {i: p for i, p in zip(chunk, paths) if batch._items[i]["status"] == PREPARED}
                if not outputs:
                    continue
                try:
                    ticket = path.begin(cred, _to_sign([batch._items[i] for i in outputs]), pin=pin)
                except SigningRefused as exc:
                    for out_path in outputs.values():
                        _remove(out_path)
                    self._fail_batch(batch, exc.detail)
                    return
                signatures = ticket.signatures or {}
                self._each(lambda i: self._complete_one(batch, i, principal, cred, identity, engine, signatures,
                                                        outputs[i], crls), list(outputs))
        self._finish(batch)

    def _each(self, fn: Callable[[int], Any], indexes: range | list[int]) -> list[Any]:
        """``fn`` over ``indexes``, side by side on the item threads when there are several; results in order."""
        if self._item_pool is None or len(indexes) < 2:
            return [fn(i) for i in indexes]
        return list(self._item_pool.map(fn, indexes))

    def poll_remote(self) -> int:
        """Periodic: resume every batch whose phone confirmation has arrived; returns how many resumed.

        One status call per waiting remote batch; nothing blocks. A batch older than the remote
        timeout is failed.
        """
        resumed = 0
        cutoff = self._clock.now() - timedelta(seconds=self._remote_timeout)
        for batch in BatchDoc.objects(state="waiting", key_path=KeyPathKind.REMOTE.value):
            created = batch.created_at.replace(tzinfo=timezone.utc) if batch.created_at.tzinfo is None \
                else batch.created_at
            if created < cutoff:
                self._fail_batch(_with_items(batch), "Yêu cầu ký đã hết hạn trước khi được xác nhận.")
                continue
            resumed += self._try_remote(batch)
        return resumed

    def resume_remote(self, transaction_id: str) -> bool:
        """The provider reported on ``transaction_id`` (a callback, or the simulated phone): resume its batch."""
        batch = BatchDoc.objects(ticket_id=transaction_id, state="waiting", key_path=KeyPathKind.REMOTE.value).first()
        return batch is not None and self._try_remote(batch)

    def _try_remote(self, batch: BatchDoc) -> bool:
        """Ask the provider once; on an answer, claim the batch and hand its completion to the runner."""
        _with_items(batch)
        principal = Principal.from_claims(batch.actor_claims)
        to_sign = _to_sign([i for i in batch._items if i["status"] == PREPARED])
        try:
            cred = self._credentials.usable(principal, batch.credential_id)  # the binding rule, again, at signing
            signatures = self._paths[cred.kind].collect(cred, batch.ticket_id, to_sign)
        except SigningRefused as exc:
            self._fail_batch(batch, exc.detail)
            return False
        except Problem as exc:
            self._fail_batch(batch, exc.detail or exc.title)
            return False
        if signatures is None:
            return False
        if not BatchDoc.objects(id=batch.id, state="waiting").update_one(set__state="completing"):
            return False  # another process resumed it first
        batch.state = "completing"
        self._runner.submit(batch.tenant_id, self._complete_logged, batch, principal, cred, signatures)
        return True

    def expire_waiting(self, older_than_seconds: float) -> int:
        """Fail batches still waiting for a token or a phone after ``older_than_seconds``; prepared PDFs removed."""
        cutoff = self._clock.now() - timedelta(seconds=older_than_seconds)
        expired = 0
        for batch in map(_with_items, BatchDoc.objects(state="waiting", created_at__lt=cutoff)):
            self._fail_batch(batch, "Yêu cầu ký đã hết hạn trước khi được xác nhận.")
            expired += 1
        return expired

    def signatures_arrived(self, principal: Principal, job_id: str, posted: dict[str, bytes]) -> dict[str, Any]:
        """The agent posted a job's signatures: check them now, complete the batch in the background.

        Checking is quick (one verification per signature) so a bad reply is refused to the agent
        at once; completing hundreds of documents is not, so the agent does not wait for it.
        """
        batch = BatchRepository(scope=TenantScope.for_principal(principal)).query(
            ticket_id=job_id, state="waiting").first()
        if batch is None or batch.actor != principal.sub:
            raise NotFound()
        _with_items(batch)
        cred = self._credentials.usable(principal, batch.credential_id)
        self._jobs.attach_signatures(job_id, posted)
        to_sign = _to_sign([i for i in batch._items if i["status"] == PREPARED])
        try:
            signatures = self._paths[cred.kind].collect(cred, job_id, to_sign)
        except SigningRefused as exc:
            self._fail_batch(batch, exc.detail)
            raise refusal_problem(exc) from None
        if not BatchDoc.objects(id=batch.id, state="waiting").update_one(set__state="completing"):
            raise Conflict("Các chữ ký của yêu cầu này đã được nhận.")
        batch.state = "completing"
        self._runner.submit(batch.tenant_id, self._complete_logged, batch, principal, cred, signatures or {})
        return batch_view(batch)

    def agent_signatures(self, person: str, job_id: str, posted: dict[str, bytes]) -> dict[str, Any]:
        """The paired agent posted ``job_id``'s signatures: handled as if its signer had posted them.

        The signer is the batch's own (their verified claims kept when it parked); a job whose
        batch another person started is not found.
        """
        batch = BatchDoc.objects(ticket_id=job_id, key_path=KeyPathKind.EXTERNAL.value).only(
            "actor", "actor_claims").first()
        if batch is None or batch.actor != person:
            raise NotFound()
        return self.signatures_arrived(Principal.from_claims(batch.actor_claims), job_id, posted)

    def _complete_logged(self, batch: BatchDoc, principal: Principal, cred: Credential,
                         signatures: dict[str, bytes]) -> None:
        try:
            self._complete(batch, principal, cred, _identity(cred), self._engine(batch.district_id), signatures)
        except Exception:
            log.exception("completing signing batch %s crashed", batch.id)
            self._fail_batch(batch, "Lỗi hệ thống khi hoàn tất chữ ký; tài liệu chưa được ký.")

    # ----- one item ---------------------------------------------------------------------------
    def _prepare_item(self, batch: BatchDoc, item: dict, principal: Principal, cred: Credential,
                      identity: SigningIdentity, engine: PadesEngine, folder: str, index: int) -> str:
        """Prepare one item into ``folder``; returns the prepared PDF's path (removed if the item failed)."""
        sid = item["submission_id"]
        source_path, out_path = os.path.join(folder, f"{index}.in.pdf"), os.path.join(folder, f"{index}.out.pdf")
        try:
            sub = self._approvals.submission(sid)
            if sub.get("tenant") != batch.tenant_id or sub.get("district") not in (None, batch.district_id):
                raise NotFound("Không tìm thấy hồ sơ này trong trường của bạn.")  # another school's id in the body
            turn = self._approvals.signing_turn(sid, batch.on_behalf_of or principal.sub)
            if not turn.get("may_sign"):
                raise refusal_for_turn(turn)
            if batch.on_behalf_of:
                allowed, for_whom = principal.may_act_as(turn["role"], None, sub["book_type"],
                                                         now=int(self._clock.now().timestamp()))
                if not allowed or for_whom != batch.on_behalf_of:
                    raise OutOfTurn("Ủy quyền của bạn không bao gồm bước ký này của hồ sơ.")
            if bool(turn.get("organisation")) != (cred.owner_kind is OwnerKind.ORGANISATION):
                raise SigningRefused("Bước ký này cần chứng thư số của cơ quan." if turn.get("organisation")
                                     else "Bước ký này cần chứng thư số cá nhân của người ký.")
            record = SignedDocumentDoc.objects(submission_id=sid, tenant_id=batch.tenant_id).first()
            fresh = record is None or record.approved_version_id != turn["version_id"]
            base_id = turn["version_id"] if fresh else record.latest_version_id
            expected = turn["sha256"] if fresh else record.latest_sha256
            code = stamps.new_document_code() if fresh else record.code
            with open(source_path, "wb") as f:
                self._documents.fetch_pdf(batch.tenant_id, base_id, f)
            if _sha256_file(source_path) != expected:
                raise DocumentChanged()
            facts = certificate_facts(cred.certificate_der)
            page, box = stamps.placement_for(sub["book_type"], turn["order"])
            stamp = StampContent(
                signer_name=facts.subject_name,
                role_label=stamps.role_label(turn["role"], bool(turn.get("organisation")), for_other=bool(batch.on_behalf_of)),
                unit_name=facts.organisation or "", signed_at=self._clock.now(), document_code=code,
                verify_url=f"{self._verify_base}/{code}",
            )
            with open(source_path, "rb") as source, open(out_path, "w+b") as out:
                prepared = engine.prepare(check_signable(source), out, identity=identity,
                                          field_name=stamps.field_name(turn["order"], turn["role"]),
                                          stamp=stamp, placement=StampPlacement(page, box))
            item.update({
                "status": PREPARED, "order": turn["order"], "role": turn["role"],
                "organisation": bool(turn.get("organisation")), "approved_version_id": turn["version_id"],
                "approved_sha256": turn["sha256"], "base_version_id": base_id, "code": code, "fresh": fresh,
                "document_id": sub["document_id"], "book_type": sub["book_type"],
                "label": f"{stamps.ROLE_LABELS.get(turn['role'], turn['role'])} ký hồ sơ {sub['book_type']} ({code})",
                "field_name": prepared.field_name, "data_to_sign": base64.b64encode(prepared.data_to_sign).decode(),
                "document_digest": base64.b64encode(prepared.document_digest).decode(),
                "region": [prepared.reserved_region_start, prepared.reserved_region_end],
                "signed_at": stamp.signed_at.isoformat(),
            })
        except SigningRefused as exc:
            self._fail(item, exc.detail, exc.code, source_path, out_path)
        except Problem as exc:
            self._fail(item, exc.detail or exc.title, exc.code, source_path, out_path)
        except Exception:
            log.exception("preparing %s in batch %s failed", sid, batch.id)
            self._fail(item, UNEXPECTED, "internal-error", source_path, out_path)
        finally:
            _remove(source_path)
        return out_path

    def _complete(self, batch: BatchDoc, principal: Principal, cred: Credential, identity: SigningIdentity,
                  engine: PadesEngine, signatures: dict[str, bytes]) -> None:
        """Complete a parked batch on this replica: its prepared PDFs come back from the shared spool."""
        batch.state = "completing"
        batch.save()
        try:
            crls = self._revocation_crls(cred)
        except SigningRefused as exc:
            self._fail_batch(batch, exc.detail)
            return
        def complete(index: int) -> None:
            item, out_path = batch._items[index], os.path.join(folder, f"{index}.out.pdf")
            try:
                self._spool.fetch(spool_key(batch.id, str(index)), out_path)
            except SpoolError:
                log.exception("prepared PDF of %s in batch %s is gone", item["submission_id"], batch.id)
                self._fail(item, UNEXPECTED, "internal-error", out_path)
                _save_item(batch, index)
                return
            self._complete_one(batch, index, principal, cred, identity, engine, signatures, out_path, crls)

        with tempfile.TemporaryDirectory(prefix="hoso-sign-") as folder:
            self._each(complete, [i for i, item in enumerate(batch._items) if item["status"] == PREPARED])
        self._finish(batch)

    def _complete_one(self, batch: BatchDoc, index: int, principal: Principal, cred: Credential,
                      identity: SigningIdentity, engine: PadesEngine, signatures: dict[str, bytes], out_path: str,
                      crls: list | None) -> None:
        """Complete, store and record one prepared item; a failure stays on the item."""
        item = batch._items[index]
        try:
            self._complete_item(batch, item, principal, cred, identity, engine, signatures, out_path, crls)
        except SigningRefused as exc:
            self._fail(item, exc.detail, exc.code, out_path)
        except Problem as exc:
            self._fail(item, exc.detail or exc.title, exc.code, out_path)
        except Exception:
            log.exception("completing %s in batch %s failed", item["submission_id"], batch.id)
            self._fail(item, UNEXPECTED, "internal-error", out_path)
        _save_item(batch, index)

    def _revocation_crls(self, cred: Credential) -> list | None:
        """The CRLs to embed for B-LT, or ``None`` (B-T) where no revocation data is reachable.

        The district CA's own CRL for its certificates; for certificates of the configured trusted
        CAs (licensed ones), the CRL fetched from the certificate's distribution point, which must
        not list the certificate.
        """
        if self._choice.level != "B-LT":
            return None
        _roots, district_crls = self._authority.trust()
        if _issued_by_a_district(cred, district_crls):
            return district_crls
        cert = x509.load_der_x509_certificate(cred.certificate_der)
        chain = [x509.load_der_x509_certificate(c) for c in cred.chain_der]
        # fetch only for certificates of CAs we trust: a distribution point is an address the server
        # calls, and a self-made certificate must not make it call anywhere it likes
        if self._crls is None or not self._authority.anchored(cert, chain):
            return None
        issuer = next((c for c in chain if c.subject == cert.issuer), None)
        fetched = self._crls.crls_for(cert, issuer)
        if fetched is None:
            return None
        if any(crl.get_revoked_certificate_by_serial_number(cert.serial_number) for crl in fetched):
            raise CertificateRevoked()
        return [asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER)) for crl in fetched]

    def _complete_item(self, batch, item, principal, cred, identity, engine, signatures, out_path, crls) -> None:
        sid = item["submission_id"]
        prepared = PreparedSignature(
            field_name=item["field_name"], data_to_sign=base64.b64decode(item["data_to_sign"]),
            document_digest=base64.b64decode(item["document_digest"]),
            reserved_region_start=item["region"][0], reserved_region_end=item["region"][1],
        )
        self._check_still_latest(batch, item)
        level = "B-LT" if crls is not None else ("B-T" if self._choice.level != "B-B" else "B-B")
        with open(out_path, "r+b") as out:
            engine.complete(out, prepared, identity=identity, signature=signatures[sid], revocation_crls=crls)
            facts = certificate_facts(cred.certificate_der)
            signer_entry = {"person": principal.sub, "name": facts.subject_name, "role": item["role"],
                            "order": item["order"], "organisation": item["organisation"], "serial": facts.serial_hex}
            stored = self._documents.store_signed(batch.tenant_id, item["base_version_id"], out,
                                                  file_name=f"{item['code']}.pdf", signers=[signer_entry])
        signed_at = datetime.fromisoformat(item["signed_at"])
        self._approvals.record_signature(sid, {
            "signer": principal.sub, "on_behalf_of": batch.on_behalf_of, "role": item["role"], "order": item["order"],
            "signed_version_id": item["approved_version_id"], "signed_sha256": item["approved_sha256"],
            "signed_at": signed_at.isoformat(),
        })
        self._record(batch, item, principal, cred, stored.id, stored.sha256, signed_at, facts.serial_hex, level)
        item.update({"status": SIGNED, "version_id": stored.id, "sha256": stored.sha256})
        for key in ("data_to_sign", "document_digest", "region"):
            item.pop(key, None)
        _remove(out_path)

    @staticmethod
    def _check_still_latest(batch: BatchDoc, item: dict) -> None:
        """Signers of the same order sign in any order; the one who prepared on an older version re-signs."""
        current = SignedDocumentDoc.objects(submission_id=item["submission_id"], tenant_id=batch.tenant_id).only(
            "latest_version_id", "approved_version_id").first()
        latest = (current.latest_version_id if current is not None
                  and current.approved_version_id == item["approved_version_id"] else item["approved_version_id"])
        if latest != item["base_version_id"]:
            raise SigningRefused("Một người ký cùng thứ tự vừa ký hồ sơ này trong lúc bạn ký; "
                                 "chữ ký của bạn chưa được lưu, hãy ký lại trên bản mới nhất.")

    def _record(self, batch, item, principal, cred, version_id, sha256, signed_at, serial, level) -> None:
        repo = SignedDocumentRepository(scope=TenantScope.school(batch.tenant_id, batch.district_id))
        record = repo.query(submission_id=item["submission_id"]).first()
        if record is None or item["fresh"]:
            if record is not None:
                record.delete()
            record = SignedDocumentDoc(
                id=new_id(), submission_id=item["submission_id"], document_id=item["document_id"],
                book_type=item["book_type"], code=item["code"], approved_version_id=item["approved_version_id"],
                approved_sha256=item["approved_sha256"], latest_version_id=version_id, latest_sha256=sha256,
                created_at=self._clock.now(),
            )
        record.latest_version_id, record.latest_sha256 = version_id, sha256
        record.signed_sha256s.append(sha256)
        signature = {"order": item["order"], "role": item["role"], "signer": principal.sub,
                     "on_behalf_of": batch.on_behalf_of,
                     "organisation": item["organisation"], "credential_id": cred.id, "key_path": cred.kind.value,
                     "certificate_serial": serial, "field_name": item["field_name"], "version_id": version_id,
                     "sha256": sha256, "signed_at": signed_at, "level": level}
        record.signatures.append(signature)
        record.record_event(DOCUMENT_SIGNED.event(
            tenant=batch.tenant_id, district=batch.district_id, actor=principal.sub,
            on_behalf_of=batch.on_behalf_of,
            data={"submission_id": item["submission_id"], "document_id": item["document_id"], "code": record.code,
                  "order": item["order"], "role": item["role"], "version_id": version_id, "sha256": sha256,
                  "key_path": cred.kind.value, "level": level},
        ))
        if record.tenant_id:
            record.save()
        else:
            repo.add(record)
        self._audit.append(action="signing.document.signed", actor=principal.sub, tenant=batch.tenant_id,
                           district=batch.district_id, target=item["submission_id"], on_behalf_of=batch.on_behalf_of,
                           data={"code": record.code, "order": item["order"], "version_id": version_id,
                                 "credential": cred.id, "batch": batch.id})

    # ----- bookkeeping ----------------------------------------------------------------------
    def _fail(self, item: dict, reason: str | None, code: str, *paths: str) -> None:
        item.update({"status": FAILED, "reason": reason, "reason_code": code})
        for key in ("data_to_sign", "document_digest", "region"):
            item.pop(key, None)
        for p in paths:
            _remove(p)

    def _fail_unsigned(self, batch: BatchDoc, reason: str) -> None:
        for index, item in enumerate(batch._items):
            if item["status"] in (PENDING, PREPARED):
                self._fail(item, reason, "not-signed")
                _save_item(batch, index)

    def _fail_batch(self, batch: BatchDoc, reason: str) -> None:
        """A refusal for the whole batch (wrong PIN, rejected on the phone, expired): every unsigned item fails."""
        self._fail_unsigned(batch, reason)
        batch.state, batch.reason = "failed", reason
        self._finish(batch)

    def _finish(self, batch: BatchDoc) -> None:
        if batch.state != "failed":
            batch.state = "done"
        batch.finished_at = self._clock.now()
        counts = {s: sum(1 for i in batch._items if i["status"] == s) for s in (SIGNED, FAILED)}
        spec = BATCH_FAILED if batch.state == "failed" else BATCH_FINISHED
        batch.record_event(spec.event(
            {"batch_id": batch.id, "signer": batch.actor, "on_behalf_of": batch.on_behalf_of, "key_path": batch.key_path,
             "total": len(batch._items), "signed": counts[SIGNED], "failed": counts[FAILED], "reason": batch.reason},
            tenant=batch.tenant_id, district=batch.district_id, actor=batch.actor, on_behalf_of=batch.on_behalf_of,
            occurred_at=batch.finished_at.isoformat()))
        batch.save()
        self._spool.delete_batch(batch.id)
        self._audit.append(action="signing.batch.finished", actor=batch.actor, tenant=batch.tenant_id,
                           district=batch.district_id, target=batch.id,
                           data={"state": batch.state, "reason": batch.reason, **counts})


def progress_view(batch: BatchDoc) -> dict[str, Any]:
    """A batch's state and counts from its own record (the items are not read)."""
    return {"id": batch.id, "state": batch.state, "reason": batch.reason, "key_path": batch.key_path,
            "on_behalf_of": batch.on_behalf_of,
            "external_job_id": batch.ticket_id if batch.key_path == KeyPathKind.EXTERNAL.value else None,
            "remote_transaction_id": batch.ticket_id if batch.key_path == KeyPathKind.REMOTE.value else None,
            "total": batch.total, "done": batch.signed + batch.failed, "signed": batch.signed, "failed": batch.failed}


def batch_view(batch: BatchDoc) -> dict[str, Any]:
    """A batch with every item's outcome; its counts taken from the items themselves."""
    items = [{k: v for k, v in i.items() if k in ("submission_id", "status", "reason", "reason_code", "code",
                                                   "version_id", "sha256", "order", "role")} for i in batch._items]
    signed = sum(1 for i in items if i["status"] == SIGNED)
    failed = sum(1 for i in items if i["status"] == FAILED)
    return {**progress_view(batch), "total": len(items), "done": signed + failed, "signed": signed, "failed": failed,
            "items": items}


def _identity(cred: Credential) -> SigningIdentity:
    return SigningIdentity(asn1_x509.Certificate.load(cred.certificate_der),
                           tuple(asn1_x509.Certificate.load(c) for c in cred.chain_der))


def _to_sign(items: list[dict]) -> list[ToBeSigned]:
    """What the key path signs for prepared ``items``."""
    return [ToBeSigned(id=i["submission_id"], data=base64.b64decode(i["data_to_sign"]), label=i["label"])
            for i in items]


def _chunks(total: int) -> Iterator[range]:
    """Indexes 0..total-1 in chunks of 1, 2, 4 … up to LARGEST_CHUNK: the first document is signed at once."""
    start, size = 0, 1
    while start < total:
        yield range(start, min(start + size, total))
        start, size = start + size, min(size * 2, LARGEST_CHUNK)


def _with_items(batch: BatchDoc) -> BatchDoc:
    """Attach the batch's items (kept one record each) in order."""
    rows = BatchItemDoc._get_collection().find({"batch_id": batch.id}, {"index": 1, "data": 1}).sort("index", 1)
    batch._items = [row["data"] for row in rows]
    return batch


def _save_item(batch: BatchDoc, index: int) -> None:
    """Write one item's progress alone; an item that has ended is counted on its batch once."""
    item = dict(batch._items[index])
    saved = BatchItemDoc._get_collection().update_one(
        {"batch_id": batch.id, "index": index, "data.status": {"$nin": [SIGNED, FAILED]}}, {"$set": {"data": item}})
    if saved.modified_count and item["status"] in (SIGNED, FAILED):
        BatchDoc._get_collection().update_one({"_id": batch.id}, {"$inc": {item["status"]: 1}})


def _issued_by_a_district(cred: Credential, district_crls: list[asn1_crl.CertificateList]) -> bool:
    """Whether the certificate comes from a district's platform CA (whose CRL we make ourselves)."""
    issuer = asn1_x509.Certificate.load(cred.certificate_der).issuer
    return any(crl["tbs_cert_list"]["issuer"] == issuer for crl in district_crls)


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)



def _claims_of(principal: Principal) -> dict[str, Any]:
    """What a parked batch keeps of its signer to resume later (verified claims, never the token)."""
    claims = dict(principal.claims)
    if not claims:
        claims = {"sub": principal.sub, "name": principal.name, "tenant": principal.tenant,
                  "district": principal.district, "province": principal.province, "roles": sorted(principal.roles),
                  "unit_roles": [list(u) for u in principal.unit_roles], "client_id": principal.client_id,
                  "act": [{"on_behalf_of": d.on_behalf_of, "role": d.role, "unit": d.unit,
                           "book_types": list(d.book_types), "until": d.until} for d in principal.act]}
    return claims
