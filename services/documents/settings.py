"""Settings of the documents service (``HOSO_DOCUMENTS_*``)."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from services.kernel.settings import ServiceSettings

DEV_URL_KEY = "dev-only-documents-url-signing-key-change-me"


class DocumentsSettings(ServiceSettings):
    service: ClassVar[str] = "documents"
    object_storage_fields: ClassVar[tuple[str, ...]] = ("storage",)

    db_name: str = "hoso_documents"
    #: ``local`` (all-in-one: files under ``local_root``) or ``s3`` (MinIO, Ceph RGW, AWS).
    storage: Literal["local", "s3"] = "local"
    local_root: str = "var/documents"
    s3_bucket: str = "hoso-documents"
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_part_size: int = 8 * 1024 * 1024
    s3_sse: Literal["AES256", "aws:kms"] = "AES256"
    s3_kms_key_id: str | None = None
    #: Connect and read timeout of one S3 request (seconds); with 3 attempts a store that stopped
    #: answering is reported within about a minute, before the gateway's own upstream timeout.
    s3_timeout: float = 15.0
    #: A multipart upload still open this long after it began was interrupted: the sweep aborts it.
    s3_stale_upload_seconds: float = 6 * 3600.0
    s3_sweep_interval_seconds: float = 3600.0
    #: Secret for signed download links (HMAC-SHA256); at least 32 characters.
    url_signing_key: str = DEV_URL_KEY
    download_url_ttl: int = 300
    soffice_path: str = "soffice"
    rendition_timeout: int = 120
    #: A pinned JWKS file (tests and benchmarks); production uses the identity JWKS URL.
    jwks_file: str | None = None
    work_dir: str = "var/documents-work"
    queue_quorum: bool = False
    #: Seed the demo district when the service runs alone (``entrypoints.serve``) on mongomock.
    demo_seed: bool = False

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> "DocumentsSettings":
        if self.mode == "production" and self.url_signing_key == DEV_URL_KEY:
            raise ValueError("HOSO_DOCUMENTS_URL_SIGNING_KEY must be set in production")
        if len(self.url_signing_key) < 32:
            raise ValueError("HOSO_DOCUMENTS_URL_SIGNING_KEY must be at least 32 characters")
        return self
