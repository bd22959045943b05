"""Uploading a version: stream → object store (hash, size, sniff) → validate → metadata.

"No bytes without metadata, no metadata without bytes": every check that can be made
before reading the body is made first; the body streams to the store under an opaque
key while it is hashed and measured; the stored object is validated and deleted if it
is refused; metadata is written last and the object is deleted if that fails.
"""
from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO
from urllib.parse import unquote

from mongoengine.errors import NotUniqueError

from services.documents.adapters.file_types import (
    CONTENT_TYPES, LENIENT_PDF_LIMIT, FileTypeError, describe, sniff, validate_structure,
)
from services.documents.adapters.metered_reader import MeteredReader, TooLarge
from services.documents.adapters.object_store import ObjectStore, ObjectStoreError
from services.documents.adapters.records import DocumentRecord, VersionRecord
from services.documents.domain.catalog_model import MIB, BookType, size_text
from services.documents.domain.file_names import FileNameError, clean_file_name
from services.documents.domain.inspection_records import book_type
from services.documents.domain.locks import LockScope, LockView, WriteTarget, blocking_lock, lock_message
from services.documents.domain.obligations import find_slot
from services.documents.domain.periods import PeriodError, check_period
from services.kernel.periods import parse_period
from services.documents.service_layer.access import CallerContext, require_school_staff
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import (
    BadRequest, Conflict, Forbidden, Locked, PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType,
    ValidationFailed,
)
from services.documents.events import VERSION_UPLOADED
from services.kernel.pdfcheck import UnsignablePdf, check_signable, rewrite
from services.kernel.ids import new_id

log = logging.getLogger(__name__)
OFFICE = frozenset({"docx", "xlsx"})
REPAIRED_NOTICE = "Tệp PDF bị lỗi cấu trúc và đã được sửa; phiên bản lưu là bản đã sửa."
UNSIGNABLE = {
    "encrypted": ("encrypted-pdf", "Tệp PDF đang được đặt mật khẩu (mã hóa) nên không thể ký số; "
                                   "hãy gỡ mật khẩu rồi tải lên lại."),
    "broken-xref": ("broken-pdf", "Tệp PDF bị lỗi cấu trúc (bảng tham chiếu xref) và không sửa được; "
                                  "hãy xuất lại tệp PDF từ phần mềm gốc rồi tải lên lại."),
    "corrupt": ("broken-pdf", "Tệp PDF bị lỗi cấu trúc và không sửa được; "
                              "hãy xuất lại tệp PDF từ phần mềm gốc rồi tải lên lại."),
}


@dataclass(frozen=True)
class UploadRequest:
    """What the client sent besides the body."""

    file_name: str | None
    content_length: int | None
    book: str | None = None
    period: str | None = None
    owner_key: str | None = None
    document_id: str | None = None
    title: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UploadResult:
    version: VersionRecord
    document: DocumentRecord
    created: bool
    notice: str | None = None


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload goes, once every check that needs no byte of it has passed."""

    file_name: str
    document: DocumentRecord | None
    book: BookType
    owner_key: str
    unit_id: str | None
    period: str
    school_year: str
    now: datetime


class _WrongType(Exception):
    def __init__(self, problem: UnsupportedMediaType) -> None:
        self.problem = problem


def wrong_type(book: BookType, head: bytes) -> UnsupportedMediaType | None:
    """The 415 for a file whose first bytes are of a kind ``book`` does not take; None when it may."""
    accepted_heads = {"zip" if f in OFFICE else f for f in book.formats}
    kind = sniff(head)
    if not head or kind in accepted_heads:
        return None
    wanted = ", ".join(describe(f) for f in sorted(book.formats))
    return UnsupportedMediaType(f"Loại tệp thực tế là {describe(kind)}; “{book.name}” chỉ nhận {wanted}.",
                                field="file", code="wrong-file-type")


def decode_file_name(raw: str | None) -> str:
    """The ``X-File-Name`` header, normalised to NFC and checked.

    Percent-encoded UTF-8 is the documented form; raw UTF-8 bytes (which WSGI hands over
    decoded as latin-1) are accepted too, as some HTTP clients send them.
    """
    if raw is None:
        raise ValidationFailed("Thiếu tên tệp (tiêu đề X-File-Name).", field="file_name")
    try:
        raw = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    try:
        decoded = unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ValidationFailed("Tên tệp không phải UTF-8 hợp lệ.", field="file_name") from None
    try:
        return clean_file_name(decoded)
    except FileNameError as exc:
        raise ValidationFailed(str(exc), field="file_name") from None


def active_locks(ctx: CallerContext, now: datetime) -> list[LockView]:
    return [LockView(id=r.id, scope=LockScope(r.book, r.unit_id, r.period, r.school_year), starts_at=r.starts_at,
                     ends_at=r.ends_at, reason=r.reason, removed=r.removed)
            for r in ctx.repos.locks.query(removed=False, ends_at__gt=now)]


def refuse_if_locked(ctx: CallerContext, target: WriteTarget, now: datetime) -> None:
    lock = blocking_lock(active_locks(ctx, now), target, now)
    if lock is not None:
        raise Locked(lock_message(lock), extra={"lock_id": lock.id})


def _previous_version(ctx: CallerContext, document_id: str, exclude: str) -> str | None:
    latest = ctx.repos.versions.query(document_id=document_id, id__ne=exclude).order_by("-number").only("id").first()
    return latest.id if latest else None


class Uploads:
    """The upload use case."""

    def __init__(self, *, store: ObjectStore, clock: Clock, audit: AuditLog) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit

    def upload(self, ctx: CallerContext, req: UploadRequest, body: BinaryIO) -> UploadResult:
        require_school_staff(ctx)
        actor = ctx.actor
        if req.idempotency_key:
            done = ctx.repos.versions.query(uploaded_by=actor.sub, idempotency_key=req.idempotency_key).first()
            if done is not None:
                return UploadResult(done, ctx.repos.documents.get(done.document_id), created=False)
        target = self.prepare(ctx, req)
        version_id = new_id()
        key = f"{ctx.principal.tenant}/{version_id}"
        fmt, reader, notice = self.store_signable(key, body, target.book)
        try:
            result = self._record(ctx, req, key, version_id, target, fmt, reader)
        except BaseException:
            self._store.delete(key)
            raise
        if notice is None or not result.created:
            return result
        principal = ctx.principal
        self._audit.append(action="documents.version.repaired", actor=principal.sub, tenant=principal.tenant,
                           district=principal.district, target=result.version.id,
                           data={"document_id": result.document.id, "sha256": reader.sha256, "size": reader.size})
        return replace(result, notice=notice)

    def prepare(self, ctx: CallerContext, req: UploadRequest) -> UploadTarget:
        """Every check that needs no byte of the file: name, book, period, owner, write-once, locks, size.

        ``upload`` runs it first; a resumable upload runs it at creation too, with the declared
        length, so that a file refused anyway is refused before any byte is sent.
        """
        require_school_staff(ctx)
        file_name = decode_file_name(req.file_name)
        document, book, owner_key, unit_id, period = self._target(ctx, req)
        school_year = parse_period(period).school_year
        if document is not None and document.write_once:
            raise Conflict("Hồ sơ đã được duyệt hoặc ký số, không thể thay đổi; chỉ được sửa qua thủ tục đính chính.",
                           code="write-once")
        now = self._clock.now()
        refuse_if_locked(ctx, WriteTarget(book.slug, unit_id, period, school_year), now)
        if req.content_length == 0:
            raise ValidationFailed("Tệp rỗng, không có nội dung để lưu.", field="file", code="empty-file")
        if req.content_length is not None and req.content_length > book.max_bytes:
            raise PayloadTooLarge(f"“{book.name}” nhận tệp tối đa {size_text(book.max_bytes)}.")
        return UploadTarget(file_name, document, book, owner_key, unit_id, period, school_year, now)

    def _target(self, ctx: CallerContext, req: UploadRequest) -> tuple[DocumentRecord | None, BookType, str, str | None, str]:
        if req.document_id:
            document = ctx.repos.documents.get(req.document_id)
            book = book_type(ctx.catalog, document.book)
            slot = find_slot(ctx.actor, book, ctx.units, document.owner_key)
            if slot is None:
                raise Forbidden(f"Bạn không phải người nộp “{book.name}” này.", code="not-owner")
            return document, book, document.owner_key, document.unit_id, document.period
        if not req.book or not ctx.catalog.has(req.book):
            raise ValidationFailed("Loại hồ sơ không có trong danh mục của trường.", field="book")
        book = ctx.catalog.get(req.book)
        if book.external_system:
            raise ValidationFailed(f"“{book.name}” được quản lý trên {book.external_system}.", field="book")
        slot = find_slot(ctx.actor, book, ctx.units, req.owner_key)
        if slot is None:
            raise Forbidden(f"Bạn không có nghĩa vụ nộp “{book.name}”.", code="not-owner")
        try:
            period = check_period(book, req.period or "").key
        except PeriodError as exc:
            raise ValidationFailed(str(exc), field="period") from None
        return None, book, slot.owner_key, slot.unit_id, period

    def _readable(self, key: str, size: int) -> BinaryIO:
        """A seekable copy for validation: local (spooled) up to the lenient PDF limit, where
        parsers may seek a lot; above it, the store's own reader (PDFs are then read strictly)."""
        if size > LENIENT_PDF_LIMIT:
            return self._store.open(key)
        spool = tempfile.SpooledTemporaryFile(max_size=8 * MIB)
        for chunk in self._store.iter_chunks(key):
            spool.write(chunk)
        spool.seek(0)
        return spool  # type: ignore[return-value]

    def store_bytes(self, key: str, body: BinaryIO, book: BookType, *,
                    signable_check: bool = True) -> tuple[str, MeteredReader]:
        """Stream ``body`` to ``key`` and validate it; return its format and what was read.

        A PDF must also be one the signer accepts (``signable_check``): the internal signed and
        correction writes are refused with 422 otherwise, never rewritten (a rewrite would break
        a signature); user uploads go through :meth:`store_signable`, which may repair.
        """
        def on_head(head: bytes) -> None:
            problem = wrong_type(book, head)
            if problem is not None:
                raise _WrongType(problem)

        reader = MeteredReader(body, limit=book.max_bytes, on_head=on_head)
        wanted = ", ".join(describe(f) for f in sorted(book.formats))
        try:
            self._store.put_stream(key, reader, content_type="application/octet-stream")
        except _WrongType as exc:
            raise exc.problem from None
        except (TooLarge, ObjectStoreError) as exc:
            raise _store_refusal(exc, book) from None
        except OSError:
            raise BadRequest("Quá trình tải lên bị gián đoạn; tệp chưa được lưu.", code="upload-interrupted") from None
        if reader.size == 0:
            self._store.delete(key)
            raise ValidationFailed("Tệp rỗng, không có nội dung để lưu.", field="file", code="empty-file")
        try:
            with self._readable(key, reader.size) as handle:
                fmt = validate_structure(sniff(reader.head) or "", handle, reader.size)
        except FileTypeError as exc:
            self._store.delete(key)
            raise UnsupportedMediaType(str(exc), field="file", code="invalid-file") from None
        except BaseException:
            self._store.delete(key)
            raise
        if fmt not in book.formats:
            self._store.delete(key)
            raise UnsupportedMediaType(f"Loại tệp thực tế là {describe(fmt)}; “{book.name}” chỉ nhận {wanted}.",
                                       field="file", code="wrong-file-type")
        if fmt == "pdf" and signable_check:
            try:
                self._signable_pdf(key, reader.size, book, repair=False)
            except BaseException:
                self._store.delete(key)
                raise
        return fmt, reader

    def store_signable(self, key: str, body: BinaryIO, book: BookType) -> tuple[str, MeteredReader, str | None]:
        """:meth:`store_bytes`, then make sure a PDF can be signed as stored (one judge with signing).

        A PDF the signer would refuse is rewritten (fresh cross-reference table) when that makes
        it signable: the rewritten bytes replace the stored object and the third value is the
        notice to show. Otherwise it is refused with 422 and the reason; encrypted PDFs and PDFs
        above the lenient-parse limit are never rewritten.
        """
        fmt, reader = self.store_bytes(key, body, book, signable_check=False)
        if fmt != "pdf":
            return fmt, reader, None
        try:
            repaired = self._signable_pdf(key, reader.size, book, repair=True)
        except BaseException:
            self._store.delete(key)
            raise
        return (fmt, repaired, REPAIRED_NOTICE) if repaired is not None else (fmt, reader, None)

    def _signable_pdf(self, key: str, size: int, book: BookType, *, repair: bool) -> MeteredReader | None:
        """None if the stored PDF is signable as it is; the reader of the stored rewrite if repaired
        (only with ``repair``); else a 422 with the reason."""
        with self._readable(key, size) as handle:
            try:
                check_signable(handle)
                return None
            except UnsignablePdf as exc:
                reason = exc.reason
            if not repair or reason == "encrypted" or size > LENIENT_PDF_LIMIT:
                raise _unsignable(reason)
            with tempfile.SpooledTemporaryFile(max_size=8 * MIB) as fixed:
                try:
                    rewrite(handle, fixed)  # type: ignore[arg-type]
                    check_signable(fixed)  # type: ignore[arg-type]
                except UnsignablePdf as exc:
                    raise _unsignable(exc.reason if exc.reason == "encrypted" else reason) from None
                fixed.seek(0)
                repaired = MeteredReader(fixed, limit=book.max_bytes)  # type: ignore[arg-type]
                try:
                    self._store.put_stream(key, repaired, content_type="application/octet-stream")
                except (TooLarge, ObjectStoreError) as exc:
                    raise _store_refusal(exc, book) from None
        log.info("stored a repaired PDF under %s (%s)", key, reason)
        return repaired

    @staticmethod
    def _undo_pointer(ctx: CallerContext, document: DocumentRecord, new_document: bool, version_id: str) -> None:
        """Point an existing document back at its previous version after a failed write."""
        if not new_document:
            ctx.repos.documents.query(id=document.id, latest_version_id=version_id).update(
                set__latest_version_id=_previous_version(ctx, document.id, version_id))

    def _record(self, ctx: CallerContext, req: UploadRequest, key: str, version_id: str, target: UploadTarget,
                fmt: str, reader: MeteredReader) -> UploadResult:
        principal = ctx.principal
        file_name, document, book, owner_key = target.file_name, target.document, target.book, target.owner_key
        unit_id, period, school_year, now = target.unit_id, target.period, target.school_year, target.now
        if document is None:
            title = (req.title or file_name).strip()[:300]
            document = DocumentRecord(id=new_id(), school_year=school_year, book=book.slug, owner_kind=book.owner_kind.value,
                                      owner_key=owner_key, unit_id=unit_id, period=period, title=title,
                                      title_search=title.casefold(), created_by=principal.sub, created_at=now,
                                      updated_at=now, version_count=1, latest_version_id=version_id,
                                      owner_name=principal.name if owner_key == principal.sub and principal.name else None)
            number = 1
            new_document = True
        else:
            updated = ctx.repos.documents.query(id=document.id, write_once=False).modify(
                inc__version_count=1, set__latest_version_id=version_id, set__updated_at=now, new=True)
            if updated is None:
                raise Conflict("Hồ sơ đã được duyệt hoặc ký số, không thể thay đổi; chỉ được sửa qua thủ tục đính chính.",
                               code="write-once")
            document, number, new_document = updated, updated.version_count, False
        version = VersionRecord(
            id=version_id, document_id=document.id, number=number, kind="upload", storage_key=key,
            file_name=file_name, format=fmt, content_type=CONTENT_TYPES[fmt], size=reader.size, sha256=reader.sha256,
            uploaded_by=principal.sub, uploaded_at=now, idempotency_key=req.idempotency_key or None,
            rendition_status="pending" if fmt in OFFICE else "not_needed")
        version.record_event(VERSION_UPLOADED.event(
            tenant=principal.tenant, district=principal.district, actor=principal.sub,
            data={"version_id": version_id, "document_id": document.id, "book": book.slug, "period": period,
                  "school_year": school_year, "owner_key": owner_key, "unit_id": unit_id, "format": fmt,
                  "size": reader.size, "sha256": reader.sha256, "number": number,
                  "rendition_needed": fmt in OFFICE}))
        try:
            ctx.repos.versions.add(version)
        except NotUniqueError:
            self._undo_pointer(ctx, document, new_document, version_id)
            existing = ctx.repos.versions.query(uploaded_by=principal.sub, idempotency_key=req.idempotency_key).first()
            if existing is None:
                raise
            self._store.delete(key)
            return UploadResult(existing, ctx.repos.documents.get(existing.document_id), created=False)
        except BaseException:
            self._undo_pointer(ctx, document, new_document, version_id)
            raise
        if new_document:
            try:
                ctx.repos.documents.add(document)
            except BaseException:
                version.delete()
                raise
        self._audit.append(action="documents.version.uploaded", actor=principal.sub, tenant=principal.tenant,
                           district=principal.district, target=version_id,
                           data={"document_id": document.id, "book": book.slug, "period": period,
                                 "sha256": reader.sha256, "size": reader.size, "file_name": file_name})
        return UploadResult(version, document, created=True)


def _store_refusal(exc: TooLarge | ObjectStoreError, book: BookType) -> PayloadTooLarge | ServiceUnavailable:
    """The problem for a write the store did not finish: over the book's limit, or the store failing."""
    if isinstance(exc, TooLarge):
        return PayloadTooLarge(f"“{book.name}” nhận tệp tối đa {size_text(book.max_bytes)}.")
    log.warning("object store failed while storing a file", exc_info=exc)
    return ServiceUnavailable("Kho lưu trữ tệp đang gặp sự cố; tệp chưa được lưu, vui lòng thử lại.",
                              code="storage-unavailable")


def _unsignable(reason: str) -> ValidationFailed:
    """422 for a PDF that could never be signed, with the reason and what to do."""
    code, detail = UNSIGNABLE.get(reason, UNSIGNABLE["corrupt"])
    return ValidationFailed(detail, field="file", code=code, title="Tệp PDF không thể ký số.")
