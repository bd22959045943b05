"""Composition root of the notifications service: used by create_app, the consumer and tests."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.collection import Collection

from services.approvals import events as approvals
from services.documents import events as documents
from services.identity import events as identity
from services.kernel.clock import Clock
from services.kernel.messaging import ConsumerWorker, HandlerTable, IdempotentConsumer, Publisher
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.settings import load_settings
from services.kernel.tokens import TokenVerifier
from services.signing import events as signing

from .adapters.inbox import NotificationDoc
from .adapters.mailer import Mailer, OutboxFolderMailer, SmtpMailer
from .service_layer.dispatcher import Dispatcher
from .service_layer.handlers import NotificationHandlers
from .settings import NotificationsSettings

CONSUMER_NAME = "notifications.inbox"


@dataclass
class Container:
    runtime: Runtime
    settings: NotificationsSettings
    dispatcher: Dispatcher
    handlers: NotificationHandlers
    consumer: IdempotentConsumer

    def workers(self) -> list[ConsumerWorker]:
        return [self.runtime.worker(self.consumer, quorum=self.settings.queue_quorum or None)]

    def outbox_collections(self) -> list[Collection]:
        return []


def bootstrap(
    config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    verifier: TokenVerifier | None = None,
    mailer: Mailer | None = None,
) -> Container:
    settings = load_settings(NotificationsSettings, os.environ if environ is None else environ, config)
    runtime = build_runtime(settings, db_name=settings.db_name, clock=clock, publisher=publisher, verifier=verifier)
    NotificationDoc.ensure_indexes()
    if mailer is None:
        mailer = (
            SmtpMailer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from)
            if settings.smtp_host
            else OutboxFolderMailer(folder=settings.mail_outbox_dir, sender=settings.mail_from)
        )
    dispatcher = Dispatcher(clock=runtime.clock, mailer=mailer)
    handlers = NotificationHandlers(dispatcher=dispatcher)
    table: HandlerTable = {  # what people are told, by event (identity's also keep whom to tell)
        identity.PERSON_CREATED.type: handlers.person_created,
        identity.SCHOOL_ONBOARDED.type: handlers.school_onboarded,
        identity.MEMBERSHIP_GRANTED.type: handlers.membership_granted,
        identity.MEMBERSHIP_REVOKED.type: handlers.membership_revoked,
        identity.SIGNIN_NEW_DEVICE.type: handlers.new_device,
        identity.CAMPAIGN_OPENED.type: handlers.campaign_opened,
        approvals.SUBMITTED.type: handlers.submitted,
        approvals.ADVANCED.type: handlers.advanced,
        approvals.RETURNED.type: handlers.returned,
        approvals.APPROVED.type: handlers.approved,
        approvals.SIGNING_REQUESTED.type: handlers.signing_requested,
        approvals.SIGNING_ADVANCED.type: handlers.signing_advanced,
        approvals.RECALLED.type: handlers.recalled,
        approvals.OVERDUE.type: handlers.overdue,
        approvals.SIGNATURE_OVERDUE.type: handlers.signature_overdue,
        approvals.CORRECTION_REQUESTED.type: handlers.correction_requested,
        approvals.CORRECTION_CONSENTED.type: handlers.correction_consented,
        approvals.MONTHLY_REPORT.type: handlers.monthly_report,
        signing.BATCH_FINISHED.type: handlers.batch_finished,
        signing.BATCH_FAILED.type: handlers.batch_failed,
        documents.FINDING_OPENED.type: handlers.finding_opened,
        documents.FINDING_ANSWERED.type: handlers.finding_answered,
        documents.FINDING_CLOSED.type: handlers.finding_closed,
    }
    consumer = runtime.consumer(CONSUMER_NAME, table)
    return Container(runtime=runtime, settings=settings, dispatcher=dispatcher, handlers=handlers, consumer=consumer)
