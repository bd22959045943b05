"""Finding documents and reading their bytes, only within what the caller may see."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from services.documents.adapters.file_types import CONTENT_TYPES
from services.documents.adapters.object_store import ObjectStore
from services.documents.adapters.records import DocumentRecord, VersionRecord
from services.documents.adapters.signed_urls import SignedUrls
from services.documents.domain.file_names import download_name
from services.documents.service_layer.access import CallerContext, visibility
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound
from services.kernel.pagination import paginate

FORMAT_OF_CONTENT_TYPE = {ctype: fmt for fmt, ctype in CONTENT_TYPES.items()}


@dataclass(frozen=True)
class SearchFilters:
    school_year: str | None = None
    book: str | None = None
    period: str | None = None
    unit_id: str | None = None
    owner: str | None = None
    status: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class Download:
    """Bytes to stream back: the object's chunks, its size and the name to show."""

    chunks: Iterator[bytes]
    size: int
    file_name: str
    content_type: str
    sha256: str

    @property
    def attachment_name(self) -> str:
        """The name to hand out: the stored name with the extension of the bytes' real type."""
        fmt = FORMAT_OF_CONTENT_TYPE.get(self.content_type)
        return download_name(self.file_name, fmt) if fmt else self.file_name


class Reads:
    """Search, document and version reads, downloads and signed links."""

    def __init__(self, *, store: ObjectStore, clock: Clock, audit: AuditLog, urls: SignedUrls, url_ttl: int) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit
        self._urls = urls
        self._ttl = url_ttl

    def search(self, ctx: CallerContext, filters: SearchFilters, *, cursor: str | None,
               limit: int) -> tuple[list[DocumentRecord], str | None]:
        """Documents matching ``filters`` among those the caller may see, newest first."""
        wanted = {k: v for k, v in {
            "school_year": filters.school_year, "book": filters.book, "period": filters.period,
            "unit_id": filters.unit_id, "owner_key": filters.owner, "status": filters.status,
        }.items() if v}
        if filters.q:
            wanted["title_search__contains"] = filters.q.casefold()
        qs = ctx.repos.documents.query(**wanted)
        rule = visibility(ctx)
        if rule is not None:
            qs = qs.filter(rule)
        return paginate(qs, cursor=cursor, limit=limit, descending=True)

    def document(self, ctx: CallerContext, document_id: str) -> DocumentRecord:
        """One document, 404 unless the caller may see it (other schools' ids are simply unknown)."""
        qs = ctx.repos.documents.query(id=document_id)
        rule = visibility(ctx)
        if rule is not None:
            qs = qs.filter(rule)
        doc = qs.first()
        if doc is None:
            raise NotFound()
        return doc

    def versions(self, ctx: CallerContext, document_id: str) -> list[VersionRecord]:
        self.document(ctx, document_id)
        return list(ctx.repos.versions.query(document_id=document_id).order_by("number"))

    def version(self, ctx: CallerContext, version_id: str) -> VersionRecord:
        version = ctx.repos.versions.query(id=version_id).first()
        if version is None:
            raise NotFound()
        self.document(ctx, version.document_id)
        return version

    def download(self, ctx: CallerContext, version_id: str, *, rendition: bool = False) -> Download:
        """Stream a version's bytes (or its PDF rendition); every read is audited."""
        version = self.version(ctx, version_id)
        key, size, sha, name, ctype = version.storage_key, version.size, version.sha256, version.file_name, version.content_type
        if rendition and version.format != "pdf":
            if version.rendition_status != "ready":
                raise Conflict("Bản PDF của tệp này chưa sẵn sàng.", code="rendition-not-ready",
                               extra={"rendition_status": version.rendition_status})
            key, size, sha, ctype = version.rendition_key, version.rendition_size, version.rendition_sha256, "application/pdf"
            name = download_name(name, "pdf")
        self._audit.append(action="documents.version.read", actor=ctx.principal.sub, tenant=version.tenant_id,
                           district=version.district_id, target=version.id,
                           data={"rendition": rendition, "cross_tenant": ctx.cross_tenant})
        return Download(self._store.iter_chunks(key), size, name, ctype, sha)

    def signed_link(self, ctx: CallerContext, version_id: str, *, rendition: bool = False) -> dict:
        """A short-lived link for the caller only: HMAC over version, school, caller and expiry."""
        version = self.version(ctx, version_id)
        expires = int(self._clock.now().timestamp()) + self._ttl
        sig = self._urls.sign(version_id=version.id, tenant=version.tenant_id, subject=ctx.principal.sub,
                              expires=expires, rendition=rendition)
        query = f"expires={expires}&sig={sig}" + ("&rendition=pdf" if rendition else "")
        if ctx.cross_tenant:
            query += f"&school={version.tenant_id}"
            if ctx.campaign:
                query += f"&campaign={ctx.campaign}"
        return {"url": f"/api/v1/downloads/{version.id}?{query}", "expires": expires}

    def check_link(self, ctx: CallerContext, version_id: str, *, expires: int, sig: str, rendition: bool) -> None:
        """Refuse a link made for someone else or another school (404), or expired (403)."""
        tenant = ctx.principal.tenant or (ctx.school.id if ctx.school else "")
        if not self._urls.valid(sig, version_id=version_id, tenant=tenant or "", subject=ctx.principal.sub,
                                expires=expires, rendition=rendition):
            raise NotFound()
        if expires <= int(self._clock.now().timestamp()):
            raise Forbidden("Liên kết tải xuống đã hết hạn; hãy tạo liên kết mới.", code="link-expired")


def safe_ascii(name: str) -> str:
    """An ASCII fallback of a file name for the plain ``filename=`` parameter."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:100] or "tep"
