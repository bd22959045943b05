"""Settings of the signing service (``HOSO_SIGNING_*``)."""
from __future__ import annotations

from typing import ClassVar, Literal

from services.kernel.settings import ServiceSettings


class SigningSettings(ServiceSettings):
    service: ClassVar[str] = "signing"
    object_storage_fields: ClassVar[tuple[str, ...]] = ("spool_store",)

    db_name: str = "hoso_signing"
    # base64 of 32 random bytes; required in production, generated per start elsewhere (nothing is kept there)
    kek: str | None = None
    client_id: str = "signing"
    client_secret: str | None = None
    # a licensed RFC 3161 TSA in production; unset: each district's development TSA
    tsa_url: str | None = None
    level: Literal["B-B", "B-T", "B-LT"] = "B-LT"
    # fetch the CRLs of other CAs' certificates (licensed CAs) for B-LT and the revocation check
    fetch_crls: bool = True
    #: Where batches waiting for a token or a phone keep their prepared PDFs, shared by every replica:
    #: ``s3`` (production) or ``local`` (the all-in-one mode's folder ``spool_dir``).
    spool_store: Literal["local", "s3"] = "local"
    spool_dir: str = "var/signing-spool"
    spool_s3_bucket: str = "hoso-signing-spool"
    spool_s3_endpoint_url: str | None = None
    spool_s3_region: str = "us-east-1"
    batch_threads: int = 2
    #: documents of one batch chunk handled side by side (they mostly wait on other services and the database)
    batch_item_threads: int = 4
    remote_poll_seconds: float = 1.0
    remote_timeout_seconds: float = 300.0
    external_job_ttl_seconds: int = 900
    verify_max_bytes: int = 100 * 1024 * 1024
    # folder of extra trust anchors (PEM or DER), e.g. the national root CA that licensed Vietnamese CAs chain to
    trust_roots_dir: str | None = None
    simulated_remote_provider: bool = True
    queue_quorum: bool = False
