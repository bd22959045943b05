"""HTTP of resumable uploads: tus 1.0.0 (core, creation, termination, expiration) at ``/api/v1/uploads``.

``OPTIONS /uploads`` says what the server speaks; ``POST /uploads`` with ``Upload-Length`` and
``Upload-Metadata`` (``filename``, ``book``, ``period``, ``owner_key``, ``document_id``, ``title``)
opens a session: 201 and ``Location`` (relative: ``uploads/<id>``, the same behind the gateway).
``HEAD`` gives ``Upload-Offset``; ``PATCH`` with ``application/offset+octet-stream`` and
``Upload-Offset`` appends (409 when the offset is not the server's); ``DELETE`` cancels.
``GET`` is the same status as JSON, with the stored version and document once complete. Every
tus request carries ``Tus-Resumable: 1.0.0`` (412 otherwise) and every answer does too.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from services.documents.adapters.upload_sessions import UploadSessionDoc
from services.documents.bootstrap import Container
from services.documents.domain.tus import (
    EXTENSIONS, OFFSET_CONTENT_TYPE, TUS_VERSION, MetadataError, expires_header, parse_metadata, parse_size,
)
from services.documents.service_layer.access import CallerContext, school_context
from services.documents.service_layer.uploads import UploadResult
from services.kernel.api import Api
from services.kernel.context import current_principal
from services.kernel.errors import Problem, UnsupportedMediaType, ValidationFailed

from .views import document_view, version_view

BASE = "/api/v1"


def _require_tus() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise Problem("Máy chủ chỉ hỗ trợ giao thức tus phiên bản 1.0.0 (tiêu đề Tus-Resumable: 1.0.0).",
                      title="Phiên bản giao thức tải lên không được hỗ trợ.", status=412, code="tus-version",
                      headers={"Tus-Version": TUS_VERSION})


def _session_headers(session: UploadSessionDoc) -> dict[str, str]:
    return {"Upload-Offset": str(session.offset), "Upload-Length": str(session.length),
            "Upload-Expires": expires_header(session.expires_at), "Cache-Control": "no-store"}


def _session_view(ctx: CallerContext, session: UploadSessionDoc) -> dict:
    view: dict = {"id": session.id, "state": session.state, "offset": session.offset, "length": session.length,
                  "file_name": session.file_name, "book": session.book, "period": session.period,
                  "expires_at": expires_header(session.expires_at)}
    if session.state == "done" and session.version_id:
        view["version"] = version_view(ctx.repos.versions.get(session.version_id))
        view["document"] = document_view(ctx.repos.documents.get(session.result_document_id))
    return view


def uploads_blueprint(c: Container, api: Api) -> Blueprint:
    bp = Blueprint("resumable_uploads", __name__, url_prefix=BASE)

    @bp.after_request
    def _tus_header(resp: Response) -> Response:
        resp.headers["Tus-Resumable"] = TUS_VERSION
        return resp

    @api.route(bp, "/uploads", methods=["POST", "OPTIONS"], status=201, tags=["uploads"])
    def create_upload() -> Response:
        """Open a resumable (tus) upload: Upload-Length and Upload-Metadata; OPTIONS: what the server speaks."""
        if request.method == "OPTIONS":
            return Response(status=204, headers={"Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS})
        _require_tus()
        ctx = school_context(current_principal())
        try:
            metadata = parse_metadata(request.headers.get("Upload-Metadata"))
        except MetadataError as exc:
            raise ValidationFailed(str(exc), field="Upload-Metadata") from None
        session = c.resumable.create(ctx, length=parse_size(request.headers.get("Upload-Length")), metadata=metadata)
        return Response(status=201, headers={"Location": f"uploads/{session.id}", **_session_headers(session)})

    @api.route(bp, "/uploads/<upload_id>", methods=["GET", "HEAD"], tags=["uploads"])
    def upload_status(upload_id: str) -> Response:
        """A session's offset (HEAD: Upload-Offset; GET: JSON, with the version once complete)."""
        ctx = school_context(current_principal())
        session = c.resumable.status(ctx, upload_id)
        if request.method == "HEAD":
            _require_tus()
        return Response(json.dumps(_session_view(ctx, session), ensure_ascii=False), mimetype="application/json",
                        headers=_session_headers(session))

    @api.route(bp, "/uploads/<upload_id>", methods=["PATCH"], status=204, tags=["uploads"],
               raw_body=OFFSET_CONTENT_TYPE)
    def append_upload(upload_id: str) -> Response:
        """Send the next bytes at Upload-Offset; the last ones store the file as a version (same checks)."""
        ctx = school_context(current_principal())
        c.resumable.status(ctx, upload_id)  # anyone else's session is not found, whatever the headers
        _require_tus()
        if request.mimetype != OFFSET_CONTENT_TYPE:
            raise UnsupportedMediaType(f"Nội dung phải có Content-Type {OFFSET_CONTENT_TYPE}.", field="Content-Type")
        done = c.resumable.append(ctx, upload_id, offset=parse_size(request.headers.get("Upload-Offset")),
                                  content_length=request.content_length, body=request.stream)
        headers = _session_headers(done.session)
        if done.result is not None:
            headers.update(_result_headers(done.result))
        return Response(status=204, headers=headers)

    @api.route(bp, "/uploads/<upload_id>", methods=["DELETE"], status=204, tags=["uploads"])
    def cancel_upload(upload_id: str) -> Response:
        """Huỷ: stop the upload and delete what was received."""
        ctx = school_context(current_principal())
        c.resumable.status(ctx, upload_id)  # anyone else's session is not found, whatever the headers
        _require_tus()
        c.resumable.cancel(ctx, upload_id)
        return Response(status=204)

    return bp


def _result_headers(result: UploadResult) -> dict[str, str]:
    """Where the stored version is, for a client that reads no body (tus answers PATCH with 204)."""
    return {"X-Version-Id": result.version.id, "X-Document-Id": result.document.id,
            "X-Content-Sha256": result.version.sha256}
