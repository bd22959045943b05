"""Composition root of the notifications service: used by create_app, the consumer and tests."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.collection import Collection

from services.approvals import events as approvals
from services.identity import events as identity
from services.kernel.clock import Clock
from services.kernel.messaging import ConsumerWorker, HandlerTable, IdempotentConsumer, Publisher
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.service_auth import ClientCredentials
from services.kernel.service_client import ServiceClient
from services.kernel.settings import load_settings
from services.kernel.tokens import TokenVerifier

from .adapters.approvals_client import ApprovalsPort, HttpApprovals
from .adapters.inbox import NotificationDoc
from .adapters.reminder_records import DigestPrefDoc, DigestPrefs, SentStageDoc, SentStages
from .adapters.mailer import Mailer, OutboxFolderMailer, SmtpMailer
from .service_layer.dispatcher import Dispatcher
from .service_layer.digests import DigestJob
from .service_layer.handlers import NotificationHandlers
from .service_layer.reminders import ReminderJob
from .settings import NotificationsSettings

CONSUMER_NAME = "notifications.inbox"


@dataclass
class Container:
    runtime: Runtime
    settings: NotificationsSettings
    dispatcher: Dispatcher
    handlers: NotificationHandlers
    consumer: IdempotentConsumer
    reminders: ReminderJob | None = None
    digests: DigestJob | None = None

    def periodic(self) -> list[tuple[float, Callable[[], object]]]:
        """Jobs the runner repeats: reminders and escalations, then the opt-in digests (need approvals)."""
        if self.reminders is None or self.digests is None:
            return []
        every = self.settings.reminder_interval_seconds
        return [(every, self.reminders.remind_due), (every, self.digests.run)]

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
    approvals_port: ApprovalsPort | None = None,
) -> Container:
    settings = load_settings(NotificationsSettings, os.environ if environ is None else environ, config)
    runtime = build_runtime(settings, db_name=settings.db_name, clock=clock, publisher=publisher, verifier=verifier)
    NotificationDoc.ensure_indexes()
    SentStageDoc.ensure_indexes()
    DigestPrefDoc.ensure_indexes()
    if mailer is None:
        mailer = (
            SmtpMailer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from)
            if settings.smtp_host
            else OutboxFolderMailer(folder=settings.mail_outbox_dir, sender=settings.mail_from)
        )
    dispatcher = Dispatcher(clock=runtime.clock, mailer=mailer)
    handlers = NotificationHandlers(dispatcher=dispatcher)
    table: HandlerTable = {  # what people are told, by event
        identity.SIGNIN_NEW_DEVICE.type: handlers.new_device,
        approvals.SUBMITTED.type: handlers.submitted,
        approvals.ADVANCED.type: handlers.advanced,
        approvals.RETURNED.type: handlers.returned,
        approvals.APPROVED.type: handlers.approved,
        approvals.SIGNING_REQUESTED.type: handlers.signing_requested,
        approvals.SIGNING_ADVANCED.type: handlers.signing_advanced,
        approvals.RECALLED.type: handlers.recalled,
        approvals.OVERDUE.type: handlers.overdue,
        approvals.SIGNATURE_OVERDUE.type: handlers.signature_overdue,
    }
    consumer = runtime.consumer(CONSUMER_NAME, table)
    approvals_port = approvals_port or _approvals(settings)
    reminders = digests = None
    if approvals_port is not None:
        reminders = ReminderJob(clock=runtime.clock, approvals=approvals_port, dispatcher=dispatcher, sent=SentStages(),
                                window_days=settings.reminder_window_days, threshold=settings.digest_threshold)
        digests = DigestJob(clock=runtime.clock, approvals=approvals_port, dispatcher=dispatcher, prefs=DigestPrefs())
    return Container(runtime=runtime, settings=settings, dispatcher=dispatcher, handlers=handlers, consumer=consumer,
                     reminders=reminders, digests=digests)


def _approvals(settings: NotificationsSettings) -> ApprovalsPort | None:
    """Approvals over HTTP with the service's client credentials; None (no reminder jobs) when not configured."""
    if not (settings.approvals_url and settings.identity_url and settings.client_secret):
        return None
    auth = ClientCredentials(token_url=settings.identity_url.rstrip("/") + "/oauth/token",
                             client_id=settings.client_id, client_secret=settings.client_secret)
    return HttpApprovals(client=ServiceClient(base_url=settings.approvals_url, auth=auth, service_name="phê duyệt"))
