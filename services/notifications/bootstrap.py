"""Composition root of the notifications service: used by create_app, the consumers and tests."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import mongoengine
from pymongo.collection import Collection

from services.approvals import events as approvals
from services.documents import events as documents
from services.identity import events as identity
from services.kernel.clock import Clock
from services.kernel.messaging import ConsumerWorker, HandlerTable, IdempotentConsumer, Publisher
from services.kernel.mongo import ensure_indexes
from services.kernel.runtime import Runtime, build_runtime
from services.kernel.service_auth import ClientCredentials
from services.kernel.service_client import ServiceClient
from services.kernel.settings import load_settings
from services.kernel.tokens import TokenVerifier
from services.signing import events as signing

from .adapters.approvals_client import ApprovalsPort, HttpApprovals
from .adapters.channels import Channel
from .adapters.channels.email import EmailChannel, Mailer, OutboxFolderMailer, SmtpMailer
from .adapters.channels.webhook import WebhookChannel
from .adapters.channels.zalo import ZaloChannel
from .adapters.deliveries import DeliveryDoc, DeliveryStore
from .adapters.inbox import NotificationDoc
from .adapters.people import PeopleDirectory
from .adapters.preferences import PreferencesRepository
from .adapters.reminder_records import DigestPrefDoc, DigestPrefs, SentStageDoc, SentStages
from .adapters.webhooks import WebhookDoc, WebhookTargets
from .service_layer.dead_letters import DeadLetters
from .service_layer.digests import DigestJob
from .service_layer.directory import DirectoryHandlers
from .service_layer.dispatcher import Dispatcher
from .service_layer.handlers import NotificationHandlers
from .service_layer.reminders import ReminderJob
from .service_layer.settings_page import NotificationSettings
from .settings import NotificationsSettings

CONSUMER_NAME = "notifications.inbox"
PEOPLE_CONSUMER_NAME = "notifications.people"
INDEXED: tuple[type[mongoengine.Document], ...] = (NotificationDoc, DeliveryDoc, WebhookDoc, SentStageDoc, DigestPrefDoc)


@dataclass
class Container:
    runtime: Runtime
    settings: NotificationsSettings
    dispatcher: Dispatcher
    handlers: NotificationHandlers
    consumer: IdempotentConsumer
    people_consumer: IdempotentConsumer
    people: PeopleDirectory
    preferences: PreferencesRepository
    deliveries: DeliveryStore
    settings_page: NotificationSettings
    dead_letters: DeadLetters
    #: reminders, escalations and digests need approvals' obligations: None when not configured
    reminders: ReminderJob | None = None
    digests: DigestJob | None = None

    def workers(self) -> list[ConsumerWorker]:
        quorum = self.settings.queue_quorum or None
        return [self.runtime.worker(self.consumer, quorum=quorum), self.runtime.worker(self.people_consumer, quorum=quorum)]

    def outbox_collections(self) -> list[Collection]:
        return []

    def periodic(self) -> list[tuple[float, Callable[[], object]]]:
        """Jobs the all-in-one runner and the production scheduler repeat: sending due deliveries, and
        (when approvals is configured) reminders and escalations, then the opt-in digests."""
        jobs: list[tuple[float, Callable[[], object]]] = []
        if self.reminders is not None and self.digests is not None:
            every = self.settings.reminder_interval_seconds
            jobs += [(every, self.reminders.remind_due), (every, self.digests.run)]
        return [*jobs, (self.settings.scheduler_interval_seconds, self.dispatcher.deliver_due)]  # sends what they queued


def channels_for(settings: NotificationsSettings, *, clock: Clock, mailer: Mailer | None,
                 webhooks: WebhookTargets) -> dict[str, Channel]:
    """The push channels by name, with the transports the settings choose."""
    if mailer is None:
        mailer = (SmtpMailer(host=settings.smtp_host, port=settings.smtp_port, timeout=settings.smtp_timeout_seconds)
                  if settings.smtp_host else OutboxFolderMailer(folder=settings.mail_outbox_dir))
    channels: list[Channel] = [
        EmailChannel(mailer=mailer, sender=settings.mail_from, public_base_url=settings.public_url),
        WebhookChannel(targets=webhooks.target, clock=clock, public_base_url=settings.public_url,
                       allow_loopback=settings.mode == "test", timeout=settings.webhook_timeout_seconds),
        ZaloChannel(base_url=settings.zalo_base_url, access_token=settings.zalo_access_token,
                    template_id=settings.zalo_template_id, public_base_url=settings.public_url,
                    timeout=settings.webhook_timeout_seconds),
    ]
    return {c.name: c for c in channels}


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
    ensure_indexes(*INDEXED)
    people, preferences, deliveries, webhooks = PeopleDirectory(), PreferencesRepository(), DeliveryStore(), WebhookTargets()
    dispatcher = Dispatcher(clock=runtime.clock, channels=channels_for(settings, clock=runtime.clock, mailer=mailer,
                                                                       webhooks=webhooks),
                            deliveries=deliveries, people=people, preferences=preferences, webhooks=webhooks,
                            lease=timedelta(seconds=settings.delivery_lease_seconds))
    handlers = NotificationHandlers(dispatcher=dispatcher)
    table: HandlerTable = {  # what people are told, by event (identity's also keep whom to tell)
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
    directory = DirectoryHandlers(people=people)
    people_table: HandlerTable = {  # who is who: identity's facts the messages and deliveries need
        identity.PERSON_CREATED.type: directory.person_created,
        identity.PERSON_DEACTIVATED.type: directory.person_deactivated,
        identity.PERSON_REACTIVATED.type: directory.person_reactivated,
        identity.SCHOOL_ONBOARDED.type: directory.school_onboarded,
    }
    approvals_port = approvals_port or _approvals(settings)
    reminders = digests = None
    if approvals_port is not None:
        reminders = ReminderJob(clock=runtime.clock, approvals=approvals_port, dispatcher=dispatcher, sent=SentStages(),
                                window_days=settings.reminder_window_days, threshold=settings.digest_threshold)
        digests = DigestJob(clock=runtime.clock, approvals=approvals_port, dispatcher=dispatcher, prefs=DigestPrefs())
    return Container(runtime=runtime, settings=settings, dispatcher=dispatcher, handlers=handlers,
                     reminders=reminders, digests=digests,
                     consumer=runtime.consumer(CONSUMER_NAME, table),
                     people_consumer=runtime.consumer(PEOPLE_CONSUMER_NAME, people_table),
                     people=people, preferences=preferences, deliveries=deliveries,
                     settings_page=NotificationSettings(preferences=preferences, people=people, audit=runtime.audit),
                     dead_letters=DeadLetters(deliveries=deliveries, audit=runtime.audit, clock=runtime.clock,
                                              allow_loopback=settings.mode == "test"))


def _approvals(settings: NotificationsSettings) -> ApprovalsPort | None:
    """Approvals over HTTP with the service's client credentials; None (no reminder jobs) when not configured."""
    if not (settings.approvals_url and settings.identity_url and settings.client_secret):
        return None
    auth = ClientCredentials(token_url=settings.identity_url.rstrip("/") + "/oauth/token",
                             client_id=settings.client_id, client_secret=settings.client_secret)
    return HttpApprovals(client=ServiceClient(base_url=settings.approvals_url, auth=auth, service_name="phê duyệt"))
