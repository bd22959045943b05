"""Composition root of the documents service: used by create_app, the workers, the demo and tests."""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.collection import Collection

from services.approvals.events import APPROVED, CALENDAR_PUBLISHED
from services.identity.events import SCHOOL_ONBOARDED
from services.kernel.campaigns import CampaignStates
from services.kernel.clock import Clock
from services.kernel.messaging import ConsumerWorker, IdempotentConsumer, Publisher
from services.kernel.mongo import ensure_indexes
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.settings import load_settings
from services.kernel.tokens import StaticKeySource, TokenVerifier

from .adapters.findings import FindingDoc
from .adapters.inspection_records import InspectionRecordDoc
from .adapters.local_store import LocalDiskObjectStore
from .adapters.object_store import ObjectStore
from .adapters.records import ALL_RECORDS, OUTBOX_RECORDS
from .adapters.s3_store import S3ObjectStore
from .adapters.upload_sessions import UploadSessionDoc
from .adapters.signed_urls import SignedUrls
from .adapters.soffice import LibreOfficeConverter
from .events import EXPORT_REQUESTED, VERSION_UPLOADED
from .service_layer.access import current_school_year
from .service_layer.calendar import CalendarProjection
from .service_layer.exports import Exports
from .service_layer.findings import Findings
from .service_layer.folders import Folders
from .service_layer.handlers import OnboardingHandler
from .service_layer.inspection_records import FindingsFor, InspectionRecords
from .service_layer.internal import Internal
from .service_layer.locks import Locks
from .service_layer.reads import Reads
from .service_layer.renditions import Renditions
from .service_layer.resumable import ResumableUploads
from .service_layer.similarity import SimilarPlans
from .service_layer.templates import Templates
from .service_layer.uploads import Uploads
from .settings import DocumentsSettings

ONBOARDING = "documents.onboarding"
RENDITIONS = "documents.renditions"
SIMILARITY = "documents.similarity"
EXPORTS = "documents.exports"
APPROVALS = "documents.approvals"
CAMPAIGNS = "documents.campaigns"
CALENDAR = "documents.calendar"


@dataclass
class Container:
    runtime: Runtime
    settings: DocumentsSettings
    store: ObjectStore
    uploads: Uploads
    resumable: ResumableUploads
    reads: Reads
    locks: Locks
    folders: Folders
    internal: Internal
    renditions: Renditions
    exports: Exports
    templates: Templates
    similar_plans: SimilarPlans
    findings: Findings
    inspection_records: InspectionRecords
    consumers: dict[str, IdempotentConsumer]
    #: identity's campaigns as last published: a closed campaign or a removed member reads nothing at once
    campaigns: CampaignStates

    def workers(self) -> list[ConsumerWorker]:
        """One broker worker per consumer: onboarding, renditions, similarity, exports, approvals, calendar."""
        return [self.runtime.worker(c, quorum=self.settings.queue_quorum or None) for c in self.consumers.values()]

    def outbox_collections(self) -> list[Collection]:
        """Collections whose records carry pending events (versions, locks, exports, findings, inspection records)."""
        return [record._get_collection() for record in (*OUTBOX_RECORDS, FindingDoc, InspectionRecordDoc)]

    def periodic(self) -> list[tuple[float, Callable[[], None]]]:
        """Hourly: every school has its folder tree for the current school year; expired upload sessions go;
        on S3, interrupted multipart uploads are aborted."""
        jobs = [(3600.0, self.ensure_current_year_folders), (3600.0, self.sweep_upload_sessions)]
        if isinstance(self.store, S3ObjectStore):
            jobs.append((self.settings.s3_sweep_interval_seconds, self.abort_stale_uploads))
        return jobs

    def abort_stale_uploads(self) -> None:
        assert isinstance(self.store, S3ObjectStore)
        self.store.abort_stale_uploads(older_than=self.settings.s3_stale_upload_seconds, now=self.runtime.clock.now())

    def sweep_upload_sessions(self) -> None:
        self.resumable.sweep()

    def ensure_current_year_folders(self) -> None:
        self.folders.ensure_year(current_school_year(self.runtime.clock.now()))


def build_store(settings: DocumentsSettings) -> ObjectStore:
    """The object store the settings choose; the boto3 client is built once here."""
    if settings.storage == "s3":
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region,
                              config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                            connect_timeout=settings.s3_timeout, read_timeout=settings.s3_timeout))
        return S3ObjectStore(client=client, bucket=settings.s3_bucket, prefix=settings.s3_prefix,
                             part_size=settings.s3_part_size, sse=settings.s3_sse, kms_key_id=settings.s3_kms_key_id)
    return LocalDiskObjectStore(root=settings.local_root)


def bootstrap(
    config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    verifier: TokenVerifier | None = None,
    store: ObjectStore | None = None,
    converter: LibreOfficeConverter | None = None,
    findings_for: FindingsFor | None = None,
) -> Container:
    settings = load_settings(DocumentsSettings, os.environ if environ is None else environ, config)
    if verifier is None and settings.jwks_file:
        with open(settings.jwks_file, encoding="utf-8") as handle:
            jwks = json.load(handle)
        verifier = TokenVerifier(keys=StaticKeySource(jwks=jwks), issuer=settings.issuer,
                                 audience=settings.jwt_audience, clock=clock)
    runtime = build_runtime(settings, db_name=settings.db_name, clock=clock, publisher=publisher, verifier=verifier)
    ensure_indexes(*ALL_RECORDS, FindingDoc, InspectionRecordDoc, UploadSessionDoc)
    store = store or build_store(settings)
    runtime.extra_checks["object_store"] = store.ping
    audit, clk = runtime.audit, runtime.clock
    uploads = Uploads(store=store, clock=clk, audit=audit)
    converter = converter or LibreOfficeConverter(soffice=settings.soffice_path, timeout=settings.rendition_timeout,
                                                  work_dir=settings.work_dir)
    reads = Reads(store=store, clock=clk, audit=audit, urls=SignedUrls(key=settings.url_signing_key),
                  url_ttl=settings.download_url_ttl)
    campaigns = CampaignStates(db=runtime.db)
    findings = Findings(clock=clk, audit=audit, reads=reads, campaign_names=campaigns.name_of)
    container = Container(
        runtime=runtime, settings=settings, store=store, uploads=uploads,
        resumable=ResumableUploads(uploads=uploads, store=store, clock=clk, audit=audit), reads=reads,
        locks=Locks(clock=clk, audit=audit), folders=Folders(audit=audit),
        internal=Internal(store=store, clock=clk, audit=audit, uploads=uploads),
        renditions=Renditions(store=store, converter=converter, audit=audit, work_dir=settings.work_dir),
        exports=Exports(store=store, clock=clk, audit=audit, work_dir=settings.work_dir),
        templates=Templates(clock=clk, audit=audit),
        similar_plans=SimilarPlans(store=store, clock=clk, audit=audit),
        findings=findings,
        inspection_records=InspectionRecords(store=store, clock=clk, audit=audit, uploads=uploads,
                                             findings_for=findings_for or findings.lines_for),
        consumers={}, campaigns=campaigns,
    )
    onboarding = OnboardingHandler(folders=container.folders, clock=clk)
    calendar = CalendarProjection(audit=audit)
    container.consumers = {
        ONBOARDING: runtime.consumer(ONBOARDING, {SCHOOL_ONBOARDED.type: onboarding.school_onboarded}),
        RENDITIONS: runtime.consumer(RENDITIONS, {VERSION_UPLOADED.type: container.renditions.on_version_uploaded}),
        SIMILARITY: runtime.consumer(SIMILARITY, {VERSION_UPLOADED.type: container.similar_plans.on_version_uploaded}),
        EXPORTS: runtime.consumer(EXPORTS, {EXPORT_REQUESTED.type: container.exports.on_export_requested}),
        APPROVALS: runtime.consumer(APPROVALS, {APPROVED.type: container.internal.on_submission_approved}),
        CALENDAR: runtime.consumer(CALENDAR, {CALENDAR_PUBLISHED.type: calendar.calendar_published}),
        CAMPAIGNS: runtime.consumer(CAMPAIGNS, container.campaigns.handlers()),
    }
    return container
