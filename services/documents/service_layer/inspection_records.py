"""Use cases of the biên bản kiểm tra: a campaign member drafts it, the head signs it (through signing).

Drafting rests on the drafter's campaign grant (their verified token): the school must be in the
campaign's scope while it runs, else 404. The grant names no head, so the drafter names the head
(``head``, ``head_name``); the head proves membership when signing, since only team members'
tokens carry the campaign (the signing service checks it). The record is the school's
(tenant-owned): it is written in the school's scope on the strength of that grant, and its PDF is
stored as a version of a school document (book ``bien_ban_kiem_tra``). Drafting again while the
record is a draft stores a new version (findings may have moved); a signed record is final.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.documents.adapters.file_types import CONTENT_TYPES
from services.documents.adapters.inspection_records import InspectionRecordDoc, InspectionRecordRepository
from services.documents.adapters.object_store import ObjectStore
from services.documents.adapters.record_pdf import render_record
from services.documents.adapters.records import DocumentRecord, SchoolRecord, VersionRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.inspection_records import (
    DRAFT, RECORD_BOOK, RECORD_BOOK_SLUG, SIGNED, FindingLine, Member, RecordContent, default_conclusion,
)
from services.documents.domain.obligations import SCHOOL_OWNER
from services.documents.events import RECORD_DRAFTED, RECORD_SIGNED
from services.documents.service_layer.access import CallerContext, current_school_year, read_context
from services.documents.service_layer.reads import Download
from services.documents.service_layer.templates import effective_catalog
from services.documents.service_layer.uploads import Uploads
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.pagination import paginate
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope

#: The findings of a campaign on a school, as the biên bản lists them: ``findings_for(tenant, campaign)``.
FindingsFor = Callable[[str, str], list[FindingLine]]


@dataclass(frozen=True)
class DraftRequest:
    """What the drafter gives: the campaign and school, the head, and the people and wording of the record."""

    campaign: str
    school: str
    head: str
    head_name: str
    campaign_name: str | None = None
    unit_name: str | None = None
    place: str | None = None
    head_position: str = ""
    team: tuple[Member, ...] = ()
    school_representatives: tuple[Member, ...] = ()
    conclusion: str | None = None


def record_view(r: InspectionRecordDoc) -> dict:
    return {"id": r.id, "campaign": r.campaign, "campaign_name": r.campaign_name, "school": r.tenant_id,
            "school_name": r.school_name, "school_year": r.school_year, "state": r.state, "title": r.title,
            "document_id": r.document_id, "version_id": r.version_id, "signed_version_id": r.signed_version_id,
            "file_name": r.file_name, "head": r.head, "head_name": r.head_name, "team": list(r.team or []),
            "drafted_by": r.drafted_by, "drafted_at": r.drafted_at.isoformat(), "signed_by": r.signed_by,
            "signed_at": r.signed_at.isoformat() if r.signed_at else None, "findings": r.findings}


def internal_view(r: InspectionRecordDoc) -> dict:
    """What the signing service needs to sign the draft (``GET /internal/schools/{s}/inspection-records/{id}``)."""
    return {"record": r.id, "school": r.tenant_id, "district": r.district_id, "province": r.province_id,
            "campaign": r.campaign, "document_id": r.document_id, "version_id": r.version_id, "head": r.head, "head_name": r.head_name,
            "title": r.title, "file_name": r.file_name, "state": r.state, "signed_version_id": r.signed_version_id,
            "signature": {"page": r.signature_page, "box": list(r.signature_box or [])}}


def _school_repos(school: SchoolRecord) -> Repositories:
    return Repositories(TenantScope.school(school.id, school.district_id, school.province_id))


class InspectionRecords:
    def __init__(self, *, store: ObjectStore, clock: Clock, audit: AuditLog, uploads: Uploads,
                 findings_for: FindingsFor) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit
        self._uploads = uploads
        self._findings_for = findings_for

    # ----- drafting -------------------------------------------------------------------------------
    def draft(self, principal: Principal, req: DraftRequest) -> InspectionRecordDoc:
        """Draft (or draft again) the biên bản of ``req.school`` in ``req.campaign``."""
        if principal.tenant is not None or principal.is_service:
            raise Forbidden("Chỉ thành viên đoàn kiểm tra mới được lập biên bản kiểm tra.")
        now = self._clock.now()
        ctx = read_context(principal, school=req.school, campaign=req.campaign, reason=None, audit=self._audit,
                           now=now)
        school = ctx.school
        assert school is not None and ctx.repos.scope.grant is not None
        held = ctx.repos.scope.grant.campaign
        assert held is not None
        repo = InspectionRecordRepository(scope=_school_repos(school).scope)
        existing = repo.query(campaign=req.campaign).first()
        if existing is not None and existing.state == SIGNED:
            raise Conflict("Biên bản kiểm tra của trường trong đợt này đã được ký; không lập lại được.",
                           code="record-signed")
        findings = tuple(self._findings_for(school.id, req.campaign))
        catalog = effective_catalog(school)
        books = tuple(catalog.get(b).name for b in held.books if catalog.has(b))
        head = Member(req.head_name, req.head_position, req.head)
        content = RecordContent(
            unit_name=req.unit_name or "Đoàn kiểm tra", campaign_name=req.campaign_name or f"Đợt kiểm tra {req.campaign}",
            school_name=school.name, place=req.place or school.name, drafted_at=now, head=head,
            team=req.team, school_representatives=req.school_representatives, school_year=held.year, books=books,
            findings=findings, conclusion=req.conclusion or default_conclusion(findings))
        rendered = render_record(content)
        version = self._store_version(ctx, school, existing, content, rendered.pdf, now)
        team = [{"person": m.person, "name": m.name, "position": m.position}
                for m in (head, *(m for m in req.team if m.person != req.head))]
        record = existing or InspectionRecordDoc(id=new_id(), campaign=req.campaign, drafted_at=now)
        record.campaign_name, record.school_name, record.school_year = content.campaign_name, school.name, held.year
        record.document_id, record.version_id, record.file_name = version.document_id, version.id, version.file_name
        record.title, record.head, record.head_name, record.team = content.title, req.head, req.head_name, team
        record.drafted_by, record.drafted_at, record.state, record.findings = principal.sub, now, DRAFT, len(findings)
        record.signature_page, record.signature_box = rendered.page, list(rendered.box)
        record.record_event(RECORD_DRAFTED.event(
            tenant=school.id, district=school.district_id, actor=principal.sub, data=self._event_data(record, [req.head])))
        if existing is None:
            repo.add(record)
        else:
            record.save()
        self._audit.append(action="documents.inspection_record.drafted", actor=principal.sub, tenant=school.id,
                           district=school.district_id, target=record.id,
                           data={"campaign": req.campaign, "version_id": version.id, "head": req.head,
                                 "findings": len(findings), "sha256": version.sha256})
        return record

    def _store_version(self, ctx: CallerContext, school: SchoolRecord, existing: InspectionRecordDoc | None,
                       content: RecordContent, pdf: bytes, now: datetime) -> VersionRecord:
        repos = _school_repos(school)
        year = content.school_year or current_school_year(now)
        if existing is None:
            document = repos.documents.add(DocumentRecord(
                id=new_id(), school_year=year, book=RECORD_BOOK_SLUG, owner_kind="school", owner_key=SCHOOL_OWNER,
                period=year, title=content.title, title_search=content.title.casefold(),
                created_by=ctx.principal.sub, created_at=now, updated_at=now, status="draft", write_once=True))
        else:
            document = repos.documents.get(existing.document_id)
        version_id = new_id()
        key = f"{school.id}/{version_id}"
        fmt, reader = self._uploads.store_bytes(key, io.BytesIO(pdf), RECORD_BOOK)
        try:
            updated = repos.documents.query(id=document.id).modify(
                inc__version_count=1, set__latest_version_id=version_id, set__record_version_id=version_id,
                set__updated_at=now, new=True)
            return repos.versions.add(VersionRecord(
                id=version_id, document_id=document.id, number=updated.version_count, kind="inspection_record",
                storage_key=key, file_name=f"bien-ban-kiem-tra-{school.slug}.pdf", format=fmt,
                content_type=CONTENT_TYPES[fmt], size=reader.size, sha256=reader.sha256,
                uploaded_by=ctx.principal.sub, uploaded_at=now, status="uploaded"))
        except BaseException:
            self._store.delete(key)
            raise

    @staticmethod
    def _event_data(record: InspectionRecordDoc, notify: list[str]) -> dict:
        return {"record": record.id, "campaign": record.campaign, "campaign_name": record.campaign_name,
                "school": record.tenant_id or "", "school_name": record.school_name,
                "version_id": record.signed_version_id or record.version_id, "head": record.head,
                "state": record.state, "notify": sorted(set(notify))}

    # ----- reading --------------------------------------------------------------------------------
    def _read_scope(self, principal: Principal, *, campaign: str | None, school: str | None) -> CallerContext:
        """The school staff's own school, or an inspector's school inside a running campaign (403 without one)."""
        return read_context(principal, school=school, campaign=campaign, reason=None, audit=self._audit,
                            now=self._clock.now())

    def list(self, principal: Principal, *, campaign: str | None, school: str | None, cursor: str | None,
             limit: int) -> tuple[list[InspectionRecordDoc], str | None]:
        """Biên bản of a school, newest first (its staff: their own; inspectors: a school of a campaign they are on)."""
        ctx = self._read_scope(principal, campaign=campaign, school=school)
        filters = {"campaign": campaign} if campaign else {}
        return paginate(InspectionRecordRepository(scope=ctx.repos.scope).query(**filters), cursor=cursor,
                        limit=limit, descending=True)

    def get(self, principal: Principal, record_id: str, *, campaign: str | None,
            school: str | None) -> InspectionRecordDoc:
        ctx = self._read_scope(principal, campaign=campaign, school=school)
        filters = {"campaign": campaign} if campaign else {}
        return InspectionRecordRepository(scope=ctx.repos.scope).get(record_id, **filters)

    def pdf(self, principal: Principal, record_id: str, *, campaign: str | None, school: str | None) -> Download:
        """The record's PDF (signed once signed) for those who may read the record itself."""
        ctx = self._read_scope(principal, campaign=campaign, school=school)
        filters = {"campaign": campaign} if campaign else {}
        record = InspectionRecordRepository(scope=ctx.repos.scope).get(record_id, **filters)
        assert ctx.school is not None
        version = _school_repos(ctx.school).versions.get(record.signed_version_id or record.version_id)
        self._audit.append(action="documents.version.read", actor=principal.sub, tenant=version.tenant_id,
                           district=version.district_id, target=version.id,
                           data={"inspection_record": record.id, "cross_tenant": ctx.cross_tenant})
        return Download(self._store.iter_chunks(version.storage_key), version.size, version.file_name,
                        version.content_type, version.sha256)

    # ----- the signing service --------------------------------------------------------------------
    @staticmethod
    def internal(ctx: CallerContext, record_id: str) -> InspectionRecordDoc:
        """A record of the named school for the signing service; another school's id is not found."""
        return InspectionRecordRepository(scope=ctx.repos.scope).get(record_id)

    def mark_signed(self, ctx: CallerContext, record_id: str, *, version_id: str, signed_by: str,
                    signed_at: datetime) -> InspectionRecordDoc:
        """The head signed: ``version_id`` (stored through the signed-version path) stands for the record.

        Once only: the signer must be the record's head, the version a signed successor of the draft;
        the same call again answers the record as it is, another signature is a 409 ``record-signed``.
        """
        repo = InspectionRecordRepository(scope=ctx.repos.scope)
        record = repo.get(record_id)
        if signed_by != record.head:
            raise Forbidden("Chỉ trưởng đoàn kiểm tra mới được ký biên bản.", code="not-record-head")
        if record.state == SIGNED:
            if record.signed_version_id == version_id:
                return record
            raise Conflict("Biên bản kiểm tra này đã được ký.", code="record-signed",
                           extra={"signed_version_id": record.signed_version_id})
        version = ctx.repos.versions.query(id=version_id, document_id=record.document_id).first()
        if version is None or version.derived_from != record.version_id or version.kind != "signed":
            raise ValidationFailed("Phiên bản này không phải bản ký của biên bản.", field="version_id",
                                   code="unknown-version")
        updated = repo.query(id=record.id, state=DRAFT, version_id=record.version_id).modify(
            set__state=SIGNED, set__signed_version_id=version_id, set__signed_by=signed_by,
            set__signed_at=signed_at, new=True)
        if updated is None:
            raise Conflict("Biên bản kiểm tra này đã được ký hoặc vừa được lập lại.", code="record-signed")
        updated.record_event(RECORD_SIGNED.event(
            tenant=updated.tenant_id, district=updated.district_id, actor=signed_by,
            data=self._event_data(updated, [updated.drafted_by, updated.head])))
        updated.save()
        self._audit.append(action="documents.inspection_record.signed", actor=signed_by, tenant=updated.tenant_id,
                           district=updated.district_id, target=updated.id,
                           data={"version_id": version_id, "campaign": updated.campaign,
                                 "by_service": ctx.principal.client_id})
        return updated
