"""HTTP API of the documents service (``/api/v1/...``).

Uploads are raw request bodies (``Content-Type`` of the file or
``application/octet-stream``) read from ``request.stream`` in chunks; the file name is
the ``X-File-Name`` header, percent-encoded UTF-8. No form parsing touches the body.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, request, stream_with_context

from services.documents.bootstrap import Container
from services.documents.domain.catalog import BASE_CATALOGS
from services.documents.domain.locks import LockScope
from services.documents.service_layer.findings import FindingFilters, FindingTarget, NewFinding, finding_dict
from services.documents.domain.inspection_records import Member
from services.documents.service_layer.access import CallerContext, current_school_year, read_context, school_context
from services.documents.service_layer.inspection_records import DraftRequest, internal_view, record_view
from services.documents.service_layer.locks import lock_dict
from services.documents.service_layer.reads import Download, SearchFilters, safe_ascii
from services.documents.service_layer.similarity import SimilarQuery
from services.documents.service_layer.templates import effective_level_catalog
from services.documents.service_layer.uploads import UploadRequest, UploadResult
from services.kernel.api import Api, json_depth_exceeds
from services.kernel.context import current_principal
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.read_log import XLSX as READ_LOG_XLSX, ReadLogQuery, export_response, school_reads
from services.kernel.permissions import require_principal, require_service

from . import schemas as s
from .views import document_view, export_view, folder_view, version_view

BASE = "/api/v1"

#: What each record kind is called in the school's read log.
READ_LABELS = {"SchoolRecord": "Thông tin trường", "FolderRecord": "Thư mục hồ sơ", "DocumentRecord": "Hồ sơ",
               "VersionRecord": "Phiên bản tệp", "FindingDoc": "Kết luận kiểm tra"}


def _reason(query_reason: str | None) -> str | None:
    return query_reason or request.headers.get("X-Inspection-Reason")


def stream_download(download: Download) -> Response:
    """Stream bytes back with the Vietnamese name kept (RFC 6266 ``filename*``)."""
    name = download.attachment_name
    disposition = f"attachment; filename=\"{safe_ascii(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(stream_with_context(download.chunks), mimetype=download.content_type, headers={
        "Content-Length": str(download.size), "Content-Disposition": disposition,
        "ETag": f'"{download.sha256}"', "Cache-Control": "private, no-store"})


def _upload_request(query: s.UploadQuery, document_id: str | None = None) -> UploadRequest:
    return UploadRequest(file_name=request.headers.get("X-File-Name"), content_length=request.content_length,
                         book=query.book, period=query.period, owner_key=query.owner_key, document_id=document_id,
                         title=query.title, idempotency_key=request.headers.get("Idempotency-Key") or None)


def documents_blueprint(c: Container, api: Api) -> Blueprint:
    bp = Blueprint("documents", __name__, url_prefix=BASE)
    audit = c.runtime.audit

    def read(query: s.SearchQuery | s.ReadQuery | s.LinkQuery | s.FolderQuery) -> CallerContext:
        """The caller's read context for a query naming (for inspectors) the school and campaign."""
        return read_context(current_principal(), school=query.school, campaign=query.campaign or
                            request.headers.get("X-Campaign"), reason=_reason(query.reason), audit=audit,
                            now=c.runtime.clock.now(), campaigns=c.campaigns)

    def year(value: str | None) -> str:
        return value or current_school_year(c.runtime.clock.now())

    @api.route(bp, "/catalog/<level>", tags=["catalog"])
    def get_catalog(level: str) -> dict:
        """The seeded catalog of an education level (mam_non, tieu_hoc, thcs, thpt)."""
        require_principal(current_principal())
        catalog = BASE_CATALOGS.get(level)
        if catalog is None:
            raise NotFound("Không có danh mục cho cấp học này.")
        return {"level": level, "books": [b.to_dict() for b in catalog.books]}

    @api.route(bp, "/catalog/<level>/templates/<tier>", methods=["PUT"], body=s.TemplateBody, tags=["catalog"])
    def put_template(level: str, tier: str, body: s.TemplateBody) -> dict:
        """Save the Sở (so), Phòng (phong) or school (truong) template: add books, tighten, never loosen."""
        principal = require_principal(current_principal())
        if tier not in ("so", "phong", "truong"):
            raise NotFound()
        result = c.templates.put(principal, level=level, tier=tier,
                                 additions=[a.model_dump() for a in body.additions],
                                 overrides={k: v.model_dump(exclude_none=True) for k, v in body.overrides.items()})
        return {"level": level, "tier": tier, "books": [b.to_dict() for b in result.books]}

    @api.route(bp, "/catalog/<level>/effective", tags=["catalog"])
    def effective(level: str) -> dict:
        """The catalog in force for the caller's school (or district/province) after every template."""
        principal = require_principal(current_principal())
        if level not in BASE_CATALOGS:
            raise NotFound("Không có danh mục cho cấp học này.")
        catalog = effective_level_catalog(level, province=principal.province, district=principal.district,
                                          school=principal.tenant)
        return {"level": level, "books": [b.to_dict() for b in catalog.books]}

    @api.route(bp, "/me/addresses", query=s.YearQuery, tags=["folders"])
    def my_addresses(query: s.YearQuery) -> dict:
        """My submission addresses: the books I owe and for which periods."""
        ctx = school_context(current_principal())
        school_year = year(query.school_year)
        items = c.folders.my_addresses(ctx, school_year)
        return {"school_year": school_year, "items": items, "weeks_notice": c.folders.weeks_notice(ctx, school_year)}

    @api.route(bp, "/folders", query=s.FolderQuery, tags=["folders"])
    def list_folders(query: s.FolderQuery) -> dict:
        """Folders of the default tree the caller may see (inspectors: of a school in their campaign)."""
        ctx = read(query)
        folders = c.folders.list(ctx, school_year=year(query.school_year), book=query.book)
        return {"items": [folder_view(f) for f in folders]}

    @api.route(bp, "/folders/generate", methods=["POST"], body=s.GenerateFolders, tags=["folders"])
    def generate_folders(body: s.GenerateFolders) -> dict:
        """Create the default tree of a school year (quản trị, hiệu trưởng)."""
        ctx = school_context(current_principal())
        return {"school_year": body.school_year, "created": c.folders.generate_for_caller(ctx, body.school_year)}

    @api.route(bp, "/documents/upload", methods=["POST"], query=s.UploadQuery, status=201, tags=["documents"],
               raw_body="application/octet-stream")
    def upload(query: s.UploadQuery) -> Response:
        """Upload a file as a new document in a book slot (raw body, name in X-File-Name)."""
        ctx = school_context(current_principal())
        result = c.uploads.upload(ctx, _upload_request(query), request.stream)
        return _upload_response(result)

    @api.route(bp, "/documents/<document_id>/versions", methods=["POST"], query=s.UploadQuery, status=201,
               tags=["documents"], raw_body="application/octet-stream")
    def upload_version(document_id: str, query: s.UploadQuery) -> Response:
        """Upload a new version of a document."""
        ctx = school_context(current_principal())
        result = c.uploads.upload(ctx, _upload_request(query, document_id), request.stream)
        return _upload_response(result)

    def _upload_response(result: UploadResult) -> Response:
        body = {"document": document_view(result.document), "version": version_view(result.version),
                "replayed": not result.created}
        if result.notice:
            body["notice"] = result.notice
        resp = Response(json.dumps(body, ensure_ascii=False), status=201 if result.created else 200,
                        mimetype="application/json")
        resp.headers["Location"] = f"{BASE}/versions/{result.version.id}"
        return resp

    @api.route(bp, "/documents", query=s.SearchQuery, tags=["documents"])
    def search(query: s.SearchQuery) -> dict:
        """Find documents by year, book, period, unit, owner, status and title text."""
        ctx = read(query)
        items, cursor = c.reads.search(ctx, SearchFilters(query.school_year, query.book, query.period, query.unit_id,
                                                          query.owner, query.status, query.q),
                                       cursor=query.cursor, limit=query.limit)
        return {"items": [document_view(d) for d in items], "next_cursor": cursor}

    @api.route(bp, "/documents/<document_id>", query=s.ReadQuery, tags=["documents"])
    def get_document(document_id: str, query: s.ReadQuery) -> dict:
        ctx = read(query)
        return document_view(c.reads.document(ctx, document_id))

    @api.route(bp, "/documents/<document_id>/versions", query=s.ReadQuery, tags=["documents"])
    def list_versions(document_id: str, query: s.ReadQuery) -> dict:
        ctx = read(query)
        return {"items": [version_view(v) for v in c.reads.versions(ctx, document_id)]}

    @api.route(bp, "/versions/<version_id>", query=s.ReadQuery, tags=["documents"])
    def get_version(version_id: str, query: s.ReadQuery) -> dict:
        ctx = read(query)
        return version_view(c.reads.version(ctx, version_id))

    @api.route(bp, "/versions/<version_id>/content", query=s.ReadQuery, tags=["documents"],
               raw_response="application/octet-stream")
    def download(version_id: str, query: s.ReadQuery) -> Response:
        """Stream a version (or its PDF rendition with ?rendition=pdf) through the service."""
        ctx = read(query)
        return stream_download(c.reads.download(ctx, version_id, rendition=query.rendition == "pdf"))

    @api.route(bp, "/versions/<version_id>/download-url", methods=["POST"], body=s.LinkRequest, query=s.ReadQuery,
               tags=["documents"])
    def download_url(version_id: str, body: s.LinkRequest, query: s.ReadQuery) -> dict:
        """A short-lived download link valid only for the caller."""
        ctx = read(query)
        return c.reads.signed_link(ctx, version_id, rendition=body.rendition)

    @api.route(bp, "/downloads/<version_id>", query=s.LinkQuery, tags=["documents"],
               raw_response="application/octet-stream")
    def signed_download(version_id: str, query: s.LinkQuery) -> Response:
        """Follow a signed link: checked for the caller, the school and the expiry."""
        ctx = read(query)
        rendition = query.rendition == "pdf"
        c.reads.check_link(ctx, version_id, expires=query.expires, sig=query.sig, rendition=rendition)
        return stream_download(c.reads.download(ctx, version_id, rendition=rendition))

    @api.route(bp, "/similar-plans", query=s.SimilarPlansQuery, tags=["oversight"])
    def similar_plans(query: s.SimilarPlansQuery) -> dict:
        """Lesson plans much alike another teacher's or an earlier year's, in the caller's oversight scope."""
        return c.similar_plans.find(current_principal(), SimilarQuery(
            school_year=year(query.school_year), school=query.school, minimum=query.min, cursor=query.cursor,
            limit=query.limit, reason=_reason(query.reason)))

    @api.route(bp, "/access-reads", query=ReadLogQuery, tags=["access"], raw_response=READ_LOG_XLSX)
    def access_reads(query: ReadLogQuery) -> dict | Response:
        """Who of an oversight unit read this school's records, when, and under which campaign
        (the school's leadership only); ``format=csv|xlsx`` downloads the same rows."""
        ctx = school_context(current_principal())
        if not ctx.actor.is_leadership:
            raise Forbidden("Chỉ lãnh đạo nhà trường mới xem được nhật ký truy cập hồ sơ.")
        rows = school_reads(audit, ctx.school.id, ctx.school.district_id, query.filters(), labels=READ_LABELS)
        return {"items": rows} if query.format == "json" else export_response(rows, query.format, source="tai-lieu")

    @api.route(bp, "/locks", tags=["locks"])
    def list_locks() -> dict:
        ctx = school_context(current_principal())
        return {"items": [lock_dict(lock) for lock in c.locks.list(ctx)]}

    @api.route(bp, "/locks", methods=["POST"], body=s.LockRequest, status=201, tags=["locks"])
    def create_lock(body: s.LockRequest) -> dict:
        """Lock a scope (whole school, a book, a unit, a period) for a time window."""
        ctx = school_context(current_principal())
        if body.starts_at.tzinfo is None or body.ends_at.tzinfo is None:
            raise ValidationFailed("Thời điểm phải có múi giờ (ví dụ 2025-10-01T00:00:00+07:00).", field="starts_at")
        lock = c.locks.create(ctx, scope=LockScope(body.book, body.unit_id, body.period, body.school_year),
                              starts_at=body.starts_at, ends_at=body.ends_at, reason=body.reason)
        return lock_dict(lock)

    @api.route(bp, "/locks/<lock_id>", methods=["DELETE"], tags=["locks"])
    def remove_lock(lock_id: str) -> dict:
        """Open (remove) a lock."""
        ctx = school_context(current_principal())
        return lock_dict(c.locks.remove(ctx, lock_id))

    @api.route(bp, "/exports", methods=["POST"], body=s.ExportRequest, status=202, tags=["exports"])
    def request_export(body: s.ExportRequest) -> dict:
        """Start a ZIP export with manifest, or a merged print PDF, as a background job."""
        ctx = school_context(current_principal())
        record = c.exports.request(ctx, kind=body.kind, school_year=body.school_year, book=body.book,
                                   unit_id=body.unit_id, periods=body.periods + ([body.period] if body.period else []))
        return export_view(record)

    @api.route(bp, "/exports/<export_id>", tags=["exports"])
    def get_export(export_id: str) -> dict:
        """An export's status and progress (percent)."""
        return export_view(c.exports.get(school_context(current_principal()), export_id))

    @api.route(bp, "/exports/<export_id>/file", tags=["exports"], raw_response="application/octet-stream")
    def export_file(export_id: str) -> Response:
        record = c.exports.file_of(school_context(current_principal()), export_id)
        ext = "zip" if record.kind == "zip" else "pdf"
        return stream_download(Download(c.store.iter_chunks(record.storage_key), record.size,
                                         f"xuat-ho-so-{record.id}.{ext}",
                                         "application/zip" if ext == "zip" else "application/pdf", record.sha256))

    # -- inspection findings (kết luận kiểm tra) ------------------------------------------------------
    @api.route(bp, "/findings", methods=["POST"], body=s.FindingBody, status=201, tags=["findings"])
    def open_finding(body: s.FindingBody) -> dict:
        """A campaign member leaves a finding on a document, a book, a teacher or the school."""
        t = body.target
        finding = c.findings.open(current_principal(), NewFinding(
            school=body.school, campaign=body.campaign,
            target=FindingTarget(kind=t.kind, document=t.document, book=t.book, period=t.period, teacher=t.teacher),
            severity=body.severity, text=body.text, requested_fix=body.requested_fix, due_on=body.due_on))
        return finding_dict(finding)

    @api.route(bp, "/findings", query=s.FindingQuery, tags=["findings"])
    def list_findings(query: s.FindingQuery) -> dict:
        """Inspectors: the findings of their running campaigns; school staff: their school's, newest first."""
        items, cursor = c.findings.list(current_principal(), FindingFilters(query.campaign, query.school, query.state),
                                        cursor=query.cursor, limit=query.limit)
        return {"items": [finding_dict(f) for f in items], "next_cursor": cursor}

    @api.route(bp, "/findings/<finding_id>", tags=["findings"])
    def get_finding(finding_id: str) -> dict:
        return finding_dict(c.findings.get(current_principal(), finding_id))

    @api.route(bp, "/findings/<finding_id>/answer", methods=["POST"], body=s.FindingAnswerBody, tags=["findings"])
    def answer_finding(finding_id: str, body: s.FindingAnswerBody) -> dict:
        """The principal (or the teacher concerned) answers, optionally attaching a version as the fix."""
        return finding_dict(c.findings.answer(current_principal(), finding_id, text=body.text,
                                              version_id=body.version_id))

    @api.route(bp, "/findings/<finding_id>/close", methods=["POST"], body=s.FindingCloseBody, tags=["findings"])
    def close_finding(finding_id: str, body: s.FindingCloseBody) -> dict:
        """An inspector of the finding's campaign closes it (a note is needed when it was never answered)."""
        return finding_dict(c.findings.close(current_principal(), finding_id, note=body.note))

    # -- internal: other services with client-credentials tokens ---------------------------------
    @api.route(bp, "/internal/schools/<school_id>/catalog", response=s.SchoolCatalog, tags=["internal"])
    def internal_catalog(school_id: str) -> Response:
        """The catalog a school is held to (books of its levels, owners, items, signers, chains), versioned.

        ``ETag`` is the version; a caller sending it in ``If-None-Match`` gets 304 while it holds.
        """
        ctx = c.internal.context(require_service(current_principal()), school_id)
        view = c.internal.catalog(ctx)
        etag = f'"{view["version"]}"'
        if request.headers.get("If-None-Match") == etag:
            resp = Response(status=304)
        else:
            resp = Response(json.dumps(view, ensure_ascii=False), mimetype="application/json")
        resp.headers["ETag"] = etag
        return resp

    @api.route(bp, "/internal/versions/<version_id>/pdf", query=s.TenantQuery, tags=["internal"],
               raw_response="application/pdf")
    def internal_pdf(version_id: str, query: s.TenantQuery) -> Response:
        """The PDF bytes of a version (its rendition for office files), for the signing service."""
        ctx = c.internal.context(require_service(current_principal()), query.tenant)
        return stream_download(c.internal.pdf_of(ctx, version_id))

    @api.route(bp, "/internal/versions/<version_id>/signed", methods=["POST"], query=s.TenantQuery, status=201,
               tags=["internal"], raw_body="application/pdf")
    def internal_signed(version_id: str, query: s.TenantQuery) -> dict:
        """Store a signed PDF as a new version derived from ``version_id`` (write-once)."""
        ctx = c.internal.context(require_service(current_principal()), query.tenant)
        signers = _signers_header()
        version = c.internal.add_version(ctx, base_version_id=version_id, document_id=None, kind="signed",
                                         body=request.stream, file_name=request.headers.get("X-File-Name"),
                                         content_length=request.content_length, signers=signers)
        return {"id": version.id, "sha256": version.sha256, "size": version.size, "document_id": version.document_id}

    @api.route(bp, "/internal/versions/<version_id>/approved", methods=["POST"], query=s.TenantQuery,
               body=s.ApprovedBody, tags=["internal"])
    def internal_approved(version_id: str, query: s.TenantQuery, body: s.ApprovedBody) -> dict:
        """Mark a version approved; its document becomes write-once."""
        ctx = c.internal.context(require_service(current_principal()), query.tenant)
        return document_view(c.internal.mark_approved(ctx, version_id, document_id=body.document_id,
                                                      decision_id=body.decision_id))

    @api.route(bp, "/internal/documents/<document_id>/references", methods=["POST"], query=s.TenantQuery,
               body=s.ReferenceBody, tags=["internal"])
    def internal_reference(document_id: str, query: s.TenantQuery, body: s.ReferenceBody) -> dict:
        """Check a reference a person gave another service: their document, of this school, this version and digest."""
        ctx = c.internal.context(require_service(current_principal()), query.tenant)
        return c.internal.check_reference(ctx, document_id, version_id=body.version_id, sha256=body.sha256,
                                          person=body.person, roles=frozenset(body.roles),
                                          unit_roles=frozenset((r, u) for r, u in body.unit_roles))

    @api.route(bp, "/internal/documents/<document_id>/corrections", methods=["POST"], query=s.CorrectionQuery,
               status=201, tags=["internal"], raw_body="application/octet-stream")
    def internal_correction(document_id: str, query: s.CorrectionQuery) -> dict:
        """Supersede a write-once document under a correction record (biên bản sửa dữ liệu)."""
        ctx = c.internal.context(require_service(current_principal()), query.tenant)
        version = c.internal.add_version(ctx, base_version_id=None, document_id=document_id, kind="correction",
                                         body=request.stream, file_name=request.headers.get("X-File-Name"),
                                         content_length=request.content_length, correction_id=query.correction_id)
        return version_view(version)

    # -- inspection records (biên bản kiểm tra): drafted by a campaign member, signed by the head --
    @api.route(bp, "/inspection-records", methods=["POST"], body=s.InspectionRecordBody, status=201,
               tags=["oversight"])
    def draft_inspection_record(body: s.InspectionRecordBody) -> dict:
        """Draft (or draft again) the biên bản kiểm tra of a school in a campaign, as a PDF of the school."""
        principal = require_principal(current_principal())
        record = c.inspection_records.draft(principal, DraftRequest(
            campaign=body.campaign, school=body.school, head=body.head, head_name=body.head_name,
            head_position=body.head_position, campaign_name=body.campaign_name, unit_name=body.unit_name,
            place=body.place, conclusion=body.conclusion,
            team=tuple(Member(m.name, m.position, m.person) for m in body.team),
            school_representatives=tuple(Member(m.name, m.position, m.person) for m in body.school_representatives)))
        return record_view(record)

    @api.route(bp, "/inspection-records", query=s.InspectionRecordQuery, tags=["oversight"])
    def list_inspection_records(query: s.InspectionRecordQuery) -> dict:
        """Biên bản of a school: its own staff see theirs; inspectors those of a campaign they are on."""
        principal = require_principal(current_principal())
        items, cursor = c.inspection_records.list(
            principal, campaign=query.campaign or request.headers.get("X-Campaign"), school=query.school,
            cursor=query.cursor, limit=query.limit)
        return {"items": [record_view(r) for r in items], "next_cursor": cursor}

    @api.route(bp, "/inspection-records/<record_id>", query=s.InspectionRecordQuery, tags=["oversight"])
    def get_inspection_record(record_id: str, query: s.InspectionRecordQuery) -> dict:
        principal = require_principal(current_principal())
        return record_view(c.inspection_records.get(
            principal, record_id, campaign=query.campaign or request.headers.get("X-Campaign"), school=query.school))

    @api.route(bp, "/inspection-records/<record_id>/pdf", query=s.InspectionRecordQuery, tags=["oversight"],
               raw_response="application/pdf")
    def inspection_record_pdf(record_id: str, query: s.InspectionRecordQuery) -> Response:
        """The biên bản's PDF (the signed one once signed), for the team in the campaign and the school's staff."""
        principal = require_principal(current_principal())
        return stream_download(c.inspection_records.pdf(
            principal, record_id, campaign=query.campaign or request.headers.get("X-Campaign"), school=query.school))

    @api.route(bp, "/internal/schools/<school_id>/inspection-records/<record_id>", tags=["internal"])
    def internal_inspection_record(school_id: str, record_id: str) -> dict:
        """(service token) The biên bản to sign: its draft version, head, state and signature box."""
        ctx = c.internal.context(require_service(current_principal()), school_id)
        return internal_view(c.inspection_records.internal(ctx, record_id))

    @api.route(bp, "/internal/schools/<school_id>/inspection-records/<record_id>/signed", methods=["POST"],
               body=s.RecordSignedBody, tags=["internal"])
    def internal_inspection_record_signed(school_id: str, record_id: str, body: s.RecordSignedBody) -> dict:
        """(service token) The head's signed version stands for the biên bản: draft → signed, once."""
        ctx = c.internal.context(require_service(current_principal()), school_id)
        return internal_view(c.inspection_records.mark_signed(ctx, record_id, version_id=body.version_id,
                                                              signed_by=body.signed_by, signed_at=body.signed_at))

    return bp


def _signers_header() -> list[dict]:
    raw = request.headers.get("X-Signers")
    if not raw:
        return []
    if json_depth_exceeds(raw.encode("utf-8", "replace"), 4):
        raise ValidationFailed("Tiêu đề X-Signers phải là danh sách người ký.", field="X-Signers")
    try:
        value = json.loads(raw)
    except ValueError:
        raise ValidationFailed("Tiêu đề X-Signers phải là JSON.", field="X-Signers") from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationFailed("Tiêu đề X-Signers phải là danh sách người ký.", field="X-Signers")
    return value

