"""Composition root of the signing service: used by create_app, the consumer, the demo seed and tests."""
from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import requests
from pymongo.collection import Collection

from services.approvals.events import RECALLED
from services.kernel.clock import Clock
from services.kernel.errors import BadGateway
from services.kernel.messaging import ConsumerWorker, IdempotentConsumer, Publisher
from services.kernel.mongo import ensure_indexes
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.service_auth import ClientCredentials
from services.kernel.settings import SettingsError, load_settings
from services.kernel.tokens import TokenVerifier

from .adapters.approvals_client import ApprovalsPort, HttpApprovals
from .adapters.crl_fetcher import CrlFetcher
from .adapters.documents_client import DocumentsPort, HttpDocuments
from .adapters.external_jobs import MongoExternalJobs
from .adapters.pairings import MongoPairings
from .adapters.key_paths.external import ExternalKeyPath
from .adapters.key_paths.pkcs12 import Pkcs12KeyPath
from .adapters.key_paths.remote import RemoteKeyPath, RemoteSigningProvider, SimulatedRemoteProvider
from .adapters.key_paths.server_key import ServerKeyPath
from .adapters.records import ALL_DOCUMENTS, OUTBOX_DOCUMENTS
from .adapters.sealing import KeySealer
from .adapters.spool import LocalSpoolStore, S3SpoolStore, SpoolStore
from .domain.credentials import KeyPathKind
from .service_layer.authority import CertificateAuthority, load_roots
from .service_layer.credentials import CredentialService, MongoPinCounter
from .service_layer.pairing import AgentPairing
from .service_layer.records import RecordDocuments, RecordSigning
from .service_layer.scheduler import ExecutorRunner, FairScheduler
from .service_layer.signed_copies import SignedCopies
from .service_layer.signing import EngineChoice, SigningService
from .service_layer.verification import VerificationService
from .settings import SigningSettings

RECALL_CONSUMER = "signing.recalls"


@dataclass
class Container:
    runtime: Runtime
    settings: SigningSettings
    authority: CertificateAuthority
    credentials: CredentialService
    signing: SigningService
    records: RecordSigning
    verification: VerificationService
    copies: SignedCopies
    external_jobs: MongoExternalJobs
    pairing: AgentPairing
    simulated_provider: SimulatedRemoteProvider | None
    recall_consumer: IdempotentConsumer

    def workers(self) -> list[ConsumerWorker]:
        return [self.runtime.worker(self.recall_consumer, quorum=self.settings.queue_quorum or None)]

    def outbox_collections(self) -> list[Collection]:
        return [d._get_collection() for d in OUTBOX_DOCUMENTS]

    def periodic(self) -> list[tuple[float, Callable[[], object]]]:
        """Jobs the runner repeats: fail batches whose token or phone never answered; resume confirmed ones."""
        return [(60.0, self.expire_unanswered), (self.settings.remote_poll_seconds, self.signing.poll_remote)]

    def expire_unanswered(self) -> int:
        """Fail the batches whose token or phone has not answered within the longer of their two timeouts."""
        return self.signing.expire_waiting(max(self.settings.external_job_ttl_seconds, self.settings.remote_timeout_seconds))


class _NotConfigured(requests.auth.AuthBase):
    """Service calls fail with a clear message when no client secret is configured."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        raise BadGateway("Dịch vụ ký số chưa được cấu hình mã truy cập dịch vụ (HOSO_SIGNING_CLIENT_SECRET).")


def _service_auth(settings: SigningSettings) -> requests.auth.AuthBase:
    if settings.identity_url and settings.client_secret:
        return ClientCredentials(token_url=settings.identity_url.rstrip("/") + "/oauth/token",
                                 client_id=settings.client_id, client_secret=settings.client_secret)
    return _NotConfigured()


def _kek(settings: SigningSettings) -> bytes:
    if settings.kek:
        kek = base64.b64decode(settings.kek)
        if len(kek) != 32:
            raise SettingsError("HOSO_SIGNING_KEK must be base64 of 32 bytes")
        return kek
    if settings.mode == "production":
        raise SettingsError("HOSO_SIGNING_KEK is required in production (base64 of 32 random bytes)")
    return os.urandom(32)  # all-in-one and tests keep nothing, so a key per start is enough


def spool_store_for(settings: SigningSettings) -> SpoolStore:
    """The shared spool the settings choose; the boto3 client is built once here (it connects lazily)."""
    if settings.spool_store == "s3":
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=settings.spool_s3_endpoint_url, region_name=settings.spool_s3_region,
                              config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5,
                                            read_timeout=60))
        return S3SpoolStore(client=client, bucket=settings.spool_s3_bucket)
    return LocalSpoolStore(root=settings.spool_dir)


def bootstrap(
    config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    verifier: TokenVerifier | None = None,
    approvals: ApprovalsPort | None = None,
    documents: DocumentsPort | RecordDocuments | None = None,
    executor: Executor | None = None,
    remote_providers: dict[str, RemoteSigningProvider] | None = None,
    spool: SpoolStore | None = None,
) -> Container:
    settings = load_settings(SigningSettings, os.environ if environ is None else environ, config)
    runtime = build_runtime(settings, db_name=settings.db_name, clock=clock, publisher=publisher, verifier=verifier)
    ensure_indexes(*ALL_DOCUMENTS)
    sealer = KeySealer(kek=_kek(settings))
    auth = _service_auth(settings)
    approvals = approvals or HttpApprovals(base_url=settings.approvals_url or "http://approvals.invalid", auth=auth)
    documents = documents or HttpDocuments(base_url=settings.documents_url or "http://documents.invalid", auth=auth)
    public = settings.public_url.rstrip("/")

    simulated = None
    providers = dict(remote_providers or {})
    if settings.simulated_remote_provider and settings.mode != "production":
        simulated = SimulatedRemoteProvider(name="simulated", clock=runtime.clock)
        providers.setdefault("simulated", simulated)
    server_keys = ServerKeyPath(sealer=sealer)
    pkcs12_path = Pkcs12KeyPath(sealer=sealer, pins=MongoPinCounter())
    jobs = MongoExternalJobs()
    key_paths = {
        KeyPathKind.PLATFORM: server_keys,
        KeyPathKind.PKCS12: pkcs12_path,
        KeyPathKind.REMOTE: RemoteKeyPath(providers=providers),
        KeyPathKind.EXTERNAL: ExternalKeyPath(jobs=jobs, clock=runtime.clock, ttl_seconds=settings.external_job_ttl_seconds),
    }
    authority = CertificateAuthority(sealer=sealer, server_keys=server_keys, clock=runtime.clock, audit=runtime.audit,
                                     crl_base_url=f"{public}/api/signing/v1/crl",
                                     extra_roots=load_roots(settings.trust_roots_dir))
    credentials = CredentialService(authority=authority, pkcs12_path=pkcs12_path, providers=providers,
                                    clock=runtime.clock, audit=runtime.audit)
    signing = SigningService(
        approvals=approvals, documents=documents, authority=authority, credentials=credentials, key_paths=key_paths,
        clock=runtime.clock, audit=runtime.audit, spool=spool or spool_store_for(settings),
        verify_base_url=f"{public}/api/signing/verify", engine_choice=EngineChoice(settings.level, settings.tsa_url),
        executor=ExecutorRunner(executor) if executor is not None else FairScheduler(settings.batch_threads),
        jobs=jobs, crls=CrlFetcher(clock=runtime.clock) if settings.fetch_crls else None,
        remote_timeout_seconds=settings.remote_timeout_seconds, item_threads=settings.batch_item_threads,
    )
    records = RecordSigning(documents=documents, credentials=credentials,  # type: ignore[arg-type]
                            key_paths=key_paths, signing=signing, clock=runtime.clock, audit=runtime.audit,
                            verify_base_url=f"{public}/api/signing/verify")
    verification = VerificationService(authority=authority, documents=documents, audit=runtime.audit,
                                       clock=runtime.clock, max_bytes=settings.verify_max_bytes)

    return Container(
        runtime=runtime, settings=settings, authority=authority, credentials=credentials, signing=signing,
        records=records, verification=verification, copies=SignedCopies(verify_page=f"{public}/tra-cuu"),
        external_jobs=jobs, simulated_provider=simulated,
        pairing=AgentPairing(jobs=jobs, pairings=MongoPairings(), signing=signing, clock=runtime.clock,
                             audit=runtime.audit),
        recall_consumer=runtime.consumer(RECALL_CONSUMER, {RECALLED.type: verification.on_recalled}),
    )
