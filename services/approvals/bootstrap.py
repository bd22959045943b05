"""Composition root of the approvals service: used by create_app, the consumers, the scheduler and tests."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from pymongo.collection import Collection

from services.kernel.errors import BadGateway
from services.kernel.clock import Clock
from services.documents.events import CATALOG_CHANGED
from services.identity.events import DISTRICT_ONBOARDED, MEMBERSHIP_GRANTED, MEMBERSHIP_REVOKED, SCHOOL_ONBOARDED
from services.kernel.campaigns import CampaignStates
from services.kernel.messaging import ConsumerWorker, HandlerTable, IdempotentConsumer, Publisher
from services.kernel.mongo import ensure_indexes
from services.kernel.outbox import OutboxRelay
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.service_auth import ClientCredentials
from services.kernel.settings import load_settings
from services.kernel.tokens import TokenVerifier

from . import events as published
from .adapters.documents import ALL_DOCUMENTS, OUTBOX_DOCUMENTS
from .adapters.documents_service import DocumentsPort, HttpDocuments
from .adapters.reports import MonthlyReportDoc
from .service_layer.corrections import CorrectionService
from .service_layer.handlers import CatalogHandlers, IdentityHandlers
from .service_layer.obligations import ObligationService
from .service_layer.dashboards import DashboardService
from .service_layer.due import DueObligations
from .service_layer.progress import ProgressProjection
from .service_layer.reports import ReportService
from .service_layer.setup import SetupService
from .service_layer.submissions import SubmissionService
from .entrypoints.xlsx import workbook_bytes
from .service_layer.units import UnitsProjection
from .settings import ApprovalsSettings

IDENTITY_CONSUMER = "approvals.identity"
CATALOG_CONSUMER = "approvals.catalog"
PROGRESS_CONSUMER = "approvals.progress"
CAMPAIGNS_CONSUMER = "approvals.campaigns"


@dataclass
class Container:
    runtime: Runtime
    settings: ApprovalsSettings
    documents: DocumentsPort
    setup: SetupService
    obligations: ObligationService
    submissions: SubmissionService
    corrections: CorrectionService
    progress: ProgressProjection
    dashboards: DashboardService
    reports: ReportService
    identity_consumer: IdempotentConsumer
    catalog_consumer: IdempotentConsumer
    progress_consumer: IdempotentConsumer
    campaigns_consumer: IdempotentConsumer
    relay: OutboxRelay
    due: DueObligations

    def workers(self) -> list[ConsumerWorker]:
        """The identity, catalog, progress and campaign projections, each on its own queue."""
        quorum = self.settings.queue_quorum or None
        return [self.runtime.worker(self.identity_consumer, quorum=quorum),
                self.runtime.worker(self.catalog_consumer, quorum=quorum),
                self.runtime.worker(self.progress_consumer, quorum=quorum),
                self.runtime.worker(self.campaigns_consumer, quorum=quorum)]

    def outbox_collections(self) -> list[Collection]:
        return [d._get_collection() for d in (*OUTBOX_DOCUMENTS, MonthlyReportDoc)]

    def periodic(self) -> list[tuple[float, Callable[[], object]]]:
        """Jobs the all-in-one runner repeats: the overdue scans (obligations, then signatures), the monthly reports."""
        every = self.settings.scheduler_interval_seconds
        return [(every, self.obligations.scan_overdue), (every, self.submissions.scan_signing_overdue),
                (every, self.reports.run_monthly)]


class _NotConfigured(requests.auth.AuthBase):
    """Calls to documents fail with a clear message when no client secret is configured."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        raise BadGateway("Dịch vụ phê duyệt chưa được cấu hình mã truy cập dịch vụ (HOSO_APPROVALS_CLIENT_SECRET).")


def _documents(settings: ApprovalsSettings) -> DocumentsPort:
    """Documents over HTTP with the kernel's client-credentials auth."""
    auth: requests.auth.AuthBase = _NotConfigured()
    if settings.identity_url and settings.client_secret:
        auth = ClientCredentials(token_url=settings.identity_url.rstrip("/") + "/oauth/token",
                                 client_id=settings.client_id, client_secret=settings.client_secret)
    return HttpDocuments(base_url=settings.documents_url or "http://documents.invalid", auth=auth)


def bootstrap(
    config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    verifier: TokenVerifier | None = None,
    documents: DocumentsPort | None = None,
) -> Container:
    """Wire the service; ``documents`` replaces the HTTP adapter (tests pass a ``FakeDocuments``)."""
    settings = load_settings(ApprovalsSettings, os.environ if environ is None else environ, config)
    runtime = build_runtime(settings, db_name=settings.db_name, clock=clock, publisher=publisher, verifier=verifier)
    ensure_indexes(*ALL_DOCUMENTS, MonthlyReportDoc)
    documents = documents or _documents(settings)
    setup = SetupService(clock=runtime.clock, audit_log=runtime.audit, documents=documents)
    obligations = ObligationService(clock=runtime.clock, audit_log=runtime.audit, setup=setup)
    setup.recompute = obligations.recompute  # setup's changes re-derive obligations, which read setup
    campaigns = CampaignStates(db=runtime.db)  # identity's campaigns as last published, for campaign reads
    submissions = SubmissionService(clock=runtime.clock, audit_log=runtime.audit, setup=setup, documents=documents,
                                    campaigns=campaigns)
    corrections = CorrectionService(clock=runtime.clock, audit_log=runtime.audit, submissions=submissions)
    progress = ProgressProjection(audit_log=runtime.audit)
    units = UnitsProjection()
    dashboards = DashboardService(clock=runtime.clock, audit_log=runtime.audit, units=units)
    reports = ReportService(clock=runtime.clock, audit_log=runtime.audit, dashboards=dashboards, workbook=workbook_bytes)
    identity = IdentityHandlers(setup, units)
    identity_table: HandlerTable = {  # the school/unit/membership projection
        SCHOOL_ONBOARDED.type: identity.school_onboarded,
        DISTRICT_ONBOARDED.type: units.district_onboarded,
        MEMBERSHIP_GRANTED.type: identity.membership_granted,
        MEMBERSHIP_REVOKED.type: identity.membership_revoked,
    }
    catalog_table: HandlerTable = {CATALOG_CHANGED.type: CatalogHandlers(setup).catalog_changed}  # template changes
    progress_table: HandlerTable = {spec.type: progress.apply for spec in (*published.SUBMISSION_EVENTS,
                                                                          published.RECOMPUTED)}
    return Container(
        runtime=runtime, settings=settings, documents=documents, setup=setup, obligations=obligations, submissions=submissions,
        corrections=corrections, progress=progress, dashboards=dashboards, reports=reports,
        identity_consumer=runtime.consumer(IDENTITY_CONSUMER, identity_table),
        catalog_consumer=runtime.consumer(CATALOG_CONSUMER, catalog_table),
        progress_consumer=runtime.consumer(PROGRESS_CONSUMER, progress_table),
        campaigns_consumer=runtime.consumer(CAMPAIGNS_CONSUMER, campaigns.handlers()),
        relay=runtime.relay([d._get_collection() for d in (*OUTBOX_DOCUMENTS, MonthlyReportDoc)]),
        due=DueObligations(documents=documents),
    )
