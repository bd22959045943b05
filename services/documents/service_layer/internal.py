"""Calls from other HoSo services (client-credentials tokens only).

The signing service fetches a version's PDF (the rendition for office files) and stores
the signed PDF as a new version derived from it; the approvals service marks a version
approved (write-once from then on), checks a reference a person gives it before a
submission, and, through its correction procedure, adds a superseding version to a
write-once document. Every id is looked up in the named school only; a reference made
on a person's behalf must name a slot that person owes.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import BinaryIO

from services.approvals.events import APPROVED, Approved
from services.documents.adapters.file_types import CONTENT_TYPES
from services.documents.adapters.object_store import ObjectStore
from services.documents.adapters.records import DocumentRecord, VersionRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.inspection_records import RECORD_BOOK_SLUG, book_type
from services.documents.domain.locks import WriteTarget
from services.documents.domain.obligations import find_slot
from services.documents.domain.people import Actor
from services.documents.events import VERSION_UPLOADED
from services.documents.service_layer.templates import effective_catalog, school_catalog
from services.documents.service_layer.reads import Download
from services.documents.service_layer.uploads import Uploads, decode_file_name, refuse_if_locked
from services.documents.service_layer.access import CallerContext, actor_of
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.kernel.ids import new_id
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope

log = logging.getLogger(__name__)


class Internal:
    def __init__(self, *, store: ObjectStore, clock: Clock, audit: AuditLog, uploads: Uploads) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit
        self._uploads = uploads

    @staticmethod
    def context(service: Principal, tenant: str | None) -> CallerContext:
        """A school scope for a service call naming the school (``tenant``)."""
        if not tenant:
            raise ValidationFailed("Thiếu mã trường (tenant).", field="tenant")
        school = Repositories(TenantScope(tenant=tenant)).schools.query(id=tenant).first()
        if school is None:
            raise NotFound()
        repos = Repositories(TenantScope.school(tenant, school.district_id, school.province_id))
        return CallerContext(service, actor_of(service), repos, school, cross_tenant=False)

    @staticmethod
    def catalog(ctx: CallerContext) -> dict:
        """The school's catalog for approvals (``schemas.SchoolCatalog``)."""
        assert ctx.school is not None
        return school_catalog(ctx.school)

    def pdf_of(self, ctx: CallerContext, version_id: str) -> Download:
        version = ctx.repos.versions.get(version_id)
        if version.format == "pdf":
            key, size, sha = version.storage_key, version.size, version.sha256
        elif version.rendition_status == "ready":
            key, size, sha = version.rendition_key, version.rendition_size, version.rendition_sha256
        else:
            raise Conflict("Bản PDF của tệp này chưa sẵn sàng.", code="rendition-not-ready",
                           extra={"rendition_status": version.rendition_status, "reason": version.rendition_error})
        self._audit.append(action="documents.version.read", actor=ctx.principal.sub, tenant=version.tenant_id,
                           district=version.district_id, target=version.id, data={"pdf_for": ctx.principal.client_id})
        return Download(self._store.iter_chunks(key), size, version.file_name.rsplit(".", 1)[0] + ".pdf",
                        "application/pdf", sha)

    def add_version(self, ctx: CallerContext, *, base_version_id: str | None, document_id: str | None, kind: str,
                    body: BinaryIO, file_name: str | None, content_length: int | None,
                    signers: list[dict] | None = None, correction_id: str | None = None) -> VersionRecord:
        """A signed version (derived from ``base_version_id``) or a correction of a write-once document."""
        if base_version_id:
            base = ctx.repos.versions.get(base_version_id)
            document = ctx.repos.documents.get(base.document_id)
        else:
            base = None
            document = ctx.repos.documents.get(document_id or "")
        if kind == "signed" and document.approved_version_id and base is not None \
                and base.id != (document.record_version_id or document.approved_version_id):
            # a frozen record is signed on its approved version (or the signed one that follows it), no other
            raise Conflict("Chỉ được ký trên phiên bản đã duyệt của hồ sơ.", field="version_id", code="not-record-version",
                           extra={"record_version_id": document.record_version_id})
        book = book_type(effective_catalog(ctx.school), document.book)  # type: ignore[arg-type]
        if kind == "signed":
            book = replace(book, formats=frozenset({"pdf"}))
        elif not correction_id:
            raise ValidationFailed("Cần mã biên bản đính chính.", field="correction_id")
        now = self._clock.now()
        if document.book != RECORD_BOOK_SLUG:  # a school's khóa covers its own books, not the inspectors' biên bản
            refuse_if_locked(ctx, WriteTarget(document.book, document.unit_id, document.period, document.school_year), now)
        version_id = new_id()
        key = f"{document.tenant_id}/{version_id}"
        fmt, reader = self._uploads.store_bytes(key, body, book)
        try:
            name = decode_file_name(file_name) if file_name else (
                (base.file_name.rsplit(".", 1)[0] + ".signed.pdf") if base else f"{document.title}.{fmt}")
            status = "signed" if kind == "signed" else document.status
            pointers: dict[str, str] = {}
            if kind == "correction":  # the witnessed correction supersedes the approved version
                pointers = {"set__approved_version_id": version_id, "set__record_version_id": version_id}
            elif base is not None and document.record_version_id in (None, base.id):
                pointers = {"set__record_version_id": version_id}  # the signed successor stands for the record
            updated = ctx.repos.documents.query(id=document.id).modify(
                inc__version_count=1, set__latest_version_id=version_id, set__updated_at=now, set__status=status,
                set__write_once=True if kind == "signed" else document.write_once, new=True, **pointers)
            version = VersionRecord(
                id=version_id, document_id=document.id, number=updated.version_count, kind=kind, storage_key=key,
                file_name=name, format=fmt, content_type=CONTENT_TYPES[fmt], size=reader.size, sha256=reader.sha256,
                uploaded_by=ctx.principal.sub, uploaded_at=now, derived_from=base.id if base else None,
                correction_id=correction_id, signers=signers or [], status=status if kind == "signed" else "uploaded",
                rendition_status="pending" if fmt in ("docx", "xlsx") else "not_needed")
            version.record_event(VERSION_UPLOADED.event(
                tenant=document.tenant_id, district=document.district_id,
                actor=ctx.principal.sub,
                data={"version_id": version_id, "document_id": document.id, "book": document.book,
                      "period": document.period, "kind": kind, "derived_from": version.derived_from,
                      "correction_id": correction_id, "format": fmt, "sha256": reader.sha256, "size": reader.size,
                      "rendition_needed": fmt in ("docx", "xlsx")}))
            ctx.repos.versions.add(version)
        except BaseException:
            self._store.delete(key)
            raise
        self._audit.append(action=f"documents.version.{kind}", actor=ctx.principal.sub, tenant=document.tenant_id,
                           district=document.district_id, target=version_id,
                           data={"document_id": document.id, "derived_from": version.derived_from,
                                 "correction_id": correction_id, "sha256": reader.sha256})
        return version

    @reads(APPROVED, "version_id", "document_id", "submission_id")
    def on_submission_approved(self, event: Event, data: Approved) -> None:
        """``approvals.submission.approved``: freeze the approved version (a backstop of approvals' own call)."""
        if not event.tenant:
            return
        version_id, document_id = data.version_id, data.document_id
        service = Principal(sub=event.actor or "approvals", tenant=None, district=event.district,
                            roles=frozenset({"service"}), client_id="approvals", is_service=True)
        try:
            self.mark_approved(self.context(service, event.tenant), version_id, document_id=document_id,
                               decision_id=data.submission_id)
        except NotFound:
            # A version this service never stored (another system's id): nothing to protect here,
            # and retrying would not make it appear.
            log.warning("approval of unknown version %s (school %s) ignored", version_id, event.tenant)
        except (Conflict, ValidationFailed) as exc:
            # frozen on another version already (e.g. a correction since): retrying cannot change that
            log.warning("approval of version %s (school %s) not applied: %s", version_id, event.tenant, exc.detail)

    def mark_approved(self, ctx: CallerContext, version_id: str, *, document_id: str | None = None,
                      decision_id: str | None) -> DocumentRecord:
        """Freeze ``version_id``: its document records it as the approved version and refuses new uploads.

        One conditional write on the document (``approved_version_id`` unset → this version, with
        ``write_once``), so it serialises with the upload's own conditional write: an upload
        either landed before (a later, unapproved version) or is refused. Idempotent for the same
        version; another version once frozen is a 409 ``already-frozen``.
        """
        version = ctx.repos.versions.get(version_id)
        if document_id is not None and version.document_id != document_id:
            raise ValidationFailed("Phiên bản này không thuộc tài liệu đã nêu.", field="version_id",
                                   code="unknown-version")
        current = ctx.repos.documents.get(version.document_id)
        status = current.status if current.status == "signed" else "approved"
        document = ctx.repos.documents.query(id=version.document_id, approved_version_id=None).modify(
            set__approved_version_id=version_id, set__write_once=True, set__status=status, new=True)
        if document is None:
            document = ctx.repos.documents.get(version.document_id)
            if document.approved_version_id != version_id:
                raise Conflict("Tài liệu đã được chốt ở một phiên bản khác đã duyệt.", field="version_id",
                               code="already-frozen", extra={"approved_version_id": document.approved_version_id})
            return document  # the same freeze again: nothing changes
        if document.record_version_id is None:
            document = ctx.repos.documents.query(id=document.id, record_version_id=None).modify(
                set__record_version_id=version_id, new=True) or ctx.repos.documents.get(document.id)
        ctx.repos.versions.query(id=version_id, status="uploaded").update(set__status="approved")
        self._audit.append(action="documents.version.approved", actor=ctx.principal.sub, tenant=version.tenant_id,
                           district=version.district_id, target=version.id,
                           data={"decision_id": decision_id, "document_id": document.id})
        return document

    def check_reference(self, ctx: CallerContext, document_id: str, *, version_id: str, sha256: str, person: str,
                        roles: frozenset[str], unit_roles: frozenset[tuple[str, str]]) -> dict:
        """Whether ``person`` (holding ``roles``) may submit ``version_id`` of ``document_id`` with ``sha256``.

        The document must be in the named school and in a slot the person owes (their own book, a
        class they are GVCN of, a tổ they lead, a school book of their role: the owner or an allowed
        co-owner); the version must be that document's, with that digest. Another school's
        document answers like a missing one.
        """
        document = ctx.repos.documents.query(id=document_id).first()
        if document is None:
            raise ValidationFailed("Không tìm thấy tài liệu này trong hồ sơ của trường.", field="document_id",
                                   code="unknown-document")
        actor = Actor(sub=person, tenant=ctx.school.id if ctx.school else None, roles=roles, unit_roles=unit_roles)
        catalog = ctx.catalog
        if not catalog.has(document.book) or find_slot(actor, catalog.get(document.book), ctx.units,
                                                       document.owner_key) is None:
            raise Forbidden("Tài liệu này không thuộc hồ sơ của người nộp.", field="document_id",
                            code="not-document-owner")
        version = ctx.repos.versions.query(id=version_id, document_id=document.id).first()
        if version is None:
            raise ValidationFailed("Phiên bản này không thuộc tài liệu đã nêu.", field="version_id",
                                   code="unknown-version")
        if version.sha256 != sha256:
            raise ValidationFailed("Mã băm SHA-256 không khớp với phiên bản đã lưu.", field="sha256",
                                   code="digest-mismatch")
        return {"document_id": document.id, "version_id": version.id, "sha256": version.sha256,
                "book": document.book, "period": document.period, "owner_key": document.owner_key,
                "approved_version_id": document.approved_version_id, "title": document.title}
