"""Resumable uploads (tus 1.0.0: core, creation, termination, expiration) over the one upload path.

Creation runs :meth:`Uploads.prepare` with the declared length, so a file the book refuses anyway
(too large, wrong slot, locked period, approved document) is refused before any byte is sent.
Each PATCH stores its body as one chunk object (all or nothing: an interrupted PATCH stores
nothing and the offset stays where it was) and then moves the session's offset from the offset
the client named, atomically: a stale or repeated PATCH gets 409 and its chunk is dropped.
When the last byte arrives the chunks are read back in order as one stream into
:meth:`Uploads.upload`, the path of a one-request upload: the same checks (type sniffing,
structure, size, signable PDF), SHA-256 computed while the chunks are composed, idempotency (the
session id is the idempotency key, so a completion retried after a crash stores nothing twice),
the audit entry and the event. Sessions end 24 hours after creation: an expired one is deleted
with its chunks when it is next touched, and the hourly sweep deletes the others.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO
from urllib.parse import quote

from services.documents.adapters.file_types import HEAD_BYTES
from services.documents.adapters.metered_reader import MeteredReader, TooLarge
from services.documents.adapters.object_store import ObjectStore, ObjectStoreError
from services.documents.adapters.upload_sessions import (
    ChunkStream, UploadSessionDoc, UploadSessionRepository, expired_sessions,
)
from services.documents.domain.inspection_records import book_type
from services.documents.domain.tus import SESSION_LIFETIME
from services.documents.service_layer.access import CallerContext, require_school_staff
from services.documents.service_layer.uploads import UploadRequest, UploadResult, Uploads, wrong_type
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import (
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Problem, ServiceUnavailable,
)
from services.kernel.ids import new_id

log = logging.getLogger(__name__)
GONE = "Không tìm thấy phiên tải lên này (phiên đã hết hạn, đã bị huỷ hoặc không phải của bạn)."


@dataclass(frozen=True)
class Appended:
    """A session after a PATCH; ``result`` is the stored version once the last byte arrived."""

    session: UploadSessionDoc
    result: UploadResult | None = None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


class ResumableUploads:
    """The resumable upload use cases: create, status, append, cancel, and the expiry sweep."""

    def __init__(self, *, uploads: Uploads, store: ObjectStore, clock: Clock, audit: AuditLog) -> None:
        self._uploads = uploads
        self._store = store
        self._clock = clock
        self._audit = audit

    @staticmethod
    def _repo(ctx: CallerContext) -> UploadSessionRepository:
        return UploadSessionRepository(scope=ctx.repos.scope)

    def create(self, ctx: CallerContext, *, length: int | None, metadata: dict[str, str]) -> UploadSessionDoc:
        """Open a session for ``length`` bytes into the book slot (or document) the metadata names."""
        require_school_staff(ctx)
        if length is None:
            raise BadRequest("Thiếu hoặc sai dung lượng tệp (tiêu đề Upload-Length).", field="Upload-Length")
        school = metadata.get("school")
        if school and school != ctx.principal.tenant:
            raise Forbidden("Chỉ được tải tệp lên hồ sơ của trường mình.", field="school")
        name = metadata.get("filename") or metadata.get("name")
        req = UploadRequest(file_name=quote(name, safe="") if name else None, content_length=length,
                            book=metadata.get("book") or None, period=metadata.get("period") or None,
                            owner_key=metadata.get("owner_key") or None,
                            document_id=metadata.get("document_id") or None, title=metadata.get("title") or None)
        target = self._uploads.prepare(ctx, req)
        now = target.now
        session = UploadSessionDoc(
            id=new_id(), created_by=ctx.principal.sub, file_name=target.file_name, book=target.book.slug,
            period=target.period, owner_key=req.owner_key, document_id=req.document_id, title=req.title,
            length=length, offset=0, chunks=[], created_at=now, expires_at=now + SESSION_LIFETIME)
        self._repo(ctx).add(session)
        self._note(ctx, "documents.upload.started", session, {"book": session.book, "period": session.period,
                                                              "length": length, "file_name": session.file_name})
        return session

    def status(self, ctx: CallerContext, upload_id: str) -> UploadSessionDoc:
        """The caller's own session; 404 for anyone else's, another school's, or one that expired."""
        require_school_staff(ctx)
        session = self._repo(ctx).query(id=upload_id, created_by=ctx.principal.sub).first()
        if session is None:
            raise NotFound(GONE)
        if _utc(session.expires_at) <= self._clock.now():
            self._discard(session)
            raise NotFound(GONE)
        return session

    def append(self, ctx: CallerContext, upload_id: str, *, offset: int | None, content_length: int | None,
               body: BinaryIO) -> Appended:
        """Store the bytes sent at ``offset``; complete the upload when they are the last ones."""
        session = self.status(ctx, upload_id)
        if offset is None:
            raise BadRequest("Thiếu hoặc sai vị trí tải lên (tiêu đề Upload-Offset).", field="Upload-Offset")
        if session.state == "done" or offset != session.offset:
            raise Conflict(f"Vị trí gửi ({offset}) không khớp với số byte máy chủ đã nhận ({session.offset}); "
                           "hãy hỏi lại vị trí (HEAD) rồi gửi tiếp.", code="offset-mismatch",
                           extra={"offset": session.offset})
        remaining = session.length - session.offset
        if content_length is not None and content_length > remaining:
            raise PayloadTooLarge(f"Phần gửi lên dài hơn phần còn lại của tệp ({remaining} byte).")
        size = self._store_chunk(ctx, session, body, remaining) if remaining else 0
        if size:
            session.reload()
        if session.offset == session.length:
            return Appended(session, self._complete(ctx, session))
        return Appended(session)

    def _store_chunk(self, ctx: CallerContext, session: UploadSessionDoc, body: BinaryIO, remaining: int) -> int:
        key = f"uploads/{session.tenant_id}/{session.id}/{session.offset}-{new_id()}"
        reader = MeteredReader(body, limit=remaining)
        try:
            self._store.put_stream(key, reader)  # type: ignore[arg-type]
        except TooLarge:
            raise PayloadTooLarge(f"Phần gửi lên dài hơn phần còn lại của tệp ({remaining} byte).") from None
        except ObjectStoreError:
            log.warning("object store failed while storing an upload chunk", exc_info=True)
            raise ServiceUnavailable("Kho lưu trữ tệp đang gặp sự cố; phần tệp này chưa được lưu, vui lòng thử lại.",
                                     code="storage-unavailable") from None
        except (OSError, ValueError):
            raise BadRequest("Phần tệp bị ngắt giữa chừng; hãy gửi lại từ vị trí máy chủ đã nhận.",
                             code="upload-interrupted") from None
        if reader.size == 0:
            self._store.delete(key)
            return 0
        if session.offset == 0 and len(reader.head) >= min(HEAD_BYTES, session.length):
            problem = wrong_type(book_type(ctx.catalog, session.book), reader.head)
            if problem is not None:
                self._store.delete(key)
                self._discard(session)
                raise problem
        moved = self._repo(ctx).query(id=session.id, offset=session.offset, state="receiving").update_one(
            set__offset=session.offset + reader.size, push__chunks={"key": key, "size": reader.size})
        if not moved:
            self._store.delete(key)
            raise Conflict("Phần tệp này đã được gửi từ một yêu cầu khác; hãy hỏi lại vị trí (HEAD) rồi gửi tiếp.",
                           code="offset-mismatch")
        return reader.size

    def _complete(self, ctx: CallerContext, session: UploadSessionDoc) -> UploadResult:
        """Compose the chunks into a version through the normal upload; refusals end the session."""
        req = UploadRequest(file_name=quote(session.file_name, safe=""), content_length=session.length,
                            book=session.book, period=session.period, owner_key=session.owner_key,
                            document_id=session.document_id, title=session.title, idempotency_key=f"tus-{session.id}")
        keys = [chunk["key"] for chunk in session.chunks]
        try:
            result = self._uploads.upload(ctx, req, ChunkStream(self._store, keys))  # type: ignore[arg-type]
        except ServiceUnavailable:
            raise  # the bytes are kept: an empty PATCH at the end offset completes again
        except Problem:
            self._discard(session)
            raise
        self._repo(ctx).query(id=session.id).update_one(
            set__state="done", set__version_id=result.version.id, set__result_document_id=result.document.id,
            set__chunks=[])
        session.reload()
        self._delete_chunks(keys)
        return result

    def cancel(self, ctx: CallerContext, upload_id: str) -> None:
        """Huỷ: stop a session and delete what it received (a finished upload's version stays)."""
        session = self.status(ctx, upload_id)
        self._discard(session)
        self._note(ctx, "documents.upload.cancelled", session, {"received": session.offset, "length": session.length})

    def sweep(self) -> int:
        """Delete every expired session of every school with its chunks; how many were deleted."""
        gone = expired_sessions(self._clock.now())
        for session in gone:
            self._discard(session)
        return len(gone)

    def _discard(self, session: UploadSessionDoc) -> None:
        self._delete_chunks([chunk["key"] for chunk in session.chunks])
        UploadSessionDoc.objects(id=session.id, tenant_id=session.tenant_id).delete()

    def _delete_chunks(self, keys: list[str]) -> None:
        for key in keys:
            try:
                self._store.delete(key)
            except ObjectStoreError:
                log.warning("could not delete upload chunk %s (the sweep leaves it to the store)", key)

    def _note(self, ctx: CallerContext, action: str, session: UploadSessionDoc, data: dict[str, object]) -> None:
        principal = ctx.principal
        self._audit.append(action=action, actor=principal.sub, tenant=principal.tenant, district=principal.district,
                           target=session.id, data=data)
