"""The rendition worker: DOCX/XLSX versions get a PDF made by LibreOffice.

Consumes ``documents.version.uploaded``; a failed conversion is recorded on the version
(``rendition_status="failed"`` with the reason), never lost.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from services.documents.adapters.metered_reader import put_hashed
from services.documents.adapters.object_store import ObjectStore
from services.documents.adapters.repositories import Repositories
from services.documents.adapters.soffice import ConversionError, LibreOfficeConverter
from services.kernel.audit import AuditLog
from services.documents.events import RENDITION_READY, VERSION_UPLOADED, VersionUploaded
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.kernel.tenancy import TenantScope

log = logging.getLogger(__name__)


class Renditions:
    def __init__(self, *, store: ObjectStore, converter: LibreOfficeConverter, audit: AuditLog, work_dir: str) -> None:
        self._store = store
        self._converter = converter
        self._audit = audit
        self._work_dir = Path(work_dir)

    @reads(VERSION_UPLOADED, "rendition_needed", "version_id")
    def on_version_uploaded(self, event: Event, data: VersionUploaded) -> None:
        """An office file was uploaded: make its PDF."""
        if data.rendition_needed:
            self.render(tenant=event.tenant or "", district=event.district or "", version_id=data.version_id)

    def render(self, *, tenant: str, district: str, version_id: str) -> str:
        """Make the PDF of one version; returns the resulting ``rendition_status``."""
        repos = Repositories(TenantScope.school(tenant, district))
        version = repos.versions.get(version_id)
        if version.rendition_status != "pending":
            return version.rendition_status
        self._work_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="rendition-", dir=self._work_dir))
        try:
            source = work / f"source.{version.format}"
            with open(source, "wb") as out:
                for chunk in self._store.iter_chunks(version.storage_key):
                    out.write(chunk)
            try:
                pdf = self._converter.convert(source, work)
            except ConversionError as exc:
                version.rendition_status, version.rendition_error = "failed", exc.reason
                version.save()
                self._audit.append(action="documents.rendition.failed", actor=None, tenant=tenant, district=district,
                                   target=version.id, data={"reason": exc.reason})
                return "failed"
            key = f"{version.storage_key}.pdf"
            stored, sha256 = put_hashed(self._store, key, pdf, content_type="application/pdf")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        version.rendition_status, version.rendition_key = "ready", key
        version.rendition_size, version.rendition_sha256, version.rendition_error = stored.size, sha256, None
        version.record_event(RENDITION_READY.event({"version_id": version.id, "document_id": version.document_id,
                                                     "sha256": version.rendition_sha256, "size": stored.size},
                                                    tenant=tenant, district=district))
        version.save()
        self._audit.append(action="documents.rendition.ready", actor=None, tenant=tenant, district=district,
                           target=version.id, data={"sha256": version.rendition_sha256})
        return "ready"
